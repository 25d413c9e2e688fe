import { MessageChannel } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { drainPort, fromWire, toWire } from "../../dist/sandbox/wire.js";

describe("messages between the pool and its workers, on the wire", () => {
  it("a host call goes as one string, whatever its JSON holds, and comes back whole", () => {
    for (const argsJson of ['{"message":"x"}', "", '"a\\u0000b"', '{"nested":{"sep":"\\u0000\\u0000","emoji":"✓ 𝒳"}}', "x".repeat(100_000) + "\u0000tail"]) {
      const call = { type: "hostCall" as const, runId: 123456789, callId: 2 ** 40, name: "mcp.call", argsJson };
      const packed = toWire(call);
      expect(typeof packed).toBe("string");
      expect(fromWire(packed)).toEqual(call);
    }
  });

  it("a successful reply goes as one string, with or without a value; a failed reply and every other message stay objects", () => {
    for (const json of [undefined, "", "null", '"u"', '{"a":"\\u0000"}', "j".repeat(10) + "\u0000", "c1\u00002"]) {
      const reply = { type: "hostReply" as const, runId: 7, callId: 8, ok: true, ...(json === undefined ? {} : { json }) };
      const packed = toWire(reply);
      expect(typeof packed).toBe("string");
      expect(fromWire(packed)).toEqual(reply);
    }
    const failure = { type: "hostReply" as const, runId: 7, callId: 9, ok: false, error: { name: "NetworkRefusedError", message: "no\u0000way" } };
    const cancel = { type: "cancel" as const, runId: 7, reason: "stop" };
    const logs = { type: "logs" as const, runId: 7, logs: [{ level: "log" as const, text: "c1\u00002" }] };
    for (const message of [failure, cancel, logs]) {
      expect(toWire(message)).toBe(message);
      expect(fromWire(message)).toBe(message);
    }
  });

  it("drainPort hands over every message already waiting, decoded, and says whether there was one", async () => {
    const { port1, port2 } = new MessageChannel();
    try {
      const call = { type: "hostCall" as const, runId: 1, callId: 1, name: "progress", argsJson: "{}" };
      const logs = { type: "logs" as const, runId: 1, logs: [] };
      port1.postMessage(toWire(call));
      port1.postMessage(toWire(logs));
      const received: unknown[] = [];
      expect(drainPort(port2, (message) => received.push(message))).toBe(true);
      expect(received).toEqual([call, logs]);
      expect(drainPort(port2, (message) => received.push(message))).toBe(false);
      expect(received).toHaveLength(2);
    } finally {
      port1.close();
    }
  });
});
