import type * as TS from "typescript";
import { loadTypeScript, typeScriptLoaded } from "./type-program.js";

/**
 * Reading a stored declaration file (`<name>.d.ts`) without the code or the checker:
 * one outline line per export, and the full declarations of chosen exports. Search
 * works from stored declarations only, so what it shows never depends on re-deriving
 * types from code.
 */

export interface ExportOutline {
  /** The exported name ("default" for a default export). */
  name: string;
  /** "function" also for a const whose type is a function type (`export const f = async () => …`). */
  kind: "function" | "const" | "class" | "interface" | "type" | "enum";
  /** One line, e.g. "listIssues(query?: Query, opts?: TrackerOptions): Promise<Issue[]>"; shortened only between members, never inside a type. */
  line: string;
  /** The first sentence of its doc comment. */
  doc?: string;
}

/** Past this many characters an outline line lists fewer members (of an interface, object type, union, enum or class). */
export const OUTLINE_LINE_CHARS = 160;

/** An export made by `export { local as name }` (from another module when `from` is set). */
interface Reexport {
  name: string;
  local: string;
  from?: string;
}

interface Exported {
  name: string;
  via?: Reexport;
  /** The top-level statements that declare it (several for overloads and merged interfaces). */
  statements: TS.Statement[];
  /** The declarator, for `const a = …, b = …`. */
  declaration?: TS.Declaration;
}

interface ParsedDeclarations {
  ts: typeof TS;
  file: TS.SourceFile;
  exports: Exported[];
  /** Top-level declarations by local name, exported or not. */
  locals: Map<string, TS.Statement[]>;
  /** Import declarations by the local names they bind. */
  imports: Map<string, TS.Statement>;
}

/**
 * What search needs of one declaration file, read once: its outline, the text of each
 * top-level statement, and per export the statements its declarations need. Search asks
 * for the same few files again and again (every query shows its hits' outlines and picks
 * declarations export by export): parsing each time made a search of a large integration
 * tens of milliseconds.
 */
export interface DeclarationFacts {
  exports: ExportOutline[];
  /** Each kept top-level statement's text (doc comments included), in file order. */
  statements: string[];
  /** Per export (as `exports` lists them, by name): the statements it needs, transitively, ascending. */
  needs: Map<string, { statements: number[]; via?: Reexport }>;
}

/** Declaration files whose facts are kept (a search shows at most a few dozen). */
const FACTS_CACHED = 512;
const factsCache = new Map<string, DeclarationFacts>();

/** The facts of a declaration file, from a small cache (most recently used kept). */
export function declarationFacts(dts: string): DeclarationFacts {
  const cached = factsCache.get(dts);
  if (cached) {
    factsCache.delete(dts);
    factsCache.set(dts, cached);
    return cached;
  }
  const facts = readFacts(dts);
  factsCache.set(dts, facts);
  if (factsCache.size > FACTS_CACHED) factsCache.delete(factsCache.keys().next().value!);
  return facts;
}

/** DeclarationFacts as JSON holds them (the search snapshot keeps them, so a restart's first search needs no compiler). */
export interface StoredFacts {
  exports: ExportOutline[];
  statements: string[];
  needs: Array<[string, { statements: number[]; via?: Reexport }]>;
}

/** The facts of a declaration file as the snapshot stores them: from the cache, else read now if TypeScript is loaded already ("if-compiler-loaded"). */
export function storedFactsOf(dts: string, parse: "cached" | "if-compiler-loaded"): StoredFacts | undefined {
  const facts = factsCache.get(dts) ?? (parse === "if-compiler-loaded" && typeScriptLoaded() ? declarationFacts(dts) : undefined);
  return facts && { exports: facts.exports, statements: facts.statements, needs: [...facts.needs] };
}

/** Whether the facts of this declaration file are in the cache. */
export function hasFacts(dts: string): boolean {
  return factsCache.has(dts);
}

/**
 * Puts facts read back from the snapshot into the cache (what a later declarationFacts of
 * the same text returns). Facts that do not have the stored shape are ignored: the file is
 * parsed again when needed.
 */
export function rememberFacts(dts: string, stored: StoredFacts): void {
  if (factsCache.has(dts) || !Array.isArray(stored?.exports) || !Array.isArray(stored.statements) || !Array.isArray(stored.needs)) return;
  factsCache.set(dts, { exports: stored.exports, statements: stored.statements, needs: new Map(stored.needs) });
  if (factsCache.size > FACTS_CACHED) factsCache.delete(factsCache.keys().next().value!);
}

export function outlineFromDeclarations(dts: string): ExportOutline[] {
  return declarationFacts(dts).exports;
}

/**
 * The full text (doc comments included) of the exports named, in file order, with the
 * top-level types they reference (transitively) and the imports those need. Unknown
 * names are skipped; the result is "" when none is known.
 */
export function declarationsOf(dts: string, names: readonly string[]): string {
  return declarationsFrom(declarationFacts(dts), names);
}

/** declarationsOf from a file's facts (the statements each export needs, joined without re-parsing). */
export function declarationsFrom(facts: DeclarationFacts, names: readonly string[]): string {
  const wanted = new Set(names);
  const kept = new Set<number>();
  const reexports: Reexport[] = [];
  // In the order of the file's exports, as the reexport lines always came.
  for (const [name, need] of facts.needs) {
    if (!wanted.has(name)) continue;
    for (const i of need.statements) kept.add(i);
    if (need.via) reexports.push(need.via);
  }
  const texts = [...kept].sort((a, b) => a - b).map((i) => facts.statements[i]!);
  for (const r of reexports) {
    const clause = r.local === r.name ? r.name : `${r.local} as ${r.name}`;
    texts.push(`export { ${clause} }${r.from === undefined ? "" : ` from ${JSON.stringify(r.from)}`};`);
  }
  return texts.join("\n");
}

function readFacts(dts: string): DeclarationFacts {
  const parsed = parse(dts);
  const { ts, file } = parsed;
  const exports: ExportOutline[] = [];
  for (const e of parsed.exports) {
    const item = outlineOf(parsed, e);
    if (item) exports.push(item);
  }
  const indexOf = new Map(file.statements.map((st, i) => [st, i]));
  const needs: DeclarationFacts["needs"] = new Map();
  for (const e of parsed.exports) {
    // The statements this export needs: its own (`export { a as b }` is written anew for the
    // names chosen), then every top-level declaration and import they reference, transitively.
    // What several exports need together is the union of what each needs.
    const kept = new Set<TS.Statement>();
    const queue: TS.Statement[] = [];
    const keep = (st: TS.Statement) => {
      if (!kept.has(st)) {
        kept.add(st);
        queue.push(st);
      }
    };
    e.statements.filter((st) => !ts.isExportDeclaration(st)).forEach(keep);
    while (queue.length) {
      const statement = queue.shift()!;
      const visit = (node: TS.Node): void => {
        if (ts.isIdentifier(node)) {
          parsed.locals.get(node.text)?.forEach(keep);
          const imported = parsed.imports.get(node.text);
          if (imported) keep(imported);
        }
        ts.forEachChild(node, visit);
      };
      ts.forEachChild(statement, visit);
    }
    const statements = [...kept].map((st) => indexOf.get(st)!).sort((a, b) => a - b);
    const previous = needs.get(e.name);
    needs.set(e.name, previous ? { statements: [...new Set([...previous.statements, ...statements])].sort((a, b) => a - b), via: previous.via ?? e.via } : { statements, via: e.via });
  }
  const statements = file.statements.map((st) => dts.slice(st.getFullStart(), st.end).replace(/^\s*\n/, "").trimEnd());
  return { exports, statements, needs };
}

function parse(dts: string): ParsedDeclarations {
  const ts = loadTypeScript();
  const file = ts.createSourceFile("declarations.d.ts", dts, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const locals = new Map<string, TS.Statement[]>();
  const imports = new Map<string, TS.Statement>();
  const exported = new Map<string, Exported>();
  const add = (map: Map<string, TS.Statement[]>, name: string, s: TS.Statement) => map.set(name, [...(map.get(name) ?? []), s]);
  const exportAs = (name: string, statements: TS.Statement[], declaration?: TS.Declaration, via?: Reexport) => {
    const current = exported.get(name);
    if (current && !declaration) current.statements.push(...statements.filter((s) => !current.statements.includes(s)));
    else exported.set(name, { name, statements: [...statements], declaration, via });
  };
  for (const s of file.statements) {
    if (ts.isImportDeclaration(s)) {
      const clause = s.importClause;
      if (clause?.name) imports.set(clause.name.text, s);
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) imports.set(bindings.name.text, s);
      else if (bindings) for (const el of bindings.elements) imports.set(el.name.text, s);
      continue;
    }
    if (ts.isVariableStatement(s)) for (const d of s.declarationList.declarations) if (ts.isIdentifier(d.name)) add(locals, d.name.text, s);
    const name = declaredName(ts, s);
    if (name) add(locals, name, s);
  }
  for (const s of file.statements) {
    if (ts.isExportAssignment(s)) {
      const local = ts.isIdentifier(s.expression) ? locals.get(s.expression.text) ?? [] : [];
      exportAs("default", [...local, s]);
    } else if (ts.isExportDeclaration(s) && s.exportClause && ts.isNamedExports(s.exportClause)) {
      const from = s.moduleSpecifier && ts.isStringLiteral(s.moduleSpecifier) ? s.moduleSpecifier.text : undefined;
      for (const el of s.exportClause.elements) {
        const localName = (el.propertyName ?? el.name).text;
        const local = s.moduleSpecifier ? [] : (locals.get(localName) ?? []);
        exportAs(el.name.text, [...local, s], undefined, { name: el.name.text, local: localName, from });
      }
    } else if (hasExportModifier(ts, s)) {
      const isDefault = ts.canHaveModifiers(s) && ts.getModifiers(s)?.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);
      if (ts.isVariableStatement(s)) {
        for (const d of s.declarationList.declarations) if (ts.isIdentifier(d.name)) exportAs(d.name.text, [s], d);
      } else {
        const name = isDefault ? "default" : declaredName(ts, s);
        if (name) exportAs(name, [s]);
      }
    }
  }
  return { ts, file, exports: [...exported.values()], locals, imports };
}

function declaredName(ts: typeof TS, s: TS.Statement): string | undefined {
  if (ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s) || ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s) || ts.isEnumDeclaration(s) || ts.isModuleDeclaration(s)) {
    return s.name && ts.isIdentifier(s.name) ? s.name.text : undefined;
  }
  return undefined;
}

function hasExportModifier(ts: typeof TS, s: TS.Statement): boolean {
  return ts.canHaveModifiers(s) && (ts.getModifiers(s) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

function outlineOf(parsed: ParsedDeclarations, e: Exported): ExportOutline | undefined {
  const { ts } = parsed;
  const p = printerFor(parsed);
  const main = e.statements.find((s) => !ts.isExportDeclaration(s) && !ts.isExportAssignment(s));
  const docOf = (node: TS.Node | undefined) => (node ? firstSentence(ts, node) : undefined);
  const named = (kind: ExportOutline["kind"], line: string, node?: TS.Node): ExportOutline => {
    const doc = docOf(node);
    return doc ? { name: e.name, kind, line, doc } : { name: e.name, kind, line };
  };
  if (!main) {
    const reexport = e.statements.find((s): s is TS.ExportDeclaration => ts.isExportDeclaration(s));
    const from = reexport?.moduleSpecifier && ts.isStringLiteral(reexport.moduleSpecifier) ? ` (from "${reexport.moduleSpecifier.text}")` : "";
    return named("const", `${e.name}${from}`);
  }
  if (ts.isFunctionDeclaration(main)) {
    const overloads = e.statements.filter(ts.isFunctionDeclaration);
    const more = overloads.length > 1 ? ` (+${overloads.length - 1} overload${overloads.length > 2 ? "s" : ""})` : "";
    return named("function", `${e.name}${p.signature(main)}${more}`, main);
  }
  if (ts.isVariableStatement(main)) {
    const decl = (e.declaration && ts.isVariableDeclaration(e.declaration) ? e.declaration : main.declarationList.declarations[0])!;
    const type = decl.type;
    if (type && ts.isFunctionTypeNode(type)) return named("function", `${e.name}${p.signature(type)}`, main);
    return named("const", `${e.name}: ${type ? p.type(type) : "unknown"}`, main);
  }
  if (ts.isClassDeclaration(main)) return named("class", p.classLine(main, e.name), main);
  if (ts.isInterfaceDeclaration(main)) {
    const heritage = main.heritageClauses?.map((h) => ` ${p.text(h).trim()}`).join("") ?? "";
    const members = e.statements.filter(ts.isInterfaceDeclaration).flatMap((s) => [...s.members]);
    return named("interface", `interface ${e.name}${p.typeParams(main.typeParameters)}${heritage} ${p.members(members)}`, main);
  }
  if (ts.isTypeAliasDeclaration(main)) return named("type", `type ${e.name}${p.typeParams(main.typeParameters)} = ${p.type(main.type)}`, main);
  if (ts.isEnumDeclaration(main)) {
    const names = main.members.map((m) => p.text(m.name));
    return named("enum", `enum ${e.name} { ${fit(names, ", ", 0)} }`, main);
  }
  return undefined;
}

/** Prints declaration parts on one line, without comments. */
function printerFor({ ts, file }: ParsedDeclarations) {
  const printer = ts.createPrinter({ removeComments: true });
  const text = (node: TS.Node) => oneLine(printer.printNode(ts.EmitHint.Unspecified, node, file));
  const typeParams = (list: readonly TS.TypeParameterDeclaration[] | undefined) => (list?.length ? `<${list.map(text).join(", ")}>` : "");
  const params = (list: readonly TS.ParameterDeclaration[]) => list.map(text).join(", ");
  const members = (list: readonly TS.Node[]) => (list.length ? `{ ${fit(list.map((m) => text(m).replace(/;$/, "")), "; ", 4)} }` : "{}");
  const type = (node: TS.TypeNode): string => {
    const full = text(node);
    if (full.length <= OUTLINE_LINE_CHARS) return full;
    if (ts.isTypeLiteralNode(node)) return members(node.members);
    if (ts.isUnionTypeNode(node)) return fit(node.types.map(text), " | ", 0);
    return full;
  };
  const signature = (node: TS.SignatureDeclarationBase) => `${typeParams(node.typeParameters)}(${params(node.parameters)}): ${node.type ? text(node.type) : "void"}`;
  const classLine = (node: TS.ClassDeclaration, name: string) => {
    const heritage = node.heritageClauses?.map((h) => ` ${text(h).trim()}`).join("") ?? "";
    const visible = node.members.filter((m) => {
      const mods = ts.canHaveModifiers(m) ? (ts.getModifiers(m) ?? []) : [];
      return !mods.some((x) => x.kind === ts.SyntaxKind.PrivateKeyword || x.kind === ts.SyntaxKind.ProtectedKeyword) && !(m.name && ts.isPrivateIdentifier(m.name));
    });
    const head = `class ${name}${typeParams(node.typeParameters)}${heritage}`;
    const full = `${head} ${members(visible)}`;
    if (full.length <= OUTLINE_LINE_CHARS) return full;
    // Too long with types: the constructor in full, the other members by name.
    const short = visible.map((m) => (ts.isConstructorDeclaration(m) ? text(m).replace(/;$/, "") : `${m.name ? text(m.name) : "?"}${ts.isMethodDeclaration(m) ? "()" : ""}`));
    return `${head} { ${fit(short, "; ", 4)} }`;
  };
  return { text, typeParams, type, members, signature, classLine };
}

/** Joins parts, keeping at least `min` and then as many as fit the line, and says how many were left out. */
function fit(parts: string[], separator: string, min: number): string {
  let out: string[] = [];
  let length = 0;
  for (const [i, part] of parts.entries()) {
    if (i >= min && out.length && length + part.length > OUTLINE_LINE_CHARS) {
      out = [...out, `… ${parts.length - i} more`];
      return out.join(separator);
    }
    out.push(part);
    length += part.length + separator.length;
  }
  return out.join(separator);
}

/** Printed code on one line: the printer escapes newlines inside literals, so any left are layout. */
function oneLine(text: string): string {
  return text
    .replace(/\[\s*\n\s*/g, "[")
    .replace(/\s*\n\s*\]/g, "]")
    .replace(/\s*\n\s*/g, " ")
    .replace(/\{ \}/g, "{}")
    .replace(/; \}/g, " }")
    .trim();
}

function firstSentence(ts: typeof TS, node: TS.Node): string | undefined {
  const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
  const comment = ts.getTextOfJSDocComment(docs.at(-1)?.comment);
  if (!comment) return undefined;
  const text = comment.split(/\n\s*\n/)[0]!.replace(/\s+/g, " ").trim();
  // A sentence ends before a capital letter ("e.g. open ones" goes on).
  const end = /[.!?](?=\s+[A-Z("`'\[]|$)/.exec(text);
  return end ? text.slice(0, end.index + 1) : text;
}
