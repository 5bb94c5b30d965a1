import { useSocket } from "@wirekit/react";

/** A WebSocket: what you send while it is down waits in the queue and goes out on reconnect. */
export function Echo() {
  const { status, history, queued, send } = useSocket<string>("wss://example.com/echo", {
    parse: "text",
    delivery: { mode: "history", size: 20 },
  });
  return (
    <section>
      <button type="button" onClick={() => send("ping")}>
        Send ping
      </button>{" "}
      {status}, {queued} queued
      <ol>
        {history.map((reply, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a history only appends.
          <li key={index}>{reply}</li>
        ))}
      </ol>
    </section>
  );
}
