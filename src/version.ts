import { readFileSync } from "node:fs";
import { distFile } from "./dist-dir.js";

/** The package version, read once from package.json. */
export const SERVER_VERSION: string = (JSON.parse(readFileSync(distFile("../package.json"), "utf8")) as { version: string }).version;
