import { defineConfig } from "vitest/config";

/**
 * Two cores. Files that measure deadlines, CPU limits or worker termination run one at a
 * time (they would race each other for CPU); everything else, mostly waiting on git,
 * child processes and sockets, runs two files at a time first.
 */
const SERIAL = [
  "test/sandbox/run-code.test.ts",
  "test/sandbox/worker-pool.test.ts",
  "test/e2e/escape-suite.test.ts",
  "test/sandbox/resource-abuse.test.ts",
  "test/sandbox/runtime-image.test.ts",
  "test/e2e/fuzz.test.ts",
  "test/e2e/faults.test.ts",
  "test/sandbox/spin-wait.test.ts",
  "test/sandbox/direct-host-function.test.ts",
  "test/sandbox/run-concurrency.test.ts",
  // Graceful shutdown within a fixed grace, and event-loop responsiveness while a CLI works.
  "test/server/http.test.ts",
  "test/e2e/stdio-cli.test.ts",
];

const shared = { testTimeout: 60_000, hookTimeout: 60_000 };

export default defineConfig({
  test: {
    projects: [
      { test: { ...shared, name: "parallel", include: ["test/**/*.test.ts"], exclude: SERIAL, maxWorkers: 2, sequence: { groupOrder: 0 } } },
      { test: { ...shared, name: "serial", include: SERIAL, fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
