// @vitest-environment node
// Every template compiles on its own, as the one file a user copies into an app: its own program,
// a tsconfig like a new Vite React app's (strict, bundler resolution, no Node types, unused code
// is an error), and imports of public entry points only.
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const directory = fileURLToPath(new URL("..", import.meta.url));
const templates = readdirSync(directory).filter((name) => name.endsWith(".tsx"));

/** What a copied template may import: the published entry points, and React. */
const PUBLIC_ENTRY_POINTS = new Set([
  "@wirekit/core",
  "@wirekit/core/event-source",
  "@wirekit/react",
  "@wirekit/react/query",
  "@wirekit/react/zustand",
  "react",
]);

const userOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  lib: ["lib.es2022.d.ts", "lib.dom.d.ts", "lib.dom.iterable.d.ts"],
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  jsx: ts.JsxEmit.ReactJSX,
  strict: true,
  noUnusedLocals: true,
  noUnusedParameters: true,
  noFallthroughCasesInSwitch: true,
  isolatedModules: true,
  verbatimModuleSyntax: true,
  skipLibCheck: true,
  noEmit: true,
  types: [],
  // Resolves @wirekit/* to their TypeScript sources, so the check needs no build.
  customConditions: ["source"],
};

// One host for every program: the libraries' files are read and parsed once, not per template.
const host = ts.createCompilerHost(userOptions);
const parsed = new Map<string, ts.SourceFile | undefined>();
const getSourceFile = host.getSourceFile.bind(host);
host.getSourceFile = (fileName, language, onError, shouldCreate) => {
  if (fileName.startsWith(directory) && !fileName.includes("node_modules")) {
    return getSourceFile(fileName, language, onError, shouldCreate);
  }
  if (!parsed.has(fileName)) parsed.set(fileName, getSourceFile(fileName, language, onError));
  return parsed.get(fileName);
};

describe.each(templates)("templates/%s", (name) => {
  const fileName = `${directory}${name}`;

  it("imports public entry points only", () => {
    const source = ts.createSourceFile(
      fileName,
      ts.sys.readFile(fileName) ?? "",
      ts.ScriptTarget.Latest,
    );
    const specifiers = source.statements
      .filter(ts.isImportDeclaration)
      .map((statement) => (statement.moduleSpecifier as ts.StringLiteral).text);
    expect(specifiers.length).toBeGreaterThan(0);
    expect(specifiers.filter((specifier) => !PUBLIC_ENTRY_POINTS.has(specifier))).toEqual([]);
  });

  it("type-checks on its own with zero diagnostics", () => {
    const program = ts.createProgram({ rootNames: [fileName], options: userOptions, host });
    const file = program.getSourceFile(fileName);
    const diagnostics = [
      ...program.getOptionsDiagnostics(),
      ...program.getSyntacticDiagnostics(file),
      ...program.getSemanticDiagnostics(file),
    ].map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"));
    expect(diagnostics).toEqual([]);
    // The first program parses React's and the libraries' types for all: seconds on a busy
    // machine. A ceiling, not a measure.
  }, 60_000);
});
