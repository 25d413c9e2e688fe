import { readFile } from "node:fs/promises";
import { openHome, UsageError, type CliContext, type ExitCode } from "../cli-context.js";

export const RUN_HELP = `Usage: toolsmith run <file|-> [--timeout-ms N] [--json]

Runs a TypeScript/JavaScript module exactly as the run_code tool does ('-' reads stdin).
Prints the default export as JSON on stdout and console output on stderr.
With --json, prints the whole run_code result instead. Exit code 1 when the code fails.
The run is traced like a tool call ('toolsmith runs' lists it); a TRACEPARENT environment
variable (W3C trace context) makes its trace part of the caller's.
`;

export async function runCommand(ctx: CliContext, positionals: string[], flags: { "timeout-ms"?: string; json?: boolean }): Promise<ExitCode> {
  const [file, ...extra] = positionals;
  if (!file || extra.length) throw new UsageError("run takes exactly one file (or '-' for stdin).");
  let timeoutMs: number | undefined;
  if (flags["timeout-ms"] !== undefined) {
    timeoutMs = Number(flags["timeout-ms"]);
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError(`--timeout-ms must be a positive whole number, not '${flags["timeout-ms"]}'.`);
  }
  let code: string;
  try {
    code = file === "-" ? await ctx.readStdin() : await readFile(file, "utf8");
  } catch (error) {
    throw new UsageError(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}`);
  }
  const toolsmith = openHome(ctx);
  try {
    const report = await toolsmith.run(code, { timeoutMs, onProgress: (message) => ctx.stderr(`progress: ${message}\n`), trigger: { kind: "cli" }, traceparent: ctx.env.TRACEPARENT });
    if (flags.json) {
      ctx.stdout(`${JSON.stringify(report, null, 2)}\n`);
      return report.ok ? 0 : 1;
    }
    for (const entry of report.logs) ctx.stderr(`${entry.level === "log" ? "" : `[${entry.level}] `}${entry.text}\n`);
    if (report.ok) {
      ctx.stdout(`${JSON.stringify(report.result, null, 2)}\n`);
      return 0;
    }
    const where = report.error.line !== undefined ? ` (${file === "-" ? "stdin" : file}:${report.error.line}:${report.error.column ?? 1})` : "";
    ctx.stderr(`${report.error.name}: ${report.error.message}${where}\n`);
    return 1;
  } finally {
    await toolsmith.close();
  }
}
