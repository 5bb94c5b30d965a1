// The shape of core that CONTRIBUTING.md "Layout" describes, checked on the sources: files small
// enough to hold one concept, and an import graph that reads upward, without cycles.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const SOURCE = new URL("../src/", import.meta.url);
const MAX_LINES = 400;

const files = readdirSync(SOURCE).filter((name) => name.endsWith(".ts"));
const text = (name: string) => readFileSync(new URL(name, SOURCE), "utf8");

/** The sibling modules `name` imports for their values; imports of types only vanish in a build. */
function runtimeImports(name: string): string[] {
  const imports: string[] = [];
  for (const [, clause = "", target = ""] of text(name).matchAll(
    /^(?:import|export)\s+([^;]*?)\s+from\s+"\.\/([^"]+)\.js";/gms,
  )) {
    const typeOnly =
      clause.startsWith("type ") ||
      (/^\{[^}]*\}$/s.test(clause) &&
        clause
          .slice(1, -1)
          .split(",")
          .map((specifier) => specifier.trim())
          .filter((specifier) => specifier !== "")
          .every((specifier) => specifier.startsWith("type ")));
    if (!typeOnly) imports.push(`${target}.ts`);
  }
  return imports;
}

/** A cycle among `graph`'s modules, as the path that closes it, or undefined. */
function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (module: string): string[] | undefined => {
    const at = path.indexOf(module);
    if (at !== -1) return [...path.slice(at), module];
    if (done.has(module)) return undefined;
    path.push(module);
    for (const next of graph.get(module) ?? []) {
      const cycle = visit(next);
      if (cycle !== undefined) return cycle;
    }
    path.pop();
    done.add(module);
    return undefined;
  };
  for (const module of graph.keys()) {
    const cycle = visit(module);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}

describe("core's layout", () => {
  it(`keeps every source file under ${MAX_LINES} lines`, () => {
    const long = files
      .map((name) => [name, text(name).split("\n").length] as const)
      .filter(([, lines]) => lines > MAX_LINES);
    expect(long).toEqual([]);
  });

  it("has no import cycle among its modules, types aside", () => {
    const graph = new Map(files.map((name) => [name, runtimeImports(name)]));
    // The reading is real: Connection imports its attempt, which imports no connection.
    expect(graph.get("connection.ts")).toContain("attempt.ts");
    expect(findCycle(graph)).toBeUndefined();
  });

  it("finds a cycle where there is one", () => {
    const graph = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts"]],
    ]);
    expect(findCycle(graph)).toEqual(["a.ts", "b.ts", "c.ts", "a.ts"]);
  });
});
