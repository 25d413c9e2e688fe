import type * as TS from "typescript";
import { LIBRARY_PREFIX, MCP_PREFIX } from "./type-program.js";

/**
 * Which "no such module / no such export" errors will fail when the code runs, as the
 * sandbox runs it: esbuild drops imports that are only used as types
 * (`verbatimModuleSyntax: false` in `sandbox/transpile.ts`), so a missing name used only
 * in types never reaches QuickJS, while one used as a value fails the module's linking
 * ("Could not find export 'x' in module 'toolsmith'") before any line runs.
 */

/** Errors about a module or a name it does not export. */
const MISSING_IMPORT_CODES = new Set([1192, 2305, 2307, 2459, 2460, 2613, 2614, 2724]);
/** No such property: counts only on the namespace object of a sandbox module. */
const MISSING_PROPERTY_CODES = new Set([2339, 2551]);

export function isSandboxModule(specifier: string): boolean {
  return specifier === "toolsmith" || specifier.startsWith(LIBRARY_PREFIX) || specifier.startsWith(MCP_PREFIX);
}

/** Whether a semantic diagnostic is certain to fail the run (for a module of `library/`, `mcp/` or `toolsmith`). */
export function failsAtRun(ts: typeof TS, checker: TS.TypeChecker, file: TS.SourceFile, diagnostic: TS.Diagnostic): boolean {
  if (diagnostic.start === undefined) return false;
  const node = nodeAt(ts, file, diagnostic.start);
  if (!node) return false;
  if (MISSING_PROPERTY_CODES.has(diagnostic.code)) return missingNamespaceMember(ts, checker, node);
  if (!MISSING_IMPORT_CODES.has(diagnostic.code)) return false;
  let binding: TS.ImportSpecifier | TS.ImportClause | TS.NamespaceImport | TS.ExportSpecifier | undefined;
  for (let n: TS.Node | undefined = node; n; n = n.parent) {
    if (ts.isImportSpecifier(n) || ts.isImportClause(n) || ts.isNamespaceImport(n) || ts.isExportSpecifier(n)) binding ??= n;
    if (ts.isImportTypeNode(n)) return false;
    if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [first] = n.arguments;
      return first !== undefined && ts.isStringLiteralLike(first) && isSandboxModule(first.text);
    }
    if (ts.isExportDeclaration(n)) {
      return !!n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier) && isSandboxModule(n.moduleSpecifier.text) && !n.isTypeOnly && !(binding && ts.isExportSpecifier(binding) && binding.isTypeOnly);
    }
    if (ts.isImportDeclaration(n)) {
      if (!ts.isStringLiteral(n.moduleSpecifier) || !isSandboxModule(n.moduleSpecifier.text)) return false;
      const clause = n.importClause;
      if (!clause) return true;
      if (clause.isTypeOnly) return false;
      // A whole module missing fails if any binding reaches the run; a missing name, if it does.
      const bindings = diagnostic.code === 2307 || !binding || ts.isExportSpecifier(binding) ? localBindings(ts, clause) : localBindingsOf(ts, binding);
      return bindings.some((name) => usedAsValue(ts, checker, file, name));
    }
    if (ts.isStatement(n)) return false;
  }
  return false;
}

/** The local names an import clause binds, leaving out `type` ones. */
function localBindings(ts: typeof TS, clause: TS.ImportClause): TS.Identifier[] {
  const names: TS.Identifier[] = clause.name ? [clause.name] : [];
  const bindings = clause.namedBindings;
  if (bindings && ts.isNamespaceImport(bindings)) names.push(bindings.name);
  else if (bindings) for (const el of bindings.elements) if (!el.isTypeOnly) names.push(el.name);
  return names;
}

function localBindingsOf(ts: typeof TS, binding: TS.ImportSpecifier | TS.ImportClause | TS.NamespaceImport): TS.Identifier[] {
  if (ts.isImportSpecifier(binding)) return binding.isTypeOnly ? [] : [binding.name];
  if (ts.isImportClause(binding)) return binding.name ? [binding.name] : [];
  return [binding.name];
}

/** Whether the imported `name` is read anywhere as a value (not only in types), so esbuild keeps its import. */
function usedAsValue(ts: typeof TS, checker: TS.TypeChecker, file: TS.SourceFile, name: TS.Identifier): boolean {
  const symbol = checker.getSymbolAtLocation(name);
  let used = false;
  const visit = (node: TS.Node): void => {
    if (used || ts.isImportDeclaration(node)) return;
    if (ts.isIdentifier(node) && node.text === name.text && node !== name && !inTypePosition(ts, node)) {
      const parent = node.parent;
      // `export { name }` keeps the import too; `{ name }` refers to it through a shorthand property.
      const target = ts.isShorthandPropertyAssignment(parent)
        ? checker.getShorthandAssignmentValueSymbol(parent)
        : ts.isExportSpecifier(parent)
          ? symbol
          : checker.getSymbolAtLocation(node);
      if (target === symbol) used = true;
    }
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(file, visit);
  return used;
}

/** In a type (erased by the compiler): a type annotation, `implements`, an interface, a type alias. */
function inTypePosition(ts: typeof TS, node: TS.Node): boolean {
  for (let n = node.parent; n && !ts.isSourceFile(n); n = n.parent) {
    if (ts.isExpressionWithTypeArguments(n)) {
      const clause = n.parent;
      return !(ts.isHeritageClause(clause) && clause.token === ts.SyntaxKind.ExtendsKeyword && ts.isClassLike(clause.parent));
    }
    if (ts.isTypeNode(n) || ts.isInterfaceDeclaration(n) || ts.isTypeAliasDeclaration(n)) return true;
  }
  return false;
}

/**
 * `ns.missing()` (or `ns.missing.x`, `new ns.Missing()`) where `ns` is `import * as ns` of a
 * sandbox module: undefined is called or read, a TypeError. `ns.missing` alone is only undefined.
 */
function missingNamespaceMember(ts: typeof TS, checker: TS.TypeChecker, node: TS.Node): boolean {
  const access = node.parent;
  if (!access || !ts.isPropertyAccessExpression(access) || access.name !== node || !ts.isIdentifier(access.expression)) return false;
  const declaration = checker.getSymbolAtLocation(access.expression)?.declarations?.[0];
  if (!declaration || !ts.isNamespaceImport(declaration)) return false;
  const from = declaration.parent.parent.moduleSpecifier;
  if (!ts.isStringLiteral(from) || !isSandboxModule(from.text)) return false;
  const use = access.parent;
  return (
    ((ts.isCallExpression(use) || ts.isNewExpression(use)) && use.expression === access) ||
    (ts.isTaggedTemplateExpression(use) && use.tag === access) ||
    ((ts.isPropertyAccessExpression(use) || ts.isElementAccessExpression(use)) && use.expression === access)
  );
}

/** The innermost node that starts at or spans `position`. */
export function nodeAt(ts: typeof TS, file: TS.SourceFile, position: number): TS.Node | undefined {
  let found: TS.Node | undefined;
  const visit = (node: TS.Node): void => {
    if (position < node.getStart(file) || position >= node.end) return;
    found = node;
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(file, visit);
  return found;
}
