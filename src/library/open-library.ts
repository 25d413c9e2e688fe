import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Sandbox } from "../sandbox/sandbox.js";
import type { CompiledModule } from "../sandbox/transpile.js";
import type { SecretScanner } from "./commit-plan.js";
import { LibraryStore, type IntegrationFiles } from "./library-store.js";
import { loadSimpleGit } from "./git-repo.js";
import { emitStarterDeclarations, readStarters } from "./starter-declarations.js";
import { LIBRARY_PREFIX } from "./names.js";
import { prepareIntegration } from "./save-integration.js";
import type { SaveDeps } from "./save-deps.js";
import { assertRegularHistory } from "./tree-check.js";
import { ensureStateDir } from "./state-files.js";
import { distFile } from "../dist-dir.js";

/** The starter integrations shipped in this package's `library/` folder. */
export const STARTER_DIR = fileURLToPath(distFile("../library/"));

export interface OpenLibraryOptions {
  root: string;
  stateDir: string;
  sandbox: Sandbox;
  branch?: string;
  starterDir?: string;
  log?: (line: string) => void;
  /** This process, registered as a user of the library so others know its locks are live. */
  pid: number;
  /** A shared remote: a new library starts as a clone of it when it already has history. */
  remote?: string;
  /** Secrets whose values occur in a text (the vault's): no commit may record one. */
  secretsIn?: SecretScanner;
}

/**
 * Opens the library at `root`, creating the git repository on first start and
 * seeding it, in its first commit, with the starter integrations (each tested).
 */
export async function openLibrary(options: OpenLibraryOptions): Promise<LibraryStore> {
  const log = options.log ?? (() => undefined);
  await mkdir(options.root, { recursive: true });
  await ensureStateDir(options.stateDir);
  const store = new LibraryStore(options.root, options.stateDir, { secretsIn: options.secretsIn });
  // Several servers may start on one home at once: one creates, repairs and seeds it while the others wait.
  await store.lock.hold(async () => {
    if (!store.repo.isRepository() && options.remote && (await cloneRemote(options.remote, options.root, options.branch ?? "main", log))) {
      await store.repo.ensureIdentity();
      log(`cloned the library from ${options.remote}`);
    } else if (!store.repo.isRepository()) {
      await store.repo.init(options.branch ?? "main");
      log(`created library repository at ${options.root}`);
    } else {
      await store.repo.ensureIdentity();
      await store.repo.refuseLinks();
    }
    await store.recovery.register(options.pid);
    for (const repair of await store.recovery.recover(options.pid)) log(repair);
    await store.load();
    for (const skipped of store.skippedOnLoad()) log(skipped);
    if ((await store.repo.head()) === undefined) {
      if (store.size === 0) {
        // The starters ship with toolsmith: limits.maxCodeChars bounds what agents submit, not them.
        const seeded = await seed({ store, sandbox: options.sandbox, maxCodeChars: Number.POSITIVE_INFINITY }, options.starterDir ?? STARTER_DIR, log);
        log(`seeded the library with ${seeded} starter integrations`);
      } else {
        await store.commitHolding(store.list().map((r) => ({ name: r.name, code: r.code, test: r.test, meta: r.meta })), "Import existing integrations");
      }
    }
  });
  return store;
}

/**
 * Clones `remote` into the (empty) library folder; false when the remote is empty or
 * unreachable, or its history holds anything but regular files (then the folder is left
 * empty again and the library starts afresh; syncs report the refusal until it is fixed).
 * Nothing is checked out before the whole history has been checked.
 */
async function cloneRemote(remote: string, root: string, branch: string, log: (line: string) => void): Promise<boolean> {
  try {
    await loadSimpleGit()().clone(remote, root, ["--quiet", "--no-checkout", "--config", "core.symlinks=false", "--branch", branch]);
  } catch {
    return false;
  }
  try {
    await assertRegularHistory(root, ["HEAD"], "to start the library as a clone of library.remote");
    await loadSimpleGit()(root).raw(["reset", "--quiet", "--hard", "HEAD"]);
    return true;
  } catch (error) {
    log((error as Error).message);
    // The clone wrote only its .git folder: the library folder was empty before it.
    await rm(join(root, ".git"), { recursive: true, force: true });
    return false;
  }
}

async function seed(deps: SaveDeps, starterDir: string, log: (line: string) => void): Promise<number> {
  const { store, sandbox } = deps;
  const starters = await readStarters(starterDir);
  // A starter shipped without its declarations (a test's own starters) gets them from the compiler.
  if (starters.some((s) => s.declarations === undefined)) {
    const emitted = emitStarterDeclarations(starters);
    for (const starter of starters) starter.declarations ??= emitted.get(starter.name);
  }
  // Starters may import each other: every one resolves to its candidate while the tests run.
  const overrides = new Map<string, CompiledModule>();
  for (const starter of starters) {
    const compiled = await sandbox.compile(starter.code, `${LIBRARY_PREFIX}${starter.name}`);
    if (compiled.ok) overrides.set(`${LIBRARY_PREFIX}${starter.name}`, compiled.module);
  }
  const ready: IntegrationFiles[] = [];
  for (const starter of starters) {
    const prepared = await prepareIntegration(
      deps,
      { name: starter.name, description: starter.meta.description, code: starter.code, test: starter.test, tags: starter.meta.tags, hosts: starter.meta.hosts, secrets: starter.meta.secrets },
      { overrides, declarations: starter.declarations },
    );
    if (prepared.ok) ready.push(prepared.files);
    else {
      log(`starter '${starter.name}' did not pass its test (${prepared.error.message}); seeded as unverified`);
      ready.push({ ...starter, meta: { ...starter.meta, verified: false } });
    }
  }
  if (ready.length > 0) await store.commitHolding(ready, "Seed library with starter integrations");
  return ready.length;
}
