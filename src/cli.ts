#!/usr/bin/env node
/**
 * The `toolsmith` command. The only module that touches `process`: everything
 * else receives its arguments, environment and streams. Loads the commands
 * (cli/cli-main.ts) only after a server's first reads have started.
 */
import { prefetchForServe } from "./cli/serve-prefetch.js";

// A server's first search reads the search snapshot and what was pulled since: that starts
// now, while the rest of the code loads.
prefetchForServe(process.argv.slice(2), process.env);
const { main } = await import("./cli/cli-main.js");

/** On a terminal, reads one line without echoing it; otherwise reads all of stdin. */
async function readSecret(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) return readStdin();
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  let value = "";
  try {
    for await (const chunk of stdin) {
      for (const ch of (chunk as Buffer).toString("utf8")) {
        if (ch === "\r" || ch === "\n") return value;
        if (ch === "\u0003") throw new Error("cancelled");
        if (ch === "\u007f") value = value.slice(0, -1);
        else value += ch;
      }
    }
    return value;
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write("\n");
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

// A closed pipe (e.g. `toolsmith search | head`) is not an error worth a stack trace.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});

const code = await main({
  args: process.argv.slice(2),
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readStdin,
  readSecret,
  nodePath: process.execPath,
});
process.exitCode = code;
// A command is over once main returns (serve returns when it stops serving): nothing left
// behind (an upstream child still starting, a timer) may keep the process alive.
process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
