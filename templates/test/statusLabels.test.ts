// @vitest-environment node
// Every template labels the connection the same way, so the copies cannot drift apart: a
// `STATUS_LABELS` record over every ConnectionStatus (the compiler keeps each copy complete, see
// compile.test.ts), and one `failureReason`, word for word the same in every file, that says why
// a connection failed. Copy-paste files cannot share a module; this test is what they share.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ConnectionStatus } from "@wirekit/core";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const directory = fileURLToPath(new URL("..", import.meta.url));
const templates = readdirSync(directory).filter((name) => name.endsWith(".tsx"));
// Being rebuilt with presence (issue 13), and adopting these labels with that work: the last test
// fails once it has, so that it leaves this list.
const ADOPTING = new Set(["ChatRoom.tsx"]);

// Every status, so a new one is a type error here until the templates label it.
const STATUSES = Object.keys({
  idle: 0,
  connecting: 0,
  open: 0,
  reconnecting: 0,
  paused: 0,
  closed: 0,
  failed: 0,
} satisfies Record<ConnectionStatus, 0>);

function parse(name: string): ts.SourceFile {
  const file = `${directory}${name}`;
  return ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
}

/** The `STATUS_LABELS` declaration: its declared type and the keys of its object literal. */
function statusLabels(source: ts.SourceFile): { type: string; keys: string[] } | undefined {
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      if (declaration.name.getText(source) !== "STATUS_LABELS") continue;
      const value = declaration.initializer;
      const keys =
        value !== undefined && ts.isObjectLiteralExpression(value)
          ? value.properties.map((property) => property.name?.getText(source) ?? "")
          : [];
      return { type: declaration.type?.getText(source) ?? "", keys };
    }
  }
  return undefined;
}

/** The text of `function failureReason`, with its doc comment. */
function failureReason(source: ts.SourceFile): string | undefined {
  const found = source.statements.find(
    (statement) => ts.isFunctionDeclaration(statement) && statement.name?.text === "failureReason",
  );
  return found?.getFullText(source).trim();
}

const adopted = templates.filter((name) => !ADOPTING.has(name));
const reference = failureReason(parse(adopted[0] ?? ""));

describe.each(adopted)("templates/%s", (name) => {
  const source = parse(name);

  it("labels every connection status in a Record the compiler keeps complete", () => {
    const labels = statusLabels(source);
    expect(labels?.type).toMatch(/^Record<ConnectionStatus, /);
    expect(labels?.keys.sort()).toEqual([...STATUSES].sort());
  });

  it("has no switch over the status whose default could give a status a wrong label", () => {
    expect(source.text).not.toMatch(/switch \(status\)/);
  });

  it("says why a connection failed in the words every template uses", () => {
    expect(reference).toContain("function failureReason(error: RealtimeError | null): string");
    expect(failureReason(source)).toBe(reference);
  });
});

it("lists only templates that have not adopted the shared labels yet", () => {
  for (const name of ADOPTING) expect(statusLabels(parse(name)), name).toBeUndefined();
});
