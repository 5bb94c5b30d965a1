import type { Meta, StoryObj } from "@storybook/react-vite";
import { eventStreamEndpoint } from "@wirekit/core";
import { useConnectionStatus } from "@wirekit/react";
import { expect, userEvent, waitFor, within } from "storybook/test";
import { ticksBackend } from "../playground/backends.js";
import { ConnectionStatusBadge, ReconnectingBanner } from "../playground/pieces.js";
import { playgroundSettings, usePlayground, withPlayground } from "../playground/playground.js";
import { playInTests } from "../playground/playInTests.js";

/** The status of one shared connection, without its messages. */
function Status() {
  const { server } = usePlayground();
  const endpoint = eventStreamEndpoint({
    url: "http://playground.test/ticks",
    EventSource: server.EventSource,
    ...playgroundSettings,
  });
  const { status, attempt } = useConnectionStatus(endpoint);
  return (
    <div style={{ display: "grid", gap: 8 }}>
      <ReconnectingBanner endpoint={endpoint} />
      <ConnectionStatusBadge status={status} />
      <p style={{ margin: 0, fontSize: 12 }}>attempt {attempt}</p>
    </div>
  );
}

const meta = {
  title: "Hooks/useConnectionStatus",
  component: Status,
  decorators: [withPlayground],
  parameters: { playground: { backend: ticksBackend } },
} satisfies Meta<typeof Status>;
export default meta;
type Story = StoryObj<typeof meta>;

export const OfflineAndBack: Story = {
  play: playInTests(async ({ canvasElement, step }) => {
    const canvas = within(canvasElement);
    const badge = canvas.getByRole("status", { name: "Connection" });
    await waitFor(() => expect(badge).toHaveTextContent("Live"));
    await step("go offline: the connection pauses at once, and says why", async () => {
      await userEvent.click(canvas.getByRole("button", { name: "Go offline" }));
      await waitFor(() => expect(badge).toHaveTextContent("Paused"));
      expect(canvas.getByRole("status", { name: "Connection banner" })).toHaveTextContent(
        /offline/,
      );
    });
    await step("go online: it reconnects at once", async () => {
      await userEvent.click(canvas.getByRole("button", { name: "Go online" }));
      await waitFor(() => expect(badge).toHaveTextContent("Live"));
    });
  }),
};
