import type { Meta, StoryObj } from "@storybook/react-vite";
import { useRealtime } from "@wirekit/react";
import { expect, userEvent, waitFor, within } from "storybook/test";
import { ConnectionStatusBadge, EventLog } from "../playground/pieces.js";
import {
  every,
  type Playground,
  usePlaygroundChannels,
  withPlayground,
} from "../playground/playground.js";
import { playInTests } from "../playground/playInTests.js";

/** A price channel, published at the playground's rate. */
function pricesBackend({ channels, rate }: Playground) {
  let price = 100;
  return every(rate, (count) => {
    for (let i = 0; i < count; i++) {
      price = Math.round((price + (Math.random() - 0.5) * 2) * 100) / 100;
      channels.publish("prices:ACME", price);
    }
  });
}

/** One channel of a shared WebSocket: resumed by id after every reconnect. */
function Prices() {
  const endpoint = usePlaygroundChannels();

  const { status, history, lastEventId, subscription } = useRealtime<number>("prices:ACME", {
    endpoint,
    delivery: { mode: "history", size: 30 },
  });
  return (
    <div style={{ display: "grid", gap: 8 }}>
      <ConnectionStatusBadge status={status} />
      <EventLog entries={history.map(String)} label="ACME" />
      <p style={{ margin: 0, fontSize: 12 }}>
        message id {lastEventId || "none"}
        {subscription?.recovered === false ? " — a gap: refetch" : ""}
      </p>
    </div>
  );
}

const meta = {
  title: "Hooks/useRealtime",
  component: Prices,
  decorators: [withPlayground],
  parameters: { playground: { backend: pricesBackend, rate: 5 } },
} satisfies Meta<typeof Prices>;
export default meta;
type Story = StoryObj<typeof meta>;

export const ResumeAfterDrop: Story = {
  play: playInTests(async ({ canvasElement, step }) => {
    const canvas = within(canvasElement);
    const badge = canvas.getByRole("status", { name: "Connection" });
    const id = () => Number(canvas.getByText(/^message id/).textContent?.replace(/\D+/g, ""));
    await waitFor(() => expect(id()).toBeGreaterThan(2));
    await step("drop, and resume the channel from its last id", async () => {
      await userEvent.click(canvas.getByRole("button", { name: "Drop connection" }));
      await waitFor(() => expect(badge).toHaveTextContent("Reconnecting…"));
      const dropped = id();
      await waitFor(() => expect(badge).toHaveTextContent("Live"));
      await waitFor(() => expect(id()).toBeGreaterThan(dropped + 2));
      expect(canvas.queryByText(/a gap/)).toBeNull();
    });
  }),
};
