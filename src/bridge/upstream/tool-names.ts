/**
 * Upstream MCP tool names → JavaScript identifiers for the exports of the guest module `mcp/<server>`.
 * Tool names are free-form (`get-sum`, `API-post-page`, `a.b`); exports must be valid bindings in a
 * strict-mode module.
 */

/** Words that cannot be (or should not be) a binding name in a strict-mode ES module. */
const RESERVED = new Set([
  // Keywords and literals.
  "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do",
  "else", "export", "extends", "false", "finally", "for", "function", "if", "import", "in",
  "instanceof", "new", "null", "return", "super", "switch", "this", "throw", "true", "try",
  "typeof", "var", "void", "while", "with",
  // Future reserved words (always, or in strict mode / modules).
  "await", "enum", "implements", "interface", "let", "package", "private", "protected", "public",
  "static", "yield",
  // Not bindable in strict mode.
  "arguments", "eval",
  // Shadowing this one would break code that compares against it.
  "undefined",
]);

/** Maps a tool name to a JS identifier: `get-sum` → `get_sum`, `1st` → `_1st`, `delete` → `delete_`. */
export function toIdentifier(name: string): string {
  let id = name.replace(/[^A-Za-z0-9_$]/g, "_");
  if (id === "") return "_";
  if (/^[0-9]/.test(id)) id = `_${id}`;
  if (RESERVED.has(id)) id = `${id}_`;
  return id;
}

/**
 * Tool name → unique identifier. Names that map to an identifier already taken get `_2`, `_3`, ...
 * in input order; a repeated name keeps its first identifier.
 */
export function identifierMap(names: string[]): Map<string, string> {
  const map = new Map<string, string>();
  const used = new Set<string>();
  for (const name of names) {
    if (map.has(name)) continue;
    const base = toIdentifier(name);
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}_${n}`;
    used.add(id);
    map.set(name, id);
  }
  return map;
}
