import { RealtimeProvider, useRealtime } from "@wirekit/react";

interface Message {
  readonly user: string;
  readonly text: string;
}

/** One channel on the provider's WebSocket: resumed from its last id after every reconnect. */
function Room() {
  const { history, publish } = useRealtime<Message>("room:lobby", {
    delivery: { mode: "history", size: 50 },
  });
  return (
    <section>
      <ul>
        {history.map((message, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a history only appends.
          <li key={index}>
            {message.user}: {message.text}
          </li>
        ))}
      </ul>
      <button type="button" onClick={() => void publish({ user: "ada", text: "hello" })}>
        Say hello
      </button>
    </section>
  );
}

export function App() {
  return (
    <RealtimeProvider endpoint={{ url: "wss://example.com/realtime" }}>
      <Room />
    </RealtimeProvider>
  );
}
