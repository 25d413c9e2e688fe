import { homePaths } from "../../config/home.js";
import { resolveHomeDir } from "../../config/home.js";
import { SECRET_HOST_RULES, validateSecretHosts } from "../../bridge/secrets/secret-hosts.js";
import { permissionWarning, readSecretsFile, SECRET_NAME, SECRET_NAME_HINT, SecretsFileError, writeSecretsFile } from "../../bridge/secrets/secrets-file.js";
import { UsageError, type CliContext, type ExitCode } from "../cli-context.js";

export const SECRET_HELP = `Usage:
  toolsmith secret set NAME --host HOST [--host HOST ...]   value read from stdin (never echoed)
  toolsmith secret list [--json]                            names and hosts, never values
  toolsmith secret remove NAME

Secrets live in secrets.json in the home (mode 0600). Guest code gets a placeholder
from secret("NAME"); the value is put into requests to the secret's hosts only.
${SECRET_HOST_RULES}
`;

export async function secretCommand(ctx: CliContext, positionals: string[], flags: { host?: string[]; json?: boolean }): Promise<ExitCode> {
  const [action, name, ...extra] = positionals;
  const path = homePaths(resolveHomeDir(ctx.env)).secrets;
  if (extra.length) throw new UsageError(`unexpected argument '${extra[0]}'.`);
  try {
    const file = await readSecretsFile(path);
    switch (action) {
      case "set": {
        if (!name || !SECRET_NAME.test(name)) throw new UsageError(`secret set needs a NAME of ${SECRET_NAME_HINT}.`);
        const hosts = flags.host ?? [];
        if (hosts.length === 0) throw new UsageError("secret set needs at least one --host the secret may be sent to.");
        try {
          validateSecretHosts(hosts);
        } catch (error) {
          throw new UsageError(`--host: ${(error as Error).message}`);
        }
        const value = (await ctx.readSecret(`Value for ${name}: `)).replace(/\r?\n$/, "");
        if (!value) throw new UsageError("the secret's value is empty; pipe it on stdin, e.g. printf %s \"$TOKEN\" | toolsmith secret set NAME --host HOST");
        const existed = name in file.secrets;
        file.secrets[name] = { value, hosts };
        await writeSecretsFile(path, file);
        ctx.stdout(`${existed ? "Updated" : "Saved"} secret ${name} for ${hosts.join(", ")}.\n`);
        return 0;
      }
      case "list": {
        if (name) throw new UsageError("secret list takes no name.");
        const warning = await permissionWarning(path);
        if (warning) ctx.stderr(`warning: ${warning}\n`);
        const entries = Object.entries(file.secrets).map(([n, s]) => ({ name: n, hosts: s.hosts }));
        if (flags.json) ctx.stdout(`${JSON.stringify(entries, null, 2)}\n`);
        else if (entries.length === 0) ctx.stdout("No secrets. Add one with: toolsmith secret set NAME --host HOST\n");
        else for (const e of entries) ctx.stdout(`${e.name}  ${e.hosts.join(", ")}\n`);
        return 0;
      }
      case "remove": {
        if (!name) throw new UsageError("secret remove needs a NAME.");
        if (!(name in file.secrets)) {
          const known = Object.keys(file.secrets);
          ctx.stderr(`No secret named '${name}'.${known.length ? ` Configured: ${known.join(", ")}.` : ""}\n`);
          return 1;
        }
        delete file.secrets[name];
        await writeSecretsFile(path, file);
        ctx.stdout(`Removed secret ${name}.\n`);
        return 0;
      }
      default:
        throw new UsageError(action ? `unknown action '${action}'.` : "secret needs an action: set, list or remove.");
    }
  } catch (error) {
    if (error instanceof SecretsFileError) {
      ctx.stderr(`toolsmith: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
