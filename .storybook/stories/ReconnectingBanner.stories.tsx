import type { Meta, StoryObj } from "@storybook/react-vite";
import { eventStreamEndpoint } from "@wirekit/core";
import { useConnectionStatus } from "@wirekit/react";
import { expect, userEvent, waitFor, within } from "storybook/test";
import { ticksBackend } from "../playground/backends.js";
import { ConnectionStatusBadge, ReconnectingBanner } from "../playground/pieces.js";
import { playgroundSettings, usePlayground, withPlayground } from "../playground/playground.js";
import { playInTests } from "../playground/playInTests.js";

/** The banner over a connection to a stopped server: it counts down, and "Retry now" works. */
function Banner() {
  const { server } = usePlayground();
  const endpoint = eventStreamEndpoint({
    url: "http://playground.test/ticks",
    EventSource: server.EventSource,
    ...playgroundSettings,
    retryDelay: () => 60_000,
  });
  const { status } = useConnectionStatus(endpoint);
  return (
    <div style={{ display: "grid", gap: 8 }}>
      <ReconnectingBanner endpoint={endpoint} />
      <ConnectionStatusBadge status={status} />
    </div>
  );
}

const meta = {
  title: "UI/ReconnectingBanner",
  component: Banner,
  decorators: [withPlayground],
  parameters: { playground: { backend: ticksBackend } },
} satisfies Meta<typeof Banner>;
export default meta;

export const CountdownAndRetryNow: StoryObj<typeof meta> = {
  play: playInTests(async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const banner = canvas.getByRole("status", { name: "Connection banner" });
    const badge = canvas.getByRole("status", { name: "Connection" });
    await waitFor(() => expect(badge).toHaveTextContent("Live"));
    expect(banner).toHaveTextContent("");
    await userEvent.click(canvas.getByRole("button", { name: "Drop connection" }));
    await waitFor(() =>
      expect(banner).toHaveTextContent(/Reconnecting in (59|60) s \(attempt 1\)/),
    );
    await userEvent.click(canvas.getByRole("button", { name: "Retry now" }));
    await waitFor(() => expect(badge).toHaveTextContent("Live"));
    expect(banner.textContent).toBe("");
  }),
};
