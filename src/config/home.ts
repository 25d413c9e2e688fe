import { homedir } from "node:os";
import { join, resolve } from "node:path";

/** Every path inside a toolsmith home, derived from its root. */
export interface HomePaths {
  root: string;
  config: string;
  secrets: string;
  /** Schedules (always on): see docs/always-on.md. */
  schedules: string;
  /** Webhooks and their signing secrets (mode 0600). */
  hooks: string;
  library: string;
  workspace: string;
  state: string;
}

export function homePaths(root: string): HomePaths {
  const abs = resolve(root);
  return {
    root: abs,
    config: join(abs, "config.json"),
    secrets: join(abs, "secrets.json"),
    schedules: join(abs, "schedules.json"),
    hooks: join(abs, "hooks.json"),
    library: join(abs, "library"),
    workspace: join(abs, "workspace"),
    state: join(abs, "state"),
  };
}

/** `TOOLSMITH_HOME`, else `~/.toolsmith`. Only the CLI calls this with `process.env`. */
export function resolveHomeDir(env: Record<string, string | undefined>): string {
  const fromEnv = env.TOOLSMITH_HOME?.trim();
  return fromEnv ? resolve(fromEnv) : join(homedir(), ".toolsmith");
}
