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
/** An `mcp/<server>` instance's own host call, bound to its importer. */
const BOUND_HOST_CALL = "__toolsmith_caller_hostCall";

/**
 * How a generated `mcp/<server>` module calls the host (see upstream-modules.ts, which
 * uses this text): in an instance bound to an integration, this call is replaced.
 */
export const UPSTREAM_HOST_CALL = "$$toolsmithInternal.hostCall(";

/** Between an `mcp/<server>` specifier and its importer, in the name of the importer's own instance. */
const INSTANCE_OF = "#for:";

/**
 * A module that declares or imports its own `fetch` keeps it: binding would be a
 * redeclaration. Its calls then go through the global fetch and count as the run's.
 */
const DECLARES_FETCH = /\b(?:const|let|var|function|class)\s+fetch\b|\bimport\s+(?:fetch\b|\*\s*as\s+fetch\b|\{[^}]*\bfetch\b)|\bas\s+fetch\b/;

interface Binding {
  caller: string;
  /** Set for an `mcp/<server>` instance: the only server its calls are attributed for. */
  server?: string;
}

function serverIn(argsJson: string): unknown {
  try {
    return (JSON.parse(argsJson) as { server?: unknown } | null)?.server;
  } catch {
    return undefined;
  }
}

export class CallerBindings {
  /** module specifier -> caller, as the host assigned it for this run. */
  private readonly assigned = new Map<string, string>();
  /** one-time token -> binding, until the module's first line claims it. */
  private readonly tokens = new Map<string, Binding>();
  /** key -> binding, for the rest of the run. */
  private readonly keys = new Map<string, Binding>();

  constructor(private readonly newSecret: () => string) {}

  clear(): void {
    this.assigned.clear();
    this.tokens.clear();
    this.keys.clear();
  }

  assign(specifier: string, caller: string): void {
    this.assigned.set(specifier, caller);
  }

  /**
   * The module name an import resolves to. A bound module's `mcp/<server>` import gets an
   * instance of its own (`mcp/<server>#for:<importer>`), whose tool calls carry its caller;
   * no other importer can name that instance (the engine gives the importer's name).
   */
  instanceFor(importer: string, specifier: string): string {
    return specifier.startsWith("mcp/") && this.assigned.has(importer) ? `${specifier}${INSTANCE_OF}${importer}` : specifier;
  }

  /** The specifier whose code a module name loads (an instance loads its `mcp/<server>`). */
  static codeOf(name: string): string {
    const at = name.indexOf(INSTANCE_OF);
    return at < 0 ? name : name.slice(0, at);
  }

  /** The source the engine gets for module `name`: bound to its caller when the host named one. */
  source(name: string, js: string): string {
    const at = name.indexOf(INSTANCE_OF);
    if (at >= 0) {
      const caller = this.assigned.get(name.slice(at + INSTANCE_OF.length));
      if (caller === undefined || !js.includes(UPSTREAM_HOST_CALL)) return js;
      const server = name.slice("mcp/".length, at);
      return `import { __internal as ${CAPS} } from "toolsmith"; const ${BOUND_HOST_CALL} = ${CAPS}.bindCaller("${this.tokenFor({ caller, server })}").hostCall; ${js.replace(UPSTREAM_HOST_CALL, `${BOUND_HOST_CALL}(`)}`;
    }
    const caller = this.assigned.get(name);
    if (caller === undefined || DECLARES_FETCH.test(js)) return js;
    // One line, prepended without a newline: line numbers (and so error positions) stay as compiled.
    return `import { __internal as ${CAPS} } from "toolsmith"; const fetch = ${CAPS}.bindCaller("${this.tokenFor({ caller })}").fetch; ${js}`;
  }

  private tokenFor(binding: Binding): string {
    const token = this.newSecret();
    this.tokens.set(token, binding);
    return token;
  }

  /** Spends a token: the key its module's calls go through, or undefined for an unknown or spent token. */
  claim(token: string): string | undefined {
    const binding = this.tokens.get(token);
    if (binding === undefined) return undefined;
    this.tokens.delete(token);
    const key = this.newSecret();
    this.keys.set(key, binding);
    return key;
  }

  /**
   * Who makes host call `name` with `argsJson` through `key`: its module's caller, or
   * undefined (the run's own) for an unknown key. An `mcp/<server>` instance's caller is
   * named only for a call to its own server, checked in the very JSON the host gets:
   * whatever guest code did to the arguments on the way, they cannot point elsewhere.
   */
  callerOf(key: string, name: string, argsJson: string): string | undefined {
    const binding = this.keys.get(key);
    if (binding === undefined) return undefined;
    if (binding.server === undefined) return binding.caller;
    return name === "mcp.call" && serverIn(argsJson) === binding.server ? binding.caller : undefined;
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }
}
