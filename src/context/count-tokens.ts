import { createRequire } from "node:module";

type Encode = (text: string) => number[];
let encode: Encode | undefined;

/**
 * The o200k encoder, loaded on first use: its tables take ~37 MB of heap, which a
 * serving process (that never counts tokens) should not carry.
 */
function encoder(): Encode {
  encode ??= (createRequire(import.meta.url)("gpt-tokenizer/encoding/o200k_base") as { encode: Encode }).encode;
  return encode;
}

/** A tool as tools/list returns it (only the fields the count looks at are typed). */
export interface ListedTool {
  name: string;
  description?: string;
  inputSchema?: unknown;
  [key: string]: unknown;
}

export interface ToolListCost {
  tools: number;
  /** o200k tokens of `[{ name, description, input_schema }]`: what a model API is sent. */
  apiTokens: number;
  /** o200k tokens of the raw tools/list JSON (`{ tools: [...] }`), which some clients send whole. */
  rawTokens: number;
}

export function countTokens(text: string): number {
  return encoder()(text).length;
}

/** The context cost of a list of tool definitions, by the method in the README's Context cost section. */
export function toolListCost(tools: readonly ListedTool[]): ToolListCost {
  const projection = tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.inputSchema }));
  return { tools: tools.length, apiTokens: countTokens(JSON.stringify(projection)), rawTokens: countTokens(JSON.stringify({ tools })) };
}
