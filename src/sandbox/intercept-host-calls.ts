import type { HostCallHandler } from "./worker-pool.js";

/**
 * A host-call handler that answers the calls named in `names` with `handle` and passes
 * every other call to `next` with all of its arguments (signal, backlog and the context
 * that carries the approval clock and the caller), so a layer that adds host functions
 * cannot drop what the layers below it need.
 */
export function interceptHostCalls(names: ReadonlySet<string>, handle: (name: string, argsJson: string) => Promise<string | undefined>, next: HostCallHandler): HostCallHandler {
  return (name, argsJson, signal, backlog, context) => (names.has(name) ? handle(name, argsJson) : next(name, argsJson, signal, backlog, context));
}
