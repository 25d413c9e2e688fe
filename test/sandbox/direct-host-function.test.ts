import { afterEach, beforeAll, describe, expect, it } from "vitest";
import RELEASE_SYNC from "@jitl/quickjs-wasmfile-release-sync";
import { newQuickJSWASMModuleFromVariant, type QuickJSContext, type QuickJSRuntime, type QuickJSSyncVariant, type QuickJSWASMModule } from "quickjs-emscripten-core";
import { serveDirectly, type DirectArgs } from "../../dist/sandbox/worker/direct-host-function.js";
import { GuestRun } from "../../dist/sandbox/worker/guest-run.js";

let qjs: QuickJSWASMModule;
let runtime: QuickJSRuntime;
let ctx: QuickJSContext;
beforeAll(async () => {
  qjs = await newQuickJSWASMModuleFromVariant(RELEASE_SYNC as unknown as QuickJSSyncVariant);
});
afterEach(() => {
  if (ctx?.alive) ctx.dispose();
  if (runtime?.alive) runtime.dispose();
});

function setUp(direct: (args: DirectArgs) => ReturnType<Parameters<typeof serveDirectly>[2]>) {
  runtime = qjs.newRuntime();
  ctx = runtime.newContext();
  let generalCalls = 0;
  const impl = () => {
    generalCalls++;
    return undefined;
  };
  const fast = ctx.newFunction("fast", impl);
  ctx.setProp(ctx.global, "fast", fast);
  fast.dispose();
  const other = ctx.newFunction("other", (a) => ctx.newString(`other:${ctx.getString(a!)}`));
  ctx.setProp(ctx.global, "other", other);
  other.dispose();
  const served = serveDirectly(ctx, impl, direct);
  return { served, generalCalls: () => generalCalls };
}

function evaluate(code: string): unknown {
  return ctx.unwrapResult(ctx.evalCode(code)).consume((h) => ctx.dump(h));
}

describe("serveDirectly", () => {
  it("is active on the pinned quickjs-emscripten-core, and reads string and number arguments", () => {
    const seen: Array<[string, string, number]> = [];
    const { served, generalCalls } = setUp((args) => {
      seen.push([args.string(0), args.string(1), args.number(2)]);
      return undefined;
    });
    expect(served).toBe(true);
    expect(evaluate(`[typeof fast("progress", '{"message":"é ✓ \\n x"}', 7), typeof fast("a", "", 0.5)]`)).toEqual(["undefined", "undefined"]);
    expect(seen).toEqual([
      ["progress", '{"message":"é ✓ \n x"}', 7],
      ["a", "", 0.5],
    ]);
    expect(generalCalls()).toBe(0);
  });

  it("reads missing arguments as undefined would convert", () => {
    const seen: unknown[] = [];
    setUp((args) => {
      seen.push(args.string(0), args.number(1));
      return undefined;
    });
    evaluate("fast()");
    expect(seen[0]).toBe("undefined");
    expect(Number.isNaN(seen[1])).toBe(true);
  });

  it("returns a handle's value to the guest, and leaves other host functions to the general wrapper", () => {
    setUp(() => ctx.newString("from host"));
    expect(evaluate(`[fast("x", "y", 1), other("z")]`)).toEqual(["from host", "other:z"]);
  });

  it("turns a host-side exception into a guest error of the same name the guest can catch", () => {
    setUp(() => {
      throw new RangeError("host side failed");
    });
    expect(evaluate(`try { fast("x", "y", 1); "not thrown" } catch (e) { [e instanceof Error, e.name, e.message] }`)).toEqual([true, "RangeError", "host side failed"]);
    // The context is still usable afterwards.
    expect(evaluate("1 + 1")).toBe(2);
  });

  it("is what every sandbox run uses for its host calls", () => {
    const run = new GuestRun(qjs, 64);
    try {
      expect(run.servesHostCallsDirectly).toBe(true);
    } finally {
      run.release();
    }
  });
});
