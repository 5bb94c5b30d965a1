import type { ReactNode } from "react";

/** One option: its name, its default, and what it does; `code` spans in backticks. */
export type OptionRow = readonly [option: string, defaultValue: string, what: string];

/** Backticked spans become `<code>`, the way Markdown would show them. */
function inline(text: string): ReactNode[] {
  return text.split("`").map((part, index) =>
    // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one string never reorder.
    index % 2 === 1 ? <code key={index}>{part}</code> : part,
  );
}

/**
 * The options table of a docs page. MDX in Storybook has no GitHub tables (they need a remark
 * plugin), and this is all the pages need of them.
 */
export function OptionsTable({ rows }: { rows: readonly OptionRow[] }) {
  return (
    <table>
      <thead>
        <tr>
          <th>option</th>
          <th>default</th>
          <th>what it does</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([option, defaultValue, what]) => (
          <tr key={option}>
            <td>{inline(option)}</td>
            <td>{inline(defaultValue)}</td>
            <td>{inline(what)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
