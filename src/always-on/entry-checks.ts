import { ALWAYS_ON_ID, ALWAYS_ON_ID_HINT, type EntryProblem } from "./always-on-files.js";

/** A refusal written for whoever asked (the guest sees its name and message). */
export class AlwaysOnError extends Error {
  constructor(
    message: string,
    override readonly name: "ScheduleError" | "HookError",
  ) {
    super(message);
  }
}

/** What schedules and hooks check about their target: the integration's exported names, or undefined when there is no such integration. */
export type ExportsOf = (integration: string) => string[] | undefined;

/** An entry of schedules.json or hooks.json that is not used, and why (fix it with set, or remove it). */
export interface InvalidEntry {
  id: string;
  problem: string;
}

export function invalidEntries(problems: EntryProblem[]): InvalidEntry[] {
  return problems.map((p) => ({ id: p.id, problem: p.message }));
}

export function checkId(id: unknown, call: string): string {
  if (typeof id !== "string" || !ALWAYS_ON_ID.test(id)) {
    throw new AlwaysOnError(`${call} takes an id of ${ALWAYS_ON_ID_HINT}; got ${typeof id === "string" ? `'${id.slice(0, 80)}'` : typeof id}.`, call.startsWith("hooks") ? "HookError" : "ScheduleError");
  }
  return id;
}

/** Refuses a schedule or hook whose integration or export does not exist (now: it may be removed later, and its runs then fail visibly). */
export function checkTarget(exportsOf: ExportsOf, target: { integration: string; export: string }, name: "ScheduleError" | "HookError"): void {
  const exported = exportsOf(target.integration);
  if (!exported) throw new AlwaysOnError(`No integration '${target.integration}' in the library. search_library finds saved integrations; save one with save_integration first.`, name);
  if (!exported.includes(target.export)) {
    const functions = exported.filter((e) => e !== "default");
    throw new AlwaysOnError(`'${target.integration}' exports no '${target.export}'.${functions.length ? ` It exports: ${functions.join(", ")}.` : ""}`, name);
  }
}
