/**
 * The guest's own globals that the runtime scripts use by name (the prelude and the polyfills
 * install them; agents see them as ../sandbox-world-globals.ts declares them). Only these: the
 * runtime scripts otherwise reach web globals through `GuestGlobal`, because they load lazily.
 */
declare function setTimeout(callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]): number;
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare function btoa(data: string): string;
