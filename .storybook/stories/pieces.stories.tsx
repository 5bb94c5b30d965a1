import type { Meta, StoryObj } from "@storybook/react-vite";
import type { ConnectionStatus } from "@wirekit/core";
import { useState } from "react";
import { expect, fireEvent, userEvent, waitFor, within } from "storybook/test";
import { ConnectionStatusBadge, EventLog } from "../playground/pieces.js";
import { playInTests } from "../playground/playInTests.js";

const STATUSES: ConnectionStatus[] = [
  "idle",
  "connecting",
  "open",
  "reconnecting",
  "paused",
  "closed",
  "failed",
];

const meta = {
  title: "UI/ConnectionStatusBadge",
  component: ConnectionStatusBadge,
  tags: ["autodocs"],
  argTypes: { status: { control: "select", options: STATUSES } },
  args: { status: "open" },
} satisfies Meta<typeof ConnectionStatusBadge>;
export default meta;
type Story = StoryObj<typeof meta>;

export const Live: Story = {
  play: async ({ canvasElement }) => {
    const badge = within(canvasElement).getByRole("status", { name: "Connection" });
    await expect(badge).toHaveTextContent("Live");
  },
};

export const Reconnecting: Story = { args: { status: "reconnecting" } };

/** Every status side by side, as the hooks report them. */
export const AllStatuses: Story = {
  render: () => (
    <div style={{ display: "grid", gap: 4 }}>
      {STATUSES.map((status) => (
        <ConnectionStatusBadge key={status} status={status} />
      ))}
    </div>
  ),
  play: async ({ canvasElement }) => {
    const badges = within(canvasElement).getAllByRole("status", { name: "Connection" });
    await expect(badges.map((badge) => badge.textContent)).toEqual([
      "●Idle",
      "●Connecting…",
      "●Live",
      "●Reconnecting…",
      "●Paused",
      "●Closed",
      "●Failed",
    ]);
  },
};

/** The log renders entries as text: markup in a message stays visible, never parsed. */
export const EventLogAsText: Story = {
  render: () => <EventLog entries={["first", "<img src=x onerror=alert(1)>"]} />,
  play: async ({ canvasElement }) => {
    const log = within(canvasElement).getByRole("log", { name: "Events" });
    await expect(log).toHaveTextContent("<img src=x onerror=alert(1)>");
    await expect(log.querySelector("img")).toBeNull();
  },
};

/** A log longer than its box, and a button that adds to it as a message would. */
function GrowingLog() {
  const [entries, setEntries] = useState(() =>
    Array.from({ length: 40 }, (_, index) => `entry ${index + 1}`),
  );
  return (
    <div style={{ display: "grid", gap: 8 }}>
      <button
        type="button"
        onClick={() => setEntries((all) => [...all, `entry ${all.length + 1}`])}
      >
        Add entry
      </button>
      <EventLog entries={entries} />
    </div>
  );
}

/** The log keeps its newest entry in view, unless the reader has scrolled up to read. */
export const EventLogFollowsNewest: Story = {
  render: () => <GrowingLog />,
  play: playInTests(async ({ canvasElement, step }) => {
    const canvas = within(canvasElement);
    const log = canvas.getByRole("log", { name: "Events" });
    const atBottom = () => log.scrollHeight - log.scrollTop - log.clientHeight <= 1;
    const scrollTo = (top: number) => {
      log.scrollTop = top;
      fireEvent.scroll(log);
    };
    const add = async (entry: string) => {
      await userEvent.click(canvas.getByRole("button", { name: "Add entry" }));
      await waitFor(() => expect(log).toHaveTextContent(entry));
    };
    expect(log.scrollHeight).toBeGreaterThan(log.clientHeight);
    expect(atBottom()).toBe(true);

    await step("a new entry scrolls into view", async () => {
      await add("entry 41");
      expect(atBottom()).toBe(true);
    });
    await step("scrolled up, the reader stays where they are", async () => {
      scrollTo(0);
      await add("entry 42");
      expect(log.scrollTop).toBe(0);
    });
    await step("back at the bottom, it follows again", async () => {
      scrollTo(log.scrollHeight);
      await add("entry 43");
      expect(atBottom()).toBe(true);
    });
  }),
};
