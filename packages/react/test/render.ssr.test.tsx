// Server rendering: every hook renders inert, touching no browser global.
import {
  RealtimeProvider,
  useConnectionStatus,
  useEventStream,
  usePresence,
  useRealtime,
  useSocket,
} from "@wirekit/react";
import { watchGlobals } from "@wirekit/testing";
import { renderToString } from "react-dom/server";
import { expect, it } from "vitest";

const guarded = [
  "window",
  "document",
  "navigator",
  "location",
  "EventSource",
  "WebSocket",
  "requestAnimationFrame",
  "fetch",
  "localStorage",
  "sessionStorage",
  "crypto",
] as const;
function Everything() {
  const stream = useEventStream("https://example.test/events", { headers: { A: "b" } });
  const socket = useSocket("wss://example.test/socket");
  const channel = useRealtime("room");
  const status = useConnectionStatus();
  const here = usePresence("room", { data: { nick: "ada" } });
  return (
    <p>
      {[stream.status, socket.status, channel.status, status.status].join(" ")}{" "}
      {`${here.members.length} present`}
    </p>
  );
}

it("renders every hook as idle on the server and touches no browser global", () => {
  const watch = watchGlobals(guarded);
  let html: string;
  try {
    html = renderToString(
      <RealtimeProvider endpoint={{ url: "wss://example.test/realtime" }}>
        <Everything />
      </RealtimeProvider>,
    );
  } finally {
    watch.restore();
  }
  expect(html).toContain("idle idle idle idle");
  expect(html).toContain("0 present");
  expect([...watch.touched]).toEqual([]);
});
