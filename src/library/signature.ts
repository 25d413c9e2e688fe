import type * as TS from "typescript";

/** Declarations longer than this (a big interface, say) are cut in search results. */
const MAX_DECLARATION_CHARS = 400;

let tsModule: Promise<typeof TS> | undefined;
/** TypeScript is large; it is loaded the first time a signature has to be computed. */
function loadTypeScript(): Promise<typeof TS> {
  tsModule ??= import("typescript").then((m) => (m as unknown as { default: typeof TS }).default);
  return tsModule;
}

/**
 * A TypeScript declaration of what a module exports, read from its syntax alone:
 * functions with their parameter and return types, exported types and interfaces,
 * classes with their public members, each with the first line of its doc comment.
 */
export async function extractSignature(code: string): Promise<string> {
  const ts = await loadTypeScript();
  const file = ts.createSourceFile("integration.ts", code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const out: string[] = [];
  const text = (node: TS.Node | undefined) => (node ? node.getText(file) : "");
  const isExported = (node: TS.Node) =>
    ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  const isDefault = (node: TS.Node) =>
    ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);
  const params = (list: TS.NodeArray<TS.ParameterDeclaration>) =>
    list
      .map((p) => `${p.dotDotDotToken ? "..." : ""}${text(p.name)}${p.questionToken || p.initializer ? "?" : ""}${p.type ? `: ${text(p.type)}` : ""}`)
      .join(", ");
  const typeParams = (list: TS.NodeArray<TS.TypeParameterDeclaration> | undefined) => (list?.length ? `<${list.map((t) => text(t)).join(", ")}>` : "");
  const returns = (type: TS.TypeNode | undefined) => (type ? `: ${text(type)}` : "");
  const doc = (node: TS.Node) => {
    const jsDoc = (node as { jsDoc?: TS.JSDoc[] }).jsDoc?.at(-1);
    const comment = typeof jsDoc?.comment === "string" ? jsDoc.comment : jsDoc?.comment?.map((c) => c.text).join("");
    const first = comment?.split("\n")[0]?.trim();
    return first ? `/** ${first} */\n` : "";
  };
  const cut = (s: string) => {
    if (s.length <= MAX_DECLARATION_CHARS) return s;
    const head = s.slice(0, MAX_DECLARATION_CHARS);
    // Close what the cut left open, so the declaration still reads as one unit.
    const open = (head.match(/{/g)?.length ?? 0) - (head.match(/}/g)?.length ?? 0);
    return `${head} /* … */${" }".repeat(Math.max(0, open))}`;
  };
  const fnType = (fn: TS.ArrowFunction | TS.FunctionExpression) =>
    `${typeParams(fn.typeParameters)}(${params(fn.parameters)}) => ${fn.type ? text(fn.type) : fn.modifiers?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword) ? "Promise<unknown>" : "unknown"}`;

  for (const node of file.statements) {
    if (ts.isExportDeclaration(node) || ts.isExportAssignment(node)) {
      out.push(cut(text(node)));
      continue;
    }
    if (!isExported(node)) continue;
    const head = isDefault(node) ? "export default" : "export";
    if (ts.isFunctionDeclaration(node)) {
      const asyncKw = node.modifiers?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword) ? "async " : "";
      out.push(`${doc(node)}${head} ${asyncKw}function ${node.name ? text(node.name) : ""}${typeParams(node.typeParameters)}(${params(node.parameters)})${returns(node.type)};`);
    } else if (ts.isVariableStatement(node)) {
      const kind = node.declarationList.flags & ts.NodeFlags.Const ? "const" : "let";
      for (const decl of node.declarationList.declarations) {
        const init = decl.initializer;
        let type = decl.type ? text(decl.type) : undefined;
        if (!type && init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init))) type = fnType(init);
        out.push(`${doc(node)}${head} ${kind} ${text(decl.name)}${type ? `: ${type}` : ""};`);
      }
    } else if (ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node) || ts.isEnumDeclaration(node)) {
      out.push(`${doc(node)}${cut(text(node))}`);
    } else if (ts.isClassDeclaration(node)) {
      const members = node.members.flatMap((m) => {
        const mods = ts.canHaveModifiers(m) ? (ts.getModifiers(m) ?? []) : [];
        if (mods.some((x) => x.kind === ts.SyntaxKind.PrivateKeyword || x.kind === ts.SyntaxKind.ProtectedKeyword)) return [];
        if (m.name && ts.isPrivateIdentifier(m.name)) return [];
        const isStatic = mods.some((x) => x.kind === ts.SyntaxKind.StaticKeyword) ? "static " : "";
        if (ts.isMethodDeclaration(m)) return [`  ${isStatic}${text(m.name)}${typeParams(m.typeParameters)}(${params(m.parameters)})${returns(m.type)};`];
        if (ts.isConstructorDeclaration(m)) return [`  constructor(${params(m.parameters)});`];
        if (ts.isPropertyDeclaration(m)) return [`  ${isStatic}${text(m.name)}${m.type ? `: ${text(m.type)}` : ""};`];
        return [];
      });
      out.push(`${doc(node)}${head} class ${node.name ? text(node.name) : ""} {\n${members.join("\n")}\n}`);
    }
  }
  return out.join("\n");
}
