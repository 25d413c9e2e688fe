import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * The shape of src/: areas form layers that only point down, library/ and bridge/ are
 * siblings that never import each other (shared helpers live in util/), and no module
 * imports itself through a cycle (type-only imports included: a cycle of types is still
 * two modules that cannot be understood apart).
 */
const SRC = resolve(import.meta.dirname, "../../src");

/** Higher layers may import lower ones; equal ranks only where listed as siblings below. */
const LAYER: Record<string, number> = {
  cli: 90,
  context: 80,
  server: 70,
  toolsmith: 60,
  services: 58,
  "always-on": 55,
  search: 55,
  packages: 55,
  "home-settings": 50,
  library: 40,
  bridge: 40,
  telemetry: 35,
  sandbox: 30,
  config: 20,
  "limits-shared": 10,
  version: 10,
  "dist-dir": 5,
  util: 0,
  types: 0,
};

function sourceFiles(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...sourceFiles(path));
    else if (path.endsWith(".ts")) found.push(path);
  }
  return found;
}

function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    graph.set(
      file,
      importedFiles.filter((i) => i.fileName.startsWith(".")).map((i) => resolve(dirname(file), i.fileName.replace(/\.js$/, ".ts"))),
    );
  }
  return graph;
}

const areaOf = (file: string) => relative(SRC, file).split("/")[0]!.replace(/\.ts$/, "");
const show = (file: string) => relative(SRC, file);

/** Strongly connected components with more than one module (Tarjan), each as a list of paths. */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    indexOf.set(node, index);
    low.set(node, index++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (!indexOf.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, indexOf.get(next)!));
    }
    if (low.get(node) === indexOf.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(show(member));
      } while (member !== node);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!indexOf.has(node)) visit(node);
  return found;
}

describe("import graph of src/", () => {
  const graph = importGraph();

  it("knows every area's layer", () => {
    const unknown = [...new Set([...graph.keys()].map(areaOf))].filter((area) => !(area in LAYER));
    expect(unknown, "add new top-level areas of src/ to LAYER").toEqual([]);
  });

  it("has layers that only point down, and library/ and bridge/ apart", () => {
    const upward: string[] = [];
    for (const [from, targets] of graph) {
      for (const to of targets) {
        const a = areaOf(from);
        const b = areaOf(to);
        if (a === b) continue;
        if (LAYER[b]! > LAYER[a]! || (LAYER[b] === LAYER[a] && a !== b)) upward.push(`${show(from)} -> ${show(to)}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it("has no import cycles", () => {
    expect(cycles(graph)).toEqual([]);
  });
});
