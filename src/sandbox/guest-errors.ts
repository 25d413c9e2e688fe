import type { GuestErrorInfo } from "./protocol.js";
import { cutText } from "./truncate-json.js";

/** The errors a run can end with that the sandbox itself raises, each with a fix in its message. */
export function timeoutError(timeoutMs: number): GuestErrorInfo {
  return {
    name: "TimeoutError",
    message: `The run exceeded its time limit of ${timeoutMs} ms. Do less work per run (or pass a larger timeoutMs, up to limits.timeoutMs in config.json).`,
  };
}

export function memoryError(memoryMb: number, stack?: string): GuestErrorInfo {
  return {
    name: "MemoryError",
    message: `The run ran out of memory (limit ${memoryMb} MB, limits.memoryMb). Process data in smaller pieces or keep less of it at once.`,
    stack,
  };
}

export function stackOverflowError(stack?: string): GuestErrorInfo {
  return { name: "RangeError", message: "Maximum call stack size exceeded (runaway recursion?). Make the recursion iterative or shallower.", stack };
}

/** Longest error name kept: a name is an identifier, anything longer is the guest's doing. */
const ERROR_NAME_MAX_CHARS = 100;
/** Share of the output cap a stack may take; the message gets the rest. */
const STACK_SHARE_OF_OUTPUT = 0.25;
/**
 * Longest stack line that is parsed as a frame. Real QuickJS frames are far shorter; the
 * frame pattern backtracks quadratically on a long line a guest wrote into `stack`.
 */
const STACK_LINE_MAX_CHARS = 500;

/** The part of an error that is text written by the guest (or quoting its code). */
interface ErrorText {
  name: string;
  message: string;
  stack?: string;
}

/** A raw guest stack made safe to parse: at most its share of `maxOutputChars`, no line longer than a frame can be. */
export function boundStack(stack: string, maxOutputChars: number): string {
  const lines = cutText(stack, stackBudget(maxOutputChars)).split("\n");
  return lines.map((line) => cutText(line, STACK_LINE_MAX_CHARS)).join("\n");
}

/**
 * An error cut to fit the output cap as results are: name, message and stack together
 * take at most `maxOutputChars` characters, each cut one saying how many characters it lost.
 */
export function capError<E extends ErrorText>(error: E, maxOutputChars: number): E {
  const name = cutText(error.name, ERROR_NAME_MAX_CHARS);
  const stack = error.stack === undefined ? undefined : cutText(error.stack, stackBudget(maxOutputChars));
  const message = cutText(error.message, Math.max(0, maxOutputChars - name.length - (stack?.length ?? 0)));
  const capped: E = { ...error, name, message };
  if (stack !== undefined) capped.stack = stack;
  return capped;
}

function stackBudget(maxOutputChars: number): number {
  return Math.floor(maxOutputChars * STACK_SHARE_OF_OUTPUT);
}
