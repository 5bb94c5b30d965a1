// The parts of the docs that would drift from the code, made from the code:
// - options tables: `<!-- options: Name -->` … `<!-- /options -->` in a Markdown file is filled
//   with the members of the exported type `Name`, their defaults and their doc comments;
// - examples: every ```ts and ```tsx block is written out as a module of its own, for `tsc` to
//   compile against the packages (`docs/examples/tsconfig.json`; what the examples assume of the
//   reader's app is declared in `docs/examples/app.d.ts`).
//
//   node scripts/docs.js            rewrites the options tables
//   node scripts/docs.js --check    fails if a table is out of date (npm test runs this)
//   node scripts/docs.js --examples writes the examples for `tsc` (npm run typecheck runs this)

import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = fileURLToPath(new URL("..", import.meta.url));

/** The Markdown files the docs are made of. */
export function docFiles() {
  const docs = readdirSync(join(root, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => join("docs", name));
  return ["README.md", ...docs];
}

const ENTRY_POINTS = [
  "packages/core/src/index.ts",
  "packages/core/src/eventSource.ts",
  "packages/core/src/protocol.ts",
  "packages/react/src/index.ts",
  "packages/react/src/query.ts",
  "packages/react/src/zustand.ts",
  "packages/server/src/index.ts",
  "packages/server/src/redis.ts",
  "packages/testing/src/index.ts",
];

const MARKER = /<!-- options: (\w+) -->\n[\s\S]*?<!-- \/options -->/g;

/** Every file's text with its options tables made from the types; only changed files. */
export function renderOptionsTables() {
  const types = exportedTypes();
  const changed = [];
  for (const file of docFiles()) {
    const path = join(root, file);
    const text = readFileSync(path, "utf8");
    if (!text.includes("<!-- options: ")) continue;
    const rendered = format(
      file,
      text.replace(MARKER, (_match, name) => {
        const type = types.get(name);
        if (type === undefined) throw new Error(`${file}: no exported type named ${name}`);
        return `<!-- options: ${name} -->\n${optionsTable(type)}\n<!-- /options -->`;
      }),
    );
    if (rendered !== text) changed.push({ file, text: rendered });
  }
  return changed;
}

/** @returns {Map<string, { checker: ts.TypeChecker, symbol: ts.Symbol }>} */
function exportedTypes() {
  const config = ts.getParsedCommandLineOfConfigFile(join(root, "tsconfig.json"), undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"));
    },
  });
  if (config === undefined) throw new Error("cannot read tsconfig.json");
  const program = ts.createProgram({
    rootNames: ENTRY_POINTS.map((entry) => join(root, entry)),
    options: config.options,
  });
  const checker = program.getTypeChecker();
  const types = new Map();
  for (const entry of ENTRY_POINTS) {
    const source = program.getSourceFile(join(root, entry));
    const module = source && checker.getSymbolAtLocation(source);
    if (module === undefined) throw new Error(`cannot read ${entry}`);
    for (const exported of checker.getExportsOfModule(module)) {
      const symbol =
        exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      if (symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias)) {
        types.set(exported.name, { checker, symbol });
      }
    }
  }
  return types;
}

/**
 * A Markdown table of a type's members: name, default, and what the doc comment says.
 * @param {{ checker: ts.TypeChecker, symbol: ts.Symbol }} exported
 */
function optionsTable({ checker, symbol }) {
  const type = checker.getDeclaredTypeOfSymbol(symbol);
  const rows = checker.getPropertiesOfType(type).map((member) => {
    const declaration = member.valueDeclaration ?? member.declarations?.[0];
    const typeNode =
      declaration !== undefined &&
      (ts.isPropertySignature(declaration) || ts.isPropertyDeclaration(declaration))
        ? declaration.type
        : undefined;
    const typeText = typeNode?.getText() ?? checker.typeToString(checker.getTypeOfSymbol(member));
    const tags = member.getJsDocTags(checker);
    const tag = (/** @type {string} */ name) => tags.find((found) => found.name === name);
    const defaultTag = tag("default");
    const optional = (member.flags & ts.SymbolFlags.Optional) !== 0;
    const fallback = defaultTag
      ? codeLike(ts.displayPartsToString(defaultTag.text))
      : optional
        ? "none"
        : "required";
    const example = tag("example");
    const said = [
      ts.displayPartsToString(member.getDocumentationComment(checker)),
      example ? `e.g. \`${ts.displayPartsToString(example.text).trim()}\`` : "",
    ];
    return [
      `\`${member.name}\``,
      cell(`\`${typeText}\``),
      cell(fallback),
      cell(said.filter((part) => part !== "").join(" ")),
    ];
  });
  return [
    "| option | type | default | |",
    "| --- | --- | --- | --- |",
    ...rows.map((row) => `| ${row.join(" | ")} |`),
  ].join("\n");
}

/**
 * A default written as code (`1000`, `"pause"`) in code font; a sentence as it is.
 * @param {string} text
 */
function codeLike(text) {
  const [value = "", ...rest] = text.split(" — ");
  const looksLikeCode = /^[\w."'[\]{}(),:_ -]+$/.test(value) && !/^[a-z]+ [a-z]/.test(value);
  if (!looksLikeCode || value.includes("`")) return text;
  return [`\`${value.trim()}\``, ...rest].join(" — ");
}

/** @param {string} text */
function cell(text) {
  return text.replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|");
}

/**
 * Formats Markdown as `biome check` would have it, so the check and the linter agree.
 * @param {string} file
 * @param {string} text
 */
function format(file, text) {
  const biome = join(root, "node_modules", ".bin", "biome");
  return execFileSync(biome, ["format", `--stdin-file-path=${file}`], {
    input: text,
    cwd: root,
    encoding: "utf8",
  });
}

/** Writes every ts/tsx example of the docs as a module under docs/examples/generated. */
export function writeExamples() {
  const out = join(root, "docs", "examples", "generated");
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  let count = 0;
  for (const file of docFiles()) {
    const text = readFileSync(join(root, file), "utf8");
    const blocks = [...text.matchAll(/^```(ts|tsx)\n([\s\S]*?)^```$/gm)];
    blocks.forEach(([, language, code], index) => {
      const name = `${basename(file, ".md")}-${index + 1}.${language}`;
      // A module of its own: examples never see each other's names.
      writeFileSync(join(out, name), `// ${file}, example ${index + 1}\n${code}export {};\n`);
      count++;
    });
  }
  return count;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const mode = process.argv[2];
  if (mode === "--examples") {
    console.log(`docs: ${writeExamples()} examples written for tsc`);
  } else {
    const changed = renderOptionsTables();
    if (mode === "--check" && changed.length > 0) {
      console.error(
        `docs: options tables out of date in ${changed.map((c) => c.file).join(", ")}; run node scripts/docs.js`,
      );
      process.exit(1);
    }
    for (const { file, text } of changed) writeFileSync(join(root, file), text);
    console.log(`docs: ${changed.length === 0 ? "up to date" : `updated ${changed.length}`}`);
  }
}
