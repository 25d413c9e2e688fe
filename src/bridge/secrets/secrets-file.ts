import { chmod, readFile, stat } from "node:fs/promises";
import { z } from "zod";
import { prototypeKeyPath, PROTOTYPE_KEY_HINT } from "../../config/prototype-keys.js";
import { describeZodIssue } from "../../config/zod-issues.js";
import { describeJsonSyntaxError } from "../../config/json-syntax.js";
import { writeFileAtomic } from "../../util/atomic-write.js";

/** Secret names: upper-case words, as environment variables are written (e.g. GITHUB_TOKEN). */
export const SECRET_NAME = /^[A-Z][A-Z0-9_]{0,63}$/;
export const SECRET_NAME_HINT = "upper-case letters, digits and '_', starting with a letter (e.g. GITHUB_TOKEN)";
const SECRETS_FILE_MODE = 0o600;

const SecretEntrySchema = z
  .object({
    value: z.string().min(1, "a secret's value cannot be empty"),
    hosts: z.array(z.string().min(1)).min(1, "a secret needs at least one host it may be sent to"),
  })
  .strict();

export const SecretsFileSchema = z
  .object({
    secrets: z.record(z.string().regex(SECRET_NAME, `secret names are ${SECRET_NAME_HINT}`), SecretEntrySchema).default({}),
  })
  .strict();

export type SecretEntry = z.infer<typeof SecretEntrySchema>;
export type SecretsFile = z.infer<typeof SecretsFileSchema>;

export class SecretsFileError extends Error {
  override name = "SecretsFileError";
}

/** Reads `secrets.json`; a missing file means no secrets. Never puts a value in an error. */
export async function readSecretsFile(path: string): Promise<SecretsFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { secrets: {} };
    throw new SecretsFileError(`Cannot read ${path}: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new SecretsFileError(`${path} is not valid JSON (${describeJsonSyntaxError(text)}). Fix it, or remove it and add secrets again with 'toolsmith secret set'.`);
  }
  const reserved = prototypeKeyPath(raw);
  if (reserved) throw new SecretsFileError(`Invalid ${path}: '${reserved}': ${PROTOTYPE_KEY_HINT}.`);
  const parsed = SecretsFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new SecretsFileError(`Invalid ${path}: ${describeZodIssue(parsed.error.issues[0]!)}. Manage secrets with 'toolsmith secret set|list|remove'.`);
  }
  return parsed.data;
}

/** Writes `secrets.json` atomically with mode 0600 (readable by its owner only). */
export async function writeSecretsFile(path: string, file: SecretsFile): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`, SECRETS_FILE_MODE);
  await chmod(path, SECRETS_FILE_MODE);
}

/** A warning when the file is readable by others (it should be 0600). */
export async function permissionWarning(path: string): Promise<string | undefined> {
  try {
    const info = await stat(path);
    if ((info.mode & 0o077) !== 0) return `${path} is readable by other users (mode ${(info.mode & 0o777).toString(8)}); run: chmod 600 ${path}`;
  } catch {
    // No file: nothing to warn about.
  }
  return undefined;
}
