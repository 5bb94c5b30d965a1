import type { Meta, StoryObj } from "@storybook/react-vite";
import { eventStreamEndpoint } from "@wirekit/core";
import { useEventStream } from "@wirekit/react";
import { expect, userEvent, waitFor, within } from "storybook/test";
import { ticksBackend } from "../playground/backends.js";
import { ConnectionStatusBadge, EventLog, ReconnectingBanner } from "../playground/pieces.js";
import { playgroundSettings, usePlayground, withPlayground } from "../playground/playground.js";
import { playInTests } from "../playground/playInTests.js";

const URL = "http://playground.test/ticks";

/** Numbered ticks over Server-Sent Events, with the status badge, the banner and a log. */
function Ticks({ size = 50 }: { size?: number }) {
  const { server } = usePlayground();
  const { status, history, received, lastEventId } = useEventStream(URL, {
    EventSource: server.EventSource,
    delivery: { mode: "history", size },
    ...playgroundSettings,
  });
  return (
    <div style={{ display: "grid", gap: 8 }}>
      <ReconnectingBanner
        endpoint={eventStreamEndpoint({
          url: URL,
          EventSource: server.EventSource,
          // The first user of a shared connection sets its behaviour: the banner mounts first.
          ...playgroundSettings,
        })}
      />
      <ConnectionStatusBadge status={status} />
      <EventLog entries={history} label="Ticks" />
      <p style={{ margin: 0, fontSize: 12 }}>
        {received} received, last event id {lastEventId || "none"}
      </p>
    </div>
  );
}

const meta = {
  title: "Hooks/useEventStream",
  component: Ticks,
  decorators: [withPlayground],
  parameters: { playground: { backend: ticksBackend, rate: 10, maxRate: 200 } },
} satisfies Meta<typeof Ticks>;
export default meta;
type Story = StoryObj<typeof meta>;

/** The numbers of the ticks in the log, in order. */
function ticks(canvas: ReturnType<typeof within>): number[] {
  return within(canvas.getByRole("log", { name: "Ticks" }))
    .queryAllByRole("listitem")
    .map((item) => Number(item.textContent?.replace("tick ", "")));
}

export const History: Story = {
  args: { size: 50 },
  play: playInTests(async ({ canvasElement, step }) => {
    const canvas = within(canvasElement);
    const badge = canvas.getByRole("status", { name: "Connection" });
    await waitFor(() => expect(badge).toHaveTextContent("Live"));
    await waitFor(() => expect(ticks(canvas).length).toBeGreaterThanOrEqual(3));

    await step("drop the connection: the banner says it is reconnecting", async () => {
      await userEvent.click(canvas.getByRole("button", { name: "Drop connection" }));
      await waitFor(() =>
        expect(canvas.getByRole("status", { name: "Connection banner" })).toHaveTextContent(
          /Reconnecting/,
        ),
      );
      expect(badge).toHaveTextContent("Reconnecting…");
    });
    const before = ticks(canvas).at(-1) ?? 0;

    await step("it goes live again, and the ticks go on without a gap", async () => {
      await waitFor(() => expect(badge).toHaveTextContent("Live"));
      await waitFor(() => expect(ticks(canvas).at(-1)).toBeGreaterThan(before + 3));
      const seen = ticks(canvas);
      expect(seen).toEqual(seen.map((_, index) => (seen[0] ?? 0) + index));
      expect(canvas.getByRole("status", { name: "Connection banner" })).toHaveTextContent("");
    });
  }),
};

export const PauseWhenHidden: Story = {
  args: { size: 50 },
  play: playInTests(async ({ canvasElement, step }) => {
    const canvas = within(canvasElement);
    const badge = canvas.getByRole("status", { name: "Connection" });
    await waitFor(() => expect(badge).toHaveTextContent("Live"));

    await step("hide the page: after the grace period the stream pauses", async () => {
      await userEvent.click(canvas.getByRole("button", { name: "Hide page" }));
      await waitFor(() => expect(badge).toHaveTextContent("Paused"));
    });
    const paused = ticks(canvas).at(-1) ?? 0;

    await step("show it: the stream resumes and replays what it missed", async () => {
      await userEvent.click(canvas.getByRole("button", { name: "Show page" }));
      await waitFor(() => expect(badge).toHaveTextContent("Live"));
      await waitFor(() => expect(ticks(canvas).at(-1)).toBeGreaterThan(paused + 3));
      const seen = ticks(canvas);
      expect(seen).toEqual(seen.map((_, index) => (seen[0] ?? 0) + index));
    });
  }),
};
