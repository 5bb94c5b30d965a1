import type { Meta, StoryObj } from "@storybook/react-vite";
import type { ConnectionStatus } from "@wirekit/core";
import { expect, within } from "storybook/test";
import { ConnectionStatusBadge, EventLog } from "../playground/pieces.js";

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
