// The docs site's front page and hook pages stay true as hooks, templates and stories change.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as react from "@wirekit/react";
import * as query from "@wirekit/react/query";
import { storyNameFromExport, toId } from "storybook/internal/csf";
import { describe, expect, it } from "vitest";

const STORYBOOK = join(import.meta.dirname, "..");
const TEMPLATES = join(STORYBOOK, "..", "templates");
const read = (...path: string[]) => readFileSync(join(...path), "utf8");

/** Every story and docs page Storybook indexes, by id, from the titles and exports in the files. */
function entryIds(): Set<string> {
  const ids = new Set<string>();
  for (const name of readdirSync(join(STORYBOOK, "docs")).filter((file) => file.endsWith(".mdx"))) {
    const title = /<Meta title="([^"]+)"/.exec(read(STORYBOOK, "docs", name))?.[1];
    if (title !== undefined) ids.add(toId(title, "docs"));
  }
  const stories = readdirSync(join(STORYBOOK, "stories"), { recursive: true, encoding: "utf8" });
  for (const name of stories.filter((file) => file.endsWith(".stories.tsx"))) {
    const source = read(STORYBOOK, "stories", name);
    const title = /title: "([^"]+)"/.exec(source)?.[1] ?? "";
    for (const [, story] of source.matchAll(/^export const (\w+)/gm))
      ids.add(toId(title, storyNameFromExport(story ?? "")));
  }
  return ids;
}

const welcome = read(STORYBOOK, "docs", "Welcome.mdx");
const links = [...welcome.matchAll(/\]\(\?path=\/(?:docs|story)\/([^)]+)\)/g)].map(
  ([, id]) => id ?? "",
);

// useConnectionManager hands out the provider's manager for code outside render; it subscribes
// to nothing, so it has no live page of its own.
const hooks = Object.keys({ ...react, ...query }).filter(
  (name) => /^use[A-Z]/.test(name) && name !== "useConnectionManager",
);

describe("the Welcome page", () => {
  it("links only to pages and stories that exist", () => {
    const ids = entryIds();
    expect(links.length).toBeGreaterThan(0);
    expect(links.filter((id) => !ids.has(id))).toEqual([]);
  });

  it("links every hook's page", () => {
    expect(hooks.length).toBeGreaterThanOrEqual(5);
    for (const hook of hooks) expect(links).toContain(toId(`Docs/${hook}`, "docs"));
  });

  it("links a story of every template", () => {
    const templates = readdirSync(TEMPLATES).filter((name) => name.endsWith(".tsx"));
    expect(templates.length).toBeGreaterThan(0);
    for (const file of templates) {
      const prefix = `${toId(`Templates/${file.replace(".tsx", "")}`, "x").replace(/x$/, "")}`;
      expect(
        links.some((id) => id.startsWith(prefix)),
        file,
      ).toBe(true);
    }
  });
});

describe("each hook's page", () => {
  it.each(hooks)("%s opens with its example, then the controls explained", (hook) => {
    const page = read(STORYBOOK, "docs", `${hook}.mdx`);
    expect(page).toContain(`import example from "./examples/${hook}.example.tsx?raw";`);
    const afterHeading = page.slice(page.indexOf(`# ${hook}\n`));
    const blocks = [...afterHeading.matchAll(/^<(\w+)/gm)].map(([, block]) => block);
    expect(blocks.slice(0, 3)).toEqual(["Source", "Canvas", "ControlsExplained"]);
  });
});
