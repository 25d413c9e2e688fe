/**
 * The shared test helpers in one import (each lives in test/helpers/):
 * - child-process: the built CLI (`runCli`, `runCliSync`) and other node children (`spawnNode`, `runNode`), each killed at a timeout;
 * - home: a fresh toolsmith home (`makeHome`);
 * - mcp: MCP clients on a server, in-process (`connect`, `useServer`) or the CLI over stdio (`connectStdio`);
 * - http-server: `toolsmith serve --http` as a child (`serveHttp`);
 * - http-fixture: a real HTTP server on 127.0.0.1 for guests to fetch from (`startFixture`, `json`).
 */
export * from "./helpers/child-process.js";
export * from "./helpers/home.js";
export * from "./helpers/mcp.js";
export * from "./helpers/http-server.js";
export * from "./helpers/http-fixture.js";
