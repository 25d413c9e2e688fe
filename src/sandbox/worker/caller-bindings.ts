/**
 * Which module's code made a host call, in a way guest code cannot forge.
 *
 * Guest code shares one realm, and everything it can read (function names, stack
 * traces, `Function.prototype.toString`, globals) it can also forge. So the identity is
 * not read from the guest: a module the host names in its RunRequest (`caller`) is
 * loaded with one line put in front of its code, binding its free `fetch` to a fetch of
 * its own. That line claims a one-time random token (`bindCaller`), and the worker
 * answers with a key that only the prelude's closure holds; calls made through that
 * key are sent to the host with the caller the worker recorded for the token. The token
 * is spent when the module is evaluated (before any code that imports it runs), and it
 * is at the module's top level, never inside a function whose source could be read.
 */

/** The import the bound module's first line adds; a name no integration uses. */
const CAPS = "__toolsmith_caller_caps";

/**
 * A module that declares or imports its own `fetch` keeps it: binding would be a
 * redeclaration. Its calls then go through the global fetch and count as the run's.
 */
const DECLARES_FETCH = /\b(?:const|let|var|function|class)\s+fetch\b|\bimport\b[^;]*\bfetch\b|\bas\s+fetch\b/;

export class CallerBindings {
  /** module specifier -> caller, as the host assigned it for this run. */
  private readonly assigned = new Map<string, string>();
  /** one-time token -> caller, until the module's first line claims it. */
  private readonly tokens = new Map<string, string>();
  /** key -> caller, for the rest of the run. */
  private readonly keys = new Map<string, string>();

  constructor(private readonly newSecret: () => string) {}

  clear(): void {
    this.assigned.clear();
    this.tokens.clear();
    this.keys.clear();
  }

  assign(specifier: string, caller: string): void {
    this.assigned.set(specifier, caller);
  }

  /** The source the engine gets for `specifier`: bound to its caller when the host named one. */
  source(specifier: string, js: string): string {
    const caller = this.assigned.get(specifier);
    if (caller === undefined || DECLARES_FETCH.test(js)) return js;
    const token = this.newSecret();
    this.tokens.set(token, caller);
    // One line, prepended without a newline: line numbers (and so error positions) stay as compiled.
    return `import { __internal as ${CAPS} } from "toolsmith"; const fetch = ${CAPS}.bindCaller("${token}").fetch; ${js}`;
  }

  /** Spends a token: the key its module's calls go through, or undefined for an unknown or spent token. */
  claim(token: string): string | undefined {
    const caller = this.tokens.get(token);
    if (caller === undefined) return undefined;
    this.tokens.delete(token);
    const key = this.newSecret();
    this.keys.set(key, caller);
    return key;
  }

  callerOf(key: string): string | undefined {
    return this.keys.get(key);
  }
}
