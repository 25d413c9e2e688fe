/**
 * JSON Schema (draft 7 / 2020-12, as MCP servers emit them) → compact TypeScript types, and the
 * one-declaration signature shown for an upstream tool in search results.
 *
 * The output is for reading, not checking: formats, bounds, patterns and defaults are dropped,
 * and anything not understood becomes `unknown`. It is always a syntactically valid type.
 */

export interface SchemaToTypeOptions {
  /** Nesting of object types rendered in full; deeper ones become `Record<string, unknown>`. Default 6. */
  maxDepth?: number;
  /** Past this length, property comments are dropped, then nested objects are cut. Default 1500. */
  maxChars?: number;
}

export interface ToolLike {
  name: string;
  description?: string;
  inputSchema?: unknown;
  outputSchema?: unknown;
}

type Schema = Record<string, unknown>;

/** Precedence of a rendered type, to know when it needs parentheses. */
const enum Prec {
  Union = 0,
  Intersection = 1,
  Primary = 2,
}

interface Rendered {
  text: string;
  prec: Prec;
  /** For unions: the members, so nested unions flatten and dedupe. */
  members?: string[];
}

interface Ctx {
  root: unknown;
  maxDepth: number;
  comments: boolean;
  /** `$ref`s being expanded, to stop recursion. */
  refs: string[];
  /** Schema nodes visited; a guard against pathological (e.g. exponentially branching) schemas. */
  nodes: number;
}

const DEFAULT_MAX_DEPTH = 6;
const DEFAULT_MAX_CHARS = 1500;
const NODE_BUDGET = 20_000;
const NESTING_LIMIT = 64;
const PROPERTY_COMMENT_CHARS = 80;
const TOOL_COMMENT_CHARS = 120;

const UNKNOWN: Rendered = { text: "unknown", prec: Prec.Primary };
const NEVER: Rendered = { text: "never", prec: Prec.Primary };
const RECORD: Rendered = { text: "Record<string, unknown>", prec: Prec.Primary };

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function isSchema(value: unknown): value is Schema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function primary(text: string): Rendered {
  return { text, prec: Prec.Primary };
}

function wrap(r: Rendered, min: Prec): string {
  return r.prec < min ? `(${r.text})` : r.text;
}

function union(parts: Rendered[]): Rendered {
  const members: string[] = [];
  for (const part of parts) {
    if (part.text === "unknown") return UNKNOWN;
    if (part.text === "never") continue;
    for (const m of part.members ?? [part.text]) if (!members.includes(m)) members.push(m);
  }
  if (members.length === 0) return NEVER;
  if (members.length === 1) return parts.find((p) => p.text === members[0]) ?? primary(members[0]!);
  return { text: members.join(" | "), prec: Prec.Union, members };
}

function intersection(parts: Rendered[]): Rendered {
  const kept: Rendered[] = [];
  for (const part of parts) {
    if (part.text === "never") return NEVER;
    if (part.text === "unknown" || kept.some((k) => k.text === part.text)) continue;
    kept.push(part);
  }
  if (kept.length === 0) return UNKNOWN;
  if (kept.length === 1) return kept[0]!;
  return { text: kept.map((k) => wrap(k, Prec.Intersection)).join(" & "), prec: Prec.Intersection };
}

function propertyKey(name: string): string {
  return IDENTIFIER.test(name) ? name : JSON.stringify(name);
}

/** A JSON value as a TypeScript literal type. */
function literal(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "number";
  if (typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map(literal).join(", ")}]`;
  if (isSchema(value)) {
    const entries = Object.entries(value).map(([k, v]) => `${propertyKey(k)}: ${literal(v)}`);
    return entries.length ? `{ ${entries.join("; ")} }` : "{}";
  }
  return "unknown";
}

function literalUnion(values: unknown[]): Rendered {
  return union(values.map((v) => primary(literal(v))));
}

const ABBREVIATIONS = /(?:^|[\s(])(?:e\.g|i\.e|etc|vs|cf|approx|incl|min|max|no|ex)\.$/i;

/**
 * The first line's first sentence of a description, at most `max` characters, safe inside a
 * block comment: markdown links become their text, whitespace collapses, `*\/` is broken up.
 */
export function summarize(description: unknown, max: number): string {
  if (typeof description !== "string") return "";
  const text = description.replace(/\[([^\]\n]*)\]\([^)\s]*\)/g, "$1");
  const line = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== "") ?? "";
  let sentence = line;
  for (const m of line.matchAll(/[.!?](?=\s+\S|$)/g)) {
    const end = m.index + 1;
    const rest = line.slice(end).trimStart();
    if (rest !== "" && !/^[A-Z0-9"'`(\[]/.test(rest)) continue;
    if (m[0] === "." && ABBREVIATIONS.test(line.slice(0, end))) continue;
    sentence = line.slice(0, end);
    break;
  }
  sentence = sentence.replace(/\s+/g, " ").trim().replace(/\.$/, "");
  if (sentence.length > max) {
    const cut = sentence.slice(0, max - 1);
    const space = cut.lastIndexOf(" ");
    sentence = `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.(\-–—]+$/, "")}…`;
  }
  return sentence.replace(/\*\//g, "* /");
}

/** Resolves a local `$ref` (`#`, `#/$defs/X`, `#/definitions/X`, any JSON pointer) against the root. */
function resolveRef(ref: string, root: unknown): unknown {
  if (ref === "#") return root;
  if (!ref.startsWith("#/")) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split("/")) {
    let token: string;
    try {
      token = decodeURIComponent(raw);
    } catch {
      token = raw;
    }
    token = token.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isSchema(node) && Object.prototype.hasOwnProperty.call(node, token)) node = node[token];
    else return undefined;
  }
  return node;
}

function render(schema: unknown, ctx: Ctx, depth: number, nesting: number): Rendered {
  if (schema === false) return NEVER;
  if (!isSchema(schema)) return UNKNOWN;
  if (++ctx.nodes > NODE_BUDGET || nesting > NESTING_LIMIT) return UNKNOWN;
  const next = nesting + 1;

  let result: Rendered;
  if ("const" in schema) result = primary(literal(schema.const));
  else if (Array.isArray(schema.enum)) result = literalUnion(schema.enum);
  else {
    const parts: Rendered[] = [];
    const composed = ["anyOf", "oneOf", "allOf"].some((k) => Array.isArray(schema[k]) && (schema[k] as unknown[]).length > 0);

    if (typeof schema.$ref === "string") parts.push(renderRef(schema.$ref, ctx, depth, next));

    const base = renderBase(schema, ctx, depth, next, composed || typeof schema.$ref === "string");
    if (base) parts.push(base);

    for (const key of ["anyOf", "oneOf"] as const) {
      const list = schema[key];
      if (Array.isArray(list) && list.length > 0) parts.push(union(list.map((s) => render(s, ctx, depth, next))));
    }
    if (Array.isArray(schema.allOf)) for (const s of schema.allOf) parts.push(render(s, ctx, depth, next));

    result = intersection(parts);
    if (composed && Array.isArray(schema.type) && schema.type.includes("null")) result = union([result, primary("null")]);
  }

  if (schema.nullable === true) result = union([result, primary("null")]);
  return result;
}

function renderRef(ref: string, ctx: Ctx, depth: number, nesting: number): Rendered {
  if (ctx.refs.includes(ref)) return UNKNOWN;
  const target = resolveRef(ref, ctx.root);
  if (target === undefined) return UNKNOWN;
  ctx.refs.push(ref);
  try {
    return render(target, ctx, depth, nesting);
  } finally {
    ctx.refs.pop();
  }
}

function hasObjectShape(schema: Schema): boolean {
  return isSchema(schema.properties) || isSchema(schema.additionalProperties) || isSchema(schema.patternProperties);
}

function hasArrayShape(schema: Schema): boolean {
  return schema.items !== undefined || Array.isArray(schema.prefixItems);
}

/**
 * The part of a schema given by `type` and its type-specific keywords. Undefined when there is
 * none, or when it is a bare `type` alongside a composition or `$ref` (which already says more).
 */
function renderBase(schema: Schema, ctx: Ctx, depth: number, nesting: number, composed: boolean): Rendered | undefined {
  let types: string[];
  if (typeof schema.type === "string") types = [schema.type];
  else if (Array.isArray(schema.type)) types = schema.type.filter((t): t is string => typeof t === "string");
  else if (hasObjectShape(schema)) types = ["object"];
  else if (hasArrayShape(schema)) types = ["array"];
  else return undefined;

  if (composed && !types.some((t) => (t === "object" && hasObjectShape(schema)) || (t === "array" && hasArrayShape(schema)))) {
    // `{ type: "object", oneOf: [...] }`: the variants are the type (a `null` it allows is added by the caller).
    return undefined;
  }

  const parts: Rendered[] = [];
  for (const type of types) {
    switch (type) {
      case "string":
      case "number":
      case "boolean":
      case "null":
        parts.push(primary(type));
        break;
      case "integer":
        parts.push(primary("number"));
        break;
      case "array":
        parts.push(renderArray(schema, ctx, depth, nesting));
        break;
      case "object":
        parts.push(renderObject(schema, ctx, depth, nesting));
        break;
      default:
        parts.push(UNKNOWN);
    }
  }
  return parts.length ? union(parts) : undefined;
}

function renderArray(schema: Schema, ctx: Ctx, depth: number, nesting: number): Rendered {
  const tuple = Array.isArray(schema.prefixItems) ? schema.prefixItems : Array.isArray(schema.items) ? schema.items : undefined;
  if (tuple) {
    const elements = tuple.map((s: unknown) => render(s, ctx, depth, nesting).text);
    const restSchema = Array.isArray(schema.prefixItems) ? schema.items : schema.additionalItems;
    if (restSchema !== undefined && restSchema !== false && restSchema !== true) {
      elements.push(`...${wrap(render(restSchema, ctx, depth, nesting), Prec.Primary)}[]`);
    }
    return primary(`[${elements.join(", ")}]`);
  }
  const item = schema.items === undefined ? UNKNOWN : render(schema.items, ctx, depth, nesting);
  return primary(`${wrap(item, Prec.Primary)}[]`);
}

function renderObject(schema: Schema, ctx: Ctx, depth: number, nesting: number): Rendered {
  if (depth >= ctx.maxDepth) return RECORD;
  const inner = depth + 1;

  // Extra keys: `additionalProperties` and `patternProperties` as one value type.
  const extraParts: Rendered[] = [];
  const additional = schema.additionalProperties;
  if (isSchema(additional)) extraParts.push(render(additional, ctx, inner, nesting));
  if (isSchema(schema.patternProperties)) {
    for (const s of Object.values(schema.patternProperties)) extraParts.push(render(s, ctx, inner, nesting));
  }
  const extra = extraParts.length ? union(extraParts) : undefined;

  const properties = isSchema(schema.properties) ? Object.entries(schema.properties) : [];
  if (properties.length === 0) {
    if (extra) return primary(`Record<string, ${extra.text}>`);
    return additional === false ? primary("{}") : RECORD;
  }

  const required = new Set(Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === "string") : []);
  const members: string[] = [];
  const valueTypes: Rendered[] = [];
  for (const [name, propSchema] of properties) {
    const type = render(propSchema, ctx, inner, nesting);
    valueTypes.push(type);
    if (!required.has(name)) valueTypes.push(primary("undefined"));
    const comment = ctx.comments ? summarize(describe(propSchema), PROPERTY_COMMENT_CHARS) : "";
    const optional = required.has(name) ? "" : "?";
    members.push(`${comment ? `/** ${comment} */ ` : ""}${propertyKey(name)}${optional}: ${type.text}`);
  }
  if (extra) {
    // An index signature must admit every property's type (`undefined` for optional ones), or the
    // declaration does not check.
    const index = union([extra, ...valueTypes]);
    members.push(`[key: string]: ${index.members && index.members.length > 4 ? "unknown" : index.text}`);
  }
  return primary(`{ ${members.join("; ")} }`);
}

/** A schema's description, or the first one among its `anyOf`/`oneOf` variants (zod puts it there for unions). */
function describe(schema: unknown): unknown {
  if (!isSchema(schema)) return undefined;
  if (typeof schema.description === "string" && schema.description.trim() !== "") return schema.description;
  for (const key of ["anyOf", "oneOf"]) {
    const list = schema[key];
    if (!Array.isArray(list)) continue;
    for (const variant of list) if (isSchema(variant) && typeof variant.description === "string" && variant.description.trim() !== "") return variant.description;
  }
  return undefined;
}

function convert(schema: unknown, maxDepth: number, comments: boolean): string {
  const ctx: Ctx = { root: schema, maxDepth, comments, refs: [], nodes: 0 };
  return render(schema, ctx, 0, 0).text;
}

/** A JSON Schema as a compact TypeScript type. Missing or empty schemas are `unknown`. */
export function schemaToType(schema: unknown, options: SchemaToTypeOptions = {}): string {
  const maxDepth = Math.max(0, options.maxDepth ?? DEFAULT_MAX_DEPTH);
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
  let text = convert(schema, maxDepth, true);
  if (text.length <= maxChars) return text;
  text = convert(schema, maxDepth, false);
  for (let depth = maxDepth - 1; depth >= 1 && text.length > maxChars; depth--) text = convert(schema, depth, false);
  return text;
}

/** The root object of an input schema (through a root `$ref`), if it is one. */
function rootObject(schema: unknown): Schema | undefined {
  let node = schema;
  for (let i = 0; i < 8 && isSchema(node) && typeof node.$ref === "string"; i++) node = resolveRef(node.$ref, schema);
  if (!isSchema(node)) return undefined;
  const type = node.type;
  const isObject = type === "object" || (type === undefined && hasObjectShape(node)) || (Array.isArray(type) && type.includes("object"));
  return isObject ? node : undefined;
}

/**
 * The declaration shown for an upstream tool:
 * `/** summary *\/\nexport function <identifier>(args: <input>): Promise<<output>>;`
 */
export function toolSignature(tool: ToolLike, identifier: string): string {
  const summary = summarize(tool.description, TOOL_COMMENT_CHARS);
  const output = tool.outputSchema === undefined ? "unknown" : schemaToType(tool.outputSchema);

  let param: string;
  const root = rootObject(tool.inputSchema);
  if (tool.inputSchema === undefined) param = "args?: {}";
  else if (root) {
    const properties = isSchema(root.properties) ? Object.keys(root.properties) : [];
    const composed = ["anyOf", "oneOf", "allOf"].some((k) => Array.isArray(root[k]));
    if (properties.length === 0 && !composed && !isSchema(root.additionalProperties) && !isSchema(root.patternProperties)) {
      param = "args?: {}";
    } else {
      const required = Array.isArray(root.required) && root.required.some((r) => typeof r === "string" && properties.includes(r));
      param = `args${required || composed ? "" : "?"}: ${schemaToType(tool.inputSchema)}`;
    }
  } else param = `args: ${schemaToType(tool.inputSchema)}`;

  const declaration = `export function ${identifier}(${param}): Promise<${output}>;`;
  return summary ? `/** ${summary} */\n${declaration}` : declaration;
}
