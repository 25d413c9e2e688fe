import { UserError } from "../util/user-error.js";
import type { LibraryStore } from "./library-store.js";
import { INTEGRATION_NAME_HINT, isIntegrationName } from "./names.js";

/**
 * The changes to one integration's files between two versions: by default from its
 * previous version to its current one; with only `from`, from there to the current.
 * A name or version that does not fit throws a UserError saying what to use instead.
 */
export async function diffVersions(store: LibraryStore, name: string, from?: string, to?: string): Promise<string> {
  if (!isIntegrationName(name)) throw new UserError(`'${name}' is not a valid integration name: use ${INTEGRATION_NAME_HINT}.`);
  const versions = await store.history(name);
  if (versions.length === 0) throw new UserError(`No integration named '${name}' in the library. 'toolsmith search' lists them.`);
  const resolve = async (v: string) => {
    const sha = await store.repo.resolveCommit(v);
    if (!sha) throw new UserError(`'${v}' is not a version of this library. 'toolsmith log ${name}' lists its versions.`);
    return sha;
  };
  const toSha = to ? await resolve(to) : versions[0]!.sha;
  let fromSha: string;
  if (from) fromSha = await resolve(from);
  else if (versions[1]) fromSha = versions[1].sha;
  else throw new UserError(`'${name}' has only one version (${versions[0]!.sha.slice(0, 12)}); there is nothing to compare it with.`);
  return store.diff(name, fromSha, toSha);
}
