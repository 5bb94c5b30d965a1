import { RealtimeProvider } from "@wirekit/react";
import { ChatRoom } from "./ChatRoom.tsx";
import { LiveMetricCard } from "./LiveMetricCard.tsx";

export interface AppProps {
  /** Where @wirekit/server listens, e.g. "http://127.0.0.1:8787". */
  api: string;
  /** Who is chatting. */
  user: string;
}

export function App({ api, user }: AppProps) {
  return (
    <RealtimeProvider endpoint={{ url: `${api.replace(/^http/, "ws")}/channels` }}>
      <main>
        <h1>A stranger's app</h1>
        <LiveMetricCard url={`${api}/events?channels=cpu`} event="cpu" title="CPU" />
        <ChatRoom room="lobby" user={user} />
      </main>
    </RealtimeProvider>
  );
}
