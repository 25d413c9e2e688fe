import { TOOL_DEFINITIONS } from "../server/tool-definitions.js";
import { toolListCost, type ListedTool, type ToolListCost } from "./count-tokens.js";
import type { ServerTools } from "./collect-tools.js";

export interface CostReport {
  method: string;
  servers: Array<{ server: string; source: string } & (ToolListCost | { error: string })>;
  conventional: ToolListCost;
  toolsmith: ToolListCost;
  /** 1 - toolsmith / conventional, on the API projection. */
  reduction: number;
  rawReduction: number;
}

export const COUNT_METHOD =
  "o200k_base tokens (gpt-tokenizer) of each tool list as a model API receives it: JSON of [{ name, description, input_schema }]; raw = the tools/list JSON. Claude's own tokenizer counts roughly 1.6-2x more for tool definitions; the ratio is what carries over.";

/** toolsmith's own cost: its three tool definitions, whatever sits behind it. */
export function toolsmithCost(): ToolListCost {
  return toolListCost(TOOL_DEFINITIONS.map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema, annotations: t.annotations }) as ListedTool));
}

export function buildCostReport(lists: ServerTools[]): CostReport {
  const servers = lists.map((l) => ("error" in l ? { server: l.server, source: l.source, error: l.error } : { server: l.server, source: l.source, ...toolListCost(l.tools) }));
  // Each server's definitions are counted as its own list and summed (the reference method).
  const conventional = servers.reduce<ToolListCost>(
    (sum, s) => ("error" in s ? sum : { tools: sum.tools + s.tools, apiTokens: sum.apiTokens + s.apiTokens, rawTokens: sum.rawTokens + s.rawTokens }),
    { tools: 0, apiTokens: 0, rawTokens: 0 },
  );
  const toolsmith = toolsmithCost();
  return {
    method: COUNT_METHOD,
    servers,
    conventional,
    toolsmith,
    reduction: conventional.apiTokens ? 1 - toolsmith.apiTokens / conventional.apiTokens : 0,
    rawReduction: conventional.rawTokens ? 1 - toolsmith.rawTokens / conventional.rawTokens : 0,
  };
}

/** The report as a Markdown table, the way the README shows it. */
export function formatCostTable(report: CostReport): string {
  const n = (x: number) => x.toLocaleString("en-US");
  const rows = ["| server | tools | tokens (API) | tokens (raw tools/list) |", "| --- | ---: | ---: | ---: |"];
  for (const s of report.servers) {
    rows.push("error" in s ? `| ${s.server} | — | failed: ${s.error.replace(/\|/g, "/")} | — |` : `| ${s.server} | ${s.tools} | ${n(s.apiTokens)} | ${n(s.rawTokens)} |`);
  }
  rows.push(`| **conventional total** | ${report.conventional.tools} | **${n(report.conventional.apiTokens)}** | ${n(report.conventional.rawTokens)} |`);
  rows.push(`| **toolsmith (3 tools)** | 3 | **${n(report.toolsmith.apiTokens)}** | ${n(report.toolsmith.rawTokens)} |`);
  rows.push(`| **reduction** | | **${(report.reduction * 100).toFixed(1)}%** | ${(report.rawReduction * 100).toFixed(1)}% |`);
  return rows.join("\n");
}
