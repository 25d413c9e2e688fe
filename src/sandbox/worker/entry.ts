/**
 * Sandbox worker thread: receives runs from the pool, executes each in a freshly
 * prepared, bounded QuickJS runtime (see WarmInstance), and prepares the next one
 * between runs.
 */
import { type MessagePort, parentPort, workerData } from "node:worker_threads";
import type { FromWorker, ToWorker } from "../protocol.js";
import { countTaken } from "../reply-backlog.js";
import { drainPort, fromWire, toWire } from "../wire.js";
import type { GuestRun } from "./guest-run.js";
import { WarmInstance } from "./quickjs-instance.js";

interface WorkerInit {
  wasmModule: WebAssembly.Module;
  memoryMb: number;
  /** Where this worker's messages go (the pool can also read it synchronously). */
  toMain: MessagePort;
  /** [0]: where this worker writes the id of the last run it was sent, once its next guest is prepared; [1]: replies taken (see ReplyBacklog). */
  readiness: Int32Array;
  /** Rewind one prepared runtime per instance instead of building one per run (see RuntimeImage). */
  runtimeImages: boolean;
}

const port = parentPort;
if (!port) throw new Error("the sandbox worker must run in a worker thread");
const init = workerData as WorkerInit;
const warm = new WarmInstance(init.wasmModule, { runtimeImages: init.runtimeImages });
/** Tells the pool this worker's next guest is prepared (after run `afterRunId`), so a run sent now starts at once. */
const prepareSpare = (memoryMb: number, afterRunId: number) =>
  void warm.prepare(memoryMb).then((ready) => {
    if (!ready) return;
    Atomics.store(init.readiness, 0, afterRunId);
    // Wakes the pool's start, which waits for the first prepared worker (no waiter: a no-op).
    Atomics.notify(init.readiness, 0);
  });
prepareSpare(init.memoryMb, 0);
let current: GuestRun | undefined;
let currentRunId: number | undefined;
let pendingCancel: string | undefined;

const post = (message: FromWorker) => init.toMain.postMessage(toWire(message));

const onMessage = (message: ToWorker): void => {
  if (message.type === "run") {
    currentRunId = message.runId;
    void (async () => {
      try {
        const run = await warm.take(message.memoryMb, message);
        current = run;
        const finished = await run.run(message, post, drainMessages, pendingCancel);
        post(finished);
        warm.release(run);
      } catch (error) {
        warm.release(undefined);
        const text = error instanceof Error ? error.message : String(error);
        post({
          type: "done",
          runId: message.runId,
          outcome: { ok: false, error: { name: "SandboxError", message: `The sandbox could not start this run (${text}). Try again.` } },
          logs: [],
          logsTruncated: false,
          poisoned: true,
        });
      } finally {
        current = undefined;
        currentRunId = undefined;
        pendingCancel = undefined;
      }
      prepareSpare(message.memoryMb, message.runId);
    })();
  } else if (message.runId === currentRunId) {
    if (message.type === "hostReply") {
      countTaken(init.readiness);
      current?.hostReply(message);
    }
    else if (message.type === "clock") current?.setDeadline(message.deadline);
    else if (current) current.cancel(message.reason);
    else pendingCancel = message.reason;
  }
};
port.on("message", (raw: ToWorker | string) => onMessage(fromWire(raw)));

/** Handles the messages already waiting on the port, as the event loop would; whether there were any. */
const drainMessages = (): boolean => drainPort<ToWorker>(port, onMessage);
