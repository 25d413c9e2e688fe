import type { ModuleSource, RunReport, Sandbox } from "../sandbox/sandbox.js";
import type { RunHost } from "../sandbox/run-host.js";
import type { RunSpans } from "../telemetry/run-trace.js";
import type { Redactor } from "../util/redact-deep.js";
import type { LibraryStore } from "./library-store.js";
import type { PackagePins } from "./metadata.js";
import type { DeclarationLookup } from "./type-program.js";

/** One test run's host side: what the sandbox needs (redaction included), and the first undeclared request. */
export interface TestBridgeRun extends RunHost {
  undeclared: string[];
}

/**
 * What a save needs of the host bridge (src/bridge/host-bridge.ts implements it): a run
 * limited to what the integration declares, and the secret vault's redaction. Declared
 * here so that library/ does not import bridge/.
 */
export interface TestBridge {
  forRun(options: { declared: { hosts: string[]; secrets: string[] }; trace?: RunSpans }): TestBridgeRun;
  vault: Redactor & { valuesIn(text: string): string[] };
}

/** What saving, testing and verifying an integration use. */
export interface SaveDeps {
  store: LibraryStore;
  sandbox: Sandbox;
  /** Network, secrets and workspace for the test run; without it the test gets none. */
  bridge?: TestBridge;
  /** What the test may import (the library, upstream servers); defaults to the library alone. */
  modules?: ModuleSource;
  /** `limits.maxCodeChars`: the longest code or test a save accepts, as run_code does. */
  maxCodeChars: number;
  /** Why a `hosts` entry is not a valid network pattern (undefined: all are); the network policy's own check. */
  checkHosts?: (hosts: string[]) => string | undefined;
  /** The exact versions of the `npm:` packages the code and test import, to pin in the metadata (see src/packages). */
  pinPackages?: (specifiers: Iterable<string>) => Promise<{ ok: true; packages: PackagePins | undefined } | { ok: false; message: string }>;
  /** Traces a test run like any other run (a run span, a child per fetch): `kind` "save" for a save's test, "test" for verify, rename and the self-check. */
  traceRun?: (trigger: { kind: "save" | "test"; id: string }, work: (trace: RunSpans) => Promise<{ report: RunReport; modules: string[] }>) => Promise<RunReport>;
  /** Upstream servers' declarations (`mcp/<server>`), for the type check. */
  upstreamDeclarations?: DeclarationLookup;
}
