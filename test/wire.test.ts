import { describe, expect, it } from "vitest";
import { packHostCall, packHostReply, unpackHostCall, unpackHostReply } from "../dist/sandbox/wire.js";

describe("host-call messages on the wire", () => {
  it("a host call survives packing whatever its JSON holds", () => {
    for (const argsJson of ['{"message":"x"}', "", '"a\\u0000b"', '{"nested":{"sep":"\\u0000\\u0000","emoji":"✓ 𝒳"}}', "x".repeat(100_000) + "\u0000tail"]) {
      const call = { type: "hostCall" as const, runId: 123456789, callId: 2 ** 40, name: "mcp.call", argsJson };
      const packed = packHostCall(call);
      expect(typeof packed).toBe("string");
      expect(unpackHostCall(packed)).toEqual(call);
    }
  });

  it("a successful reply survives packing, with or without a value; an error reply stays an object", () => {
    for (const json of [undefined, "", "null", '"u"', '{"a":"\\u0000"}', "j".repeat(10) + "\u0000"]) {
      const reply = { type: "hostReply" as const, runId: 7, callId: 8, ok: true, ...(json === undefined ? {} : { json }) };
      const packed = packHostReply(reply);
      expect(typeof packed).toBe("string");
      expect(unpackHostReply(packed as string)).toEqual(reply);
    }
    const failure = { type: "hostReply" as const, runId: 7, callId: 9, ok: false, error: { name: "NetworkRefusedError", message: "no\u0000way" } };
    expect(packHostReply(failure)).toBe(failure);
  });
});
