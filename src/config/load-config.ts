import { readFile } from "node:fs/promises";
import { z } from "zod";
import { prototypeKeyPath, PROTOTYPE_KEY_HINT } from "./prototype-keys.js";
import { ConfigSchema, type Config } from "./schema.js";
import { describeZodIssue } from "./zod-issues.js";
import { describeJsonSyntaxError } from "./json-syntax.js";

/** A config file that cannot be used; the message names the file and the bad key. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Reads and validates `config.json`; a missing file means all defaults. */
export async function loadConfig(path: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return ConfigSchema.parse({});
    throw new ConfigError(`Cannot read ${path}: ${(error as Error).message}`);
  }
  return parseConfig(text, path);
}

export function parseConfig(text: string, path = "config.json"): Config {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ConfigError(`${path} is not valid JSON (${describeJsonSyntaxError(text)}). Fix the syntax or delete the file to use defaults.`);
  }
  const reserved = prototypeKeyPath(raw);
  if (reserved) throw new ConfigError(`Invalid ${path}:\n- '${reserved}': ${PROTOTYPE_KEY_HINT}.`);
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(describeIssues(path, parsed.error));
  return parsed.data;
}

function describeIssues(path: string, error: z.ZodError): string {
  const lines = error.issues.slice(0, 5).map((issue) => `- ${describeZodIssue(issue)}`);
  return `Invalid ${path}:\n${lines.join("\n")}\nSee docs/configuration.md for every key and its default.`;
}
