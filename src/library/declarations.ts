import type * as TS from "typescript";
import { outlineFromDeclarations, type ExportOutline } from "./declaration-outline.js";
import { checkModule, readableSpecifiers, type Importable } from "./type-program.js";

export { declarationsOf, outlineFromDeclarations, OUTLINE_LINE_CHARS, type ExportOutline } from "./declaration-outline.js";
export type { DeclarationLookup, Importable } from "./type-program.js";

export interface DeclarationsInput {
  /** The integration's name, as in `library/<name>` (e.g. "github/issues"). */
  name: string;
  /** Its TypeScript source. */
  code: string;
  /** What it may import besides the sandbox world; an import not found here types as `any`. */
  importable?: Importable;
}

export interface DeclarationsResult {
  /** The declaration file (`<name>.d.ts`), as the TypeScript compiler emits it with the checker's inferred types. */
  dts: string;
  /** One line per export whose public type ends up `any` or `unknown`, and per declaration the compiler could not write. */
  warnings: string[];
  /** One line per export, from `dts` (the same as `outlineFromDeclarations(dts)`). */
  exports: ExportOutline[];
}

/**
 * The declaration file of an integration, emitted by the TypeScript compiler after a full
 * type check, so inferred types are concrete (`export const list = async () => (await r.json()) as Issue[]`
 * declares `() => Promise<Issue[]>`), classes keep `extends`, local types that exports
 * use are included and doc comments are kept whole. Type errors in the code do not stop
 * it (see `diagnose` for them). Never throws: a compiler failure is a warning and an
 * empty `dts`. Synchronous (TypeScript is loaded on first use).
 *
 * A save that also calls `diagnose({ code, filename: \`${name}.ts\`, importable })` with the
 * same code and importable declarations shares one checked program with this call.
 */
export function emitDeclarations(input: DeclarationsInput): DeclarationsResult {
  try {
    const { ts, program, checker, file } = checkModule(input.code, `${input.name}.ts`, input.importable);
    let dts = "";
    const write: TS.WriteFileCallback = (fileName, text) => {
      if (fileName.endsWith(".d.ts")) dts = asSpecifiers(text);
    };
    // forceDtsEmit (TypeScript's internal sixth argument): a declaration the compiler cannot
    // write (a type of another module that has no name there) must not cost the whole file.
    const emitted = (program.emit as ForcedEmit)(file, write, undefined, true, undefined, true);
    const warnings = [
      ...emitted.diagnostics.map((d) => `${atLine(ts, d)} ${UNNAMEABLE_ADVICE}`),
      ...vagueExports(ts, checker, file),
    ];
    return { dts, warnings: [...new Set(warnings)], exports: outlineFromDeclarations(dts) };
  } catch (error) {
    return { dts: "", warnings: [`Declarations could not be computed (${error instanceof Error ? error.message : String(error)}).`], exports: [] };
  }
}

/**
 * A type reached through another module without an import of it is written with a path
 * relative to the in-memory file (`import("../library/b").Deep`); in the sandbox it is
 * the specifier `library/b`.
 */
function asSpecifiers(dts: string): string {
  return dts.replace(/(["'])(?:\.\.\/)+(library|mcp)\/([^"']+)\1/g, "$1$2/$3$1");
}

type ForcedEmit = (
  file: TS.SourceFile,
  write: TS.WriteFileCallback,
  cancellation: undefined,
  onlyDts: boolean,
  transformers: undefined,
  forceDtsEmit: boolean,
) => TS.EmitResult;

/** What to do about a declaration the compiler could not write (TS4xxx, TS2742): the type it needs has no name here. */
const UNNAMEABLE_ADVICE = "Give the export an explicit type, or export that type from its module.";

const ADVICE = "add a type so the next agent sees what it gives";

/** Exports whose public type the next agent cannot learn anything from. */
function vagueExports(ts: typeof TS, checker: TS.TypeChecker, file: TS.SourceFile): string[] {
  const moduleSymbol = checker.getSymbolAtLocation(file);
  if (!moduleSymbol) return [];
  const warnings: string[] = [];
  const show = (type: TS.Type) => checker.typeToString(type, undefined, ts.TypeFormatFlags.NoTruncation);

  const checkCallable = (label: string, type: TS.Type): boolean => {
    const signatures = type.getCallSignatures();
    for (const signature of signatures) {
      const returned = signature.getReturnType();
      if (isVague(ts, checker, returned)) warnings.push(`${label} returns ${show(returned)}: ${ADVICE.replace("a type", "a return type")}`);
      for (const parameter of signature.getParameters()) {
        const declaration = parameter.valueDeclaration;
        if (!declaration || !ts.isParameter(declaration) || declaration.type || declaration.initializer) continue;
        const type = checker.getTypeOfSymbolAtLocation(parameter, declaration);
        if (type.flags & ts.TypeFlags.Any) warnings.push(`${label} has parameter '${parameter.name}' without a type (any): annotate it so callers know what to pass`);
      }
    }
    return signatures.length > 0;
  };

  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const declaration = symbol.valueDeclaration ?? symbol.declarations?.[0];
    if (!declaration || declaration.getSourceFile() !== file) continue;
    const label = `export '${exported.name}'`;
    if (symbol.flags & ts.SymbolFlags.Class) {
      const instance = checker.getDeclaredTypeOfSymbol(symbol);
      for (const member of checker.getPropertiesOfType(instance)) {
        const memberDeclaration = member.valueDeclaration;
        if (!memberDeclaration || memberDeclaration.getSourceFile() !== file || !isPublic(ts, memberDeclaration)) continue;
        const type = checker.getTypeOfSymbolAtLocation(member, memberDeclaration);
        const memberLabel = `export '${exported.name}.${member.name}'`;
        if (!checkCallable(memberLabel, type) && isVague(ts, checker, type)) warnings.push(`${memberLabel} is ${show(type)}: ${ADVICE}`);
      }
    } else if (symbol.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Variable)) {
      const type = checker.getTypeOfSymbolAtLocation(symbol, declaration);
      if (!checkCallable(label, type) && isVague(ts, checker, type)) warnings.push(`${label} is ${show(type)}: ${ADVICE}`);
    } else if (symbol.flags & ts.SymbolFlags.TypeAlias) {
      const type = checker.getDeclaredTypeOfSymbol(symbol);
      if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) warnings.push(`${label} is the type ${show(type)}: ${ADVICE}`);
    }
  }
  return warnings;
}

/** any or unknown, also inside a Promise or an array: `Promise<any>`, `unknown[]`. */
function isVague(ts: typeof TS, checker: TS.TypeChecker, type: TS.Type): boolean {
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return true;
  const inner = wrapped(checker, type);
  return inner !== undefined && isVague(ts, checker, inner);
}

function wrapped(checker: TS.TypeChecker, type: TS.Type): TS.Type | undefined {
  if (checker.isArrayType(type) || type.getSymbol()?.name === "Promise") {
    return checker.getTypeArguments(type as TS.TypeReference)[0];
  }
  return undefined;
}

function isPublic(ts: typeof TS, declaration: TS.Declaration): boolean {
  const name = ts.getNameOfDeclaration(declaration);
  if (name && ts.isPrivateIdentifier(name)) return false;
  const flags = ts.getCombinedModifierFlags(declaration);
  return !(flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected));
}

function atLine(ts: typeof TS, diagnostic: TS.Diagnostic): string {
  const message = readableSpecifiers(ts.flattenDiagnosticMessageText(diagnostic.messageText, " "));
  if (!diagnostic.file || diagnostic.start === undefined) return message;
  const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  return `line ${line + 1}: ${message}`;
}
