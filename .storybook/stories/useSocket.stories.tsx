import type { Meta, StoryObj } from "@storybook/react-vite";
import { useSocket } from "@wirekit/react";
import { type FormEvent, useId, useState } from "react";
import { expect, userEvent, waitFor, within } from "storybook/test";
import { ConnectionStatusBadge, EventLog } from "../playground/pieces.js";
import type { Playground } from "../playground/playground.js";
import { playgroundSettings, usePlayground, withPlayground } from "../playground/playground.js";
import { playInTests } from "../playground/playInTests.js";

/** An echo server: every frame comes back prefixed. */
function echoBackend({ server }: Playground) {
  return server.onConnection((socket) => {
    socket.onMessage((data) => socket.send(`echo: ${String(data)}`));
  });
}

/** A WebSocket with an outgoing queue: what you send while offline goes out on reconnect. */
function Echo() {
  const { server } = usePlayground();
  const { status, history, queued, send } = useSocket<string>("ws://playground.test/echo", {
    WebSocket: server.WebSocket,
    delivery: { mode: "history", size: 20 },
    parse: "text",
    ...playgroundSettings,
  });
  const [draft, setDraft] = useState("");
  const inputId = useId();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    send(draft);
    setDraft("");
  };
  return (
    <div style={{ display: "grid", gap: 8 }}>
      <ConnectionStatusBadge status={status} />
      <form onSubmit={submit} style={{ display: "flex", gap: 8 }}>
        <label htmlFor={inputId}>Say</label>
        <input id={inputId} value={draft} onChange={(event) => setDraft(event.target.value)} />
        <button type="submit">Send</button>
      </form>
      <p style={{ margin: 0, fontSize: 12 }}>{queued} queued</p>
      <EventLog entries={history} label="Replies" />
    </div>
  );
}

const meta = {
  title: "Hooks/useSocket",
  component: Echo,
  decorators: [withPlayground],
  parameters: { playground: { backend: echoBackend } },
} satisfies Meta<typeof Echo>;
export default meta;
type Story = StoryObj<typeof meta>;

export const QueueWhileOffline: Story = {
  play: playInTests(async ({ canvasElement, step }) => {
    const canvas = within(canvasElement);
    const badge = canvas.getByRole("status", { name: "Connection" });
    const replies = canvas.getByRole("log", { name: "Replies" });
    await waitFor(() => expect(badge).toHaveTextContent("Live"));
    await userEvent.type(canvas.getByRole("textbox", { name: "Say" }), "one{enter}");
    await waitFor(() => expect(replies).toHaveTextContent("echo: one"));

    await step("offline, a message waits in the queue", async () => {
      await userEvent.click(canvas.getByRole("button", { name: "Go offline" }));
      await waitFor(() => expect(badge).toHaveTextContent("Paused"));
      await userEvent.type(canvas.getByRole("textbox", { name: "Say" }), "two{enter}");
      await waitFor(() => expect(canvas.getByText("1 queued")).toBeInTheDocument());
    });
    await step("online, it goes out first thing", async () => {
      await userEvent.click(canvas.getByRole("button", { name: "Go online" }));
      await waitFor(() => expect(replies).toHaveTextContent("echo: oneecho: two"));
      expect(canvas.getByText("0 queued")).toBeInTheDocument();
    });
  }),
};
