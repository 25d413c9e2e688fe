import { serializeMeta, type IntegrationMeta } from "./metadata.js";
import { integrationFiles } from "./names.js";
import { assertRegularPath } from "./regular-files.js";

// What one library commit writes, and what it must pass before it writes anything.

/** The files of one integration as they are to be written. */
export interface IntegrationFiles {
  name: string;
  code: string;
  test?: string;
  meta: IntegrationMeta;
  /** Its declaration file (`<name>.d.ts`) as the compiler emitted it for `code`; undefined: none is written (an old one is removed). */
  declarations?: string;
}

/** A change to one integration's metadata alone: its code and test files are not touched. */
export interface MetadataUpdate {
  name: string;
  meta: IntegrationMeta;
  metadataOnly: true;
}

/** An integration taken out of the library: its files are removed (history keeps them). */
export interface Removal {
  name: string;
  removed: true;
}

export type LibraryChange = IntegrationFiles | MetadataUpdate | Removal;

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

/** The files one change writes (content) or removes (undefined), relative to the library. */
export function plannedWrites(change: LibraryChange): PlannedWrite[] {
  const rel = integrationFiles(change.name);
  if ("removed" in change) return [rel.code, rel.meta, rel.test, rel.declarations].map((path) => ({ rel: path, content: undefined }));
  const meta = { rel: rel.meta, content: serializeMeta(change.meta) };
  if ("metadataOnly" in change) return [meta];
  // The declarations follow their code: written with it, removed with it.
  return [{ rel: rel.code, content: change.code }, meta, { rel: rel.test, content: change.test }, { rel: rel.declarations, content: change.declarations }];
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
