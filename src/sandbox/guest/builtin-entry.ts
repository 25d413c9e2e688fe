/** One thing the sandbox offers, as search shows it. */
export interface BuiltinEntry {
  kind: "builtin";
  /** A global group ("fetch", "URL", …) or a `toolsmith` export ("secret", "workspace", …). */
  name: string;
  description: string;
  /** The line to paste into code; globals need none and say so. */
  import: string;
  /** Its declarations with doc comments: global ones for globals, `export …` ones for `toolsmith`. */
  signature: string;
}
