// The WebAssembly globals Node provides, declared for the ES lib (they live in lib.dom).
declare namespace WebAssembly {
  interface Module {}
  interface MemoryDescriptor {
    initial: number;
    maximum?: number;
  }
  interface Memory {
    readonly buffer: ArrayBuffer;
    grow(delta: number): number;
  }
  const Module: { new (bytes: Uint8Array): Module };
  const Memory: { new (descriptor: MemoryDescriptor): Memory };
  function compile(bytes: Uint8Array): Promise<Module>;
}
