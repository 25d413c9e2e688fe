import { assertRegularPath } from "./regular-files.js";

/** Names of the secrets whose value (in any encoding the vault redacts) occurs in a text. */
export type SecretScanner = (text: string) => string[];

/** A commit refused because something it would record holds a secret's value. */
export class SecretInLibraryError extends Error {
  override name = "SecretInLibraryError";
}

/** One file a commit is about to write (`content`) or remove (undefined), relative to the library. */
export interface PlannedWrite {
  rel: string;
  content: string | undefined;
}

/**
 * Everything a commit must pass before it writes a byte: each path is a regular file
 * (or absent) in real folders, and no file it records, nor its message, holds a
 * secret's value. Throws NotRegularFileError or SecretInLibraryError (naming the file
 * and the secret, never the value).
 */
export function checkBeforeCommit(root: string, writes: PlannedWrite[], message: string, secretsIn: SecretScanner): void {
  for (const write of writes) assertRegularPath(root, write.rel);
  for (const write of writes) {
    if (write.content === undefined) continue;
    const found = secretsIn(write.content);
    if (found.length) throw secretError(`${write.rel}${write.rel.endsWith(".meta.json") ? " (its description, tags, hosts and secrets)" : ""}`, found);
  }
  const inMessage = secretsIn(message);
  if (inMessage.length) throw secretError("the commit message", inMessage);
}

function secretError(where: string, names: string[]): SecretInLibraryError {
  return new SecretInLibraryError(
    `Nothing was saved: ${where} would contain the value of secret ${names.join(", ")}. Secret values never enter the library or its history. ` +
      `Remove the value; code refers to a secret with secret("${names[0]}") from "toolsmith" and declares it in secrets.`,
  );
}
