import { NetworkPolicy } from "../bridge/network/network-policy.js";
import { upstreamDeclarations } from "../bridge/upstream/upstream-declarations.js";
import type { RunReport } from "../sandbox/sandbox.js";
import type { RunSpans } from "../telemetry/run-trace.js";
import type { Services } from "./services.js";

/** What saves, verifications and library edits use, with the bridge as the last secrets check left it. */
export function libraryDeps(services: Pick<Services, "store" | "sandbox" | "settings" | "modules" | "config" | "packages" | "hub" | "telemetry">) {
  return {
    store: services.store,
    sandbox: services.sandbox,
    bridge: services.settings.latestBridge(),
    modules: services.modules,
    maxCodeChars: services.config.limits.maxCodeChars,
    checkHosts: validHostPatterns,
    traceRun: (trigger: { kind: "save" | "test"; id: string }, work: (trace: RunSpans) => Promise<{ report: RunReport; modules: string[] }>) =>
      services.telemetry.traceRun({ trigger, redact: (text) => services.settings.latestBridge().vault.redact(text) }, work, (name) => services.store.get(name)?.version),
    pinPackages: (specifiers: Iterable<string>) => services.packages.pinsFor(specifiers),
    upstreamDeclarations: (server: string) => {
      const tools = services.hub.tools(server);
      return tools ? upstreamDeclarations(tools) : undefined;
    },
  };
}

/** Why a save's `hosts` is not a list of network.allow patterns (the policy's own check), or undefined. */
function validHostPatterns(hosts: string[]): string | undefined {
  try {
    NetworkPolicy.validate(hosts);
    return undefined;
  } catch (error) {
    return `${(error as Error).message} Use host patterns as in network.allow, e.g. "api.github.com", "*.example.com", "localhost:8080".`;
  }
}
