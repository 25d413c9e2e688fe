import { stat } from "node:fs/promises";
import { join } from "node:path";
import { HostBridge, type BridgeApprovals } from "./bridge/host-bridge.js";
import { ApprovalLog } from "./bridge/approvals/approval-log.js";
import { ApprovalRules } from "./bridge/approvals/approval-rules.js";
import { NetworkPolicy } from "./bridge/network/network-policy.js";
import { SecretVault } from "./bridge/secrets/secret-vault.js";
import { permissionWarning, readSecretsFile, SecretsFileError } from "./bridge/secrets/secrets-file.js";
import { UpstreamHub } from "./bridge/upstream/upstream-hub.js";
import { Workspace } from "./bridge/workspace/workspace.js";
import type { HomePaths } from "./config/home.js";
import { ConfigError, loadConfig } from "./config/load-config.js";
import type { Config } from "./config/schema.js";

/** How often secrets.json is checked for changes while serving. */
const SECRETS_RECHECK_MS = 1_000;

/**
 * A home's settings as the running server uses them: the validated config, the
 * upstream hub, and the host bridge (network policy, secrets, workspace), rebuilt when
 * secrets.json changes (e.g. `toolsmith secret set` while serving).
 */
export class HomeSettings {
  readonly hub: UpstreamHub;
  /** Approval rules and the audit log, kept across bridges (a secrets change must not forget them). */
  readonly approvals: BridgeApprovals;
  private current: HostBridge | undefined;
  private stamp = "";
  private checkedAt = 0;

  private constructor(
    private readonly paths: HomePaths,
    readonly config: Config,
    log: (line: string) => void,
  ) {
    this.hub = new UpstreamHub(config.mcpServers, log);
    this.approvals = { rules: new ApprovalRules(config.approvals), log: new ApprovalLog(approvalLogPath(paths)) };
  }

  /** Reads and validates config.json (unless given) and secrets.json; throws ConfigError naming what is wrong. */
  static async load(paths: HomePaths, given: Config | undefined, log: (line: string) => void): Promise<HomeSettings> {
    const config = given ?? (await loadConfig(paths.config));
    try {
      NetworkPolicy.validate(config.network.allow);
    } catch (error) {
      throw new ConfigError(`Invalid ${paths.config}:\n- 'network.allow': ${(error as Error).message}`);
    }
    const settings = new HomeSettings(paths, config, log);
    await settings.bridge();
    const warning = await permissionWarning(paths.secrets);
    if (warning) log(`warning: ${warning}`);
    return settings;
  }

  /** The bridge as last checked (load() builds the first), for readers that cannot wait, such as a log line's redaction. */
  latestBridge(): HostBridge {
    if (!this.current) throw new Error("HomeSettings.load() builds the first bridge before anything reads it.");
    return this.current;
  }

  /** The bridge with the current secrets, checking secrets.json at most once a second. */
  async bridge(): Promise<HostBridge> {
    const now = Date.now();
    if (this.current && now - this.checkedAt < SECRETS_RECHECK_MS) return this.current;
    this.checkedAt = now;
    const info = await stat(this.paths.secrets).catch(() => undefined);
    const stamp = info ? `${info.mtimeMs}:${info.size}` : "none";
    if (this.current && stamp === this.stamp) return this.current;
    let file;
    try {
      file = await readSecretsFile(this.paths.secrets);
    } catch (error) {
      if (error instanceof SecretsFileError) throw new ConfigError(error.message);
      throw error;
    }
    const vault = new SecretVault(file);
    const workspace = new Workspace(this.paths.workspace, this.config.limits.workspaceMb * 1024 * 1024);
    this.current = new HostBridge(this.config.network, vault, workspace, { hub: this.hub, callTimeoutMs: this.config.limits.timeoutMs }, this.config.limits, this.approvals);
    this.stamp = stamp;
    return this.current;
  }
}

/** The audit log of approval questions: `state/approvals.jsonl`. */
export function approvalLogPath(paths: HomePaths): string {
  return join(paths.state, "approvals.jsonl");
}
