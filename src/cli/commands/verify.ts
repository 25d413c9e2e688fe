import { UsageError, withHome, type CliContext, type ExitCode } from "../cli-context.js";

export const VERIFY_HELP = `Usage: toolsmith verify <name> [--json]

Re-runs the saved test of an integration, then the tests of every integration that
imports it, against the library and the services as they are now (e.g. after an API
changed). Each outcome is recorded in the home's state/ and shown by search as
lastVerification; the library itself is not changed. Exits with 1 when a test fails.
`;

export async function verifyCommand(ctx: CliContext, positionals: string[], flags: { json?: boolean }): Promise<ExitCode> {
  const [name, ...extra] = positionals;
  if (!name || extra.length) throw new UsageError("verify takes one integration name.");
  return withHome(ctx, async (toolsmith) => {
    const result = await toolsmith.verify(name);
    const allPassed = result.passed && result.dependents.every((d) => d.passed !== false);
    if (flags.json) ctx.stdout(`${JSON.stringify(result, null, 2)}\n`);
    else {
      const checks = result.assertions ? `, ${result.assertions} checks` : "";
      ctx.stdout(result.passed ? `${name}: test passed (${Math.round(result.durationMs)} ms${checks})\n` : `${name}: test FAILED: ${result.error ?? "no detail"}\n`);
      for (const d of result.dependents) ctx.stdout(`  dependent ${d.name}: ${d.passed === null ? "no test" : d.passed ? "test passed" : `test FAILED (${d.error ?? "no detail"})`}\n`);
    }
    return allPassed ? 0 : 1;
  });
}
