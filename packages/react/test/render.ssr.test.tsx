// Server rendering: every hook renders inert, touching no browser global.
import {
  RealtimeProvider,
  useConnectionStatus,
  useEventStream,
  useRealtime,
  useSocket,
} from "@wirekit/react";
import { renderToString } from "react-dom/server";
import { afterEach, expect, it } from "vitest";

const guarded = [
  "window",
  "document",
  "navigator",
  "location",
  "EventSource",
  "WebSocket",
  "requestAnimationFrame",
  "fetch",
] as const;
const restores: Array<() => void> = [];
afterEach(() => {
  for (const restore of restores.splice(0)) restore();
});

function trapGlobals(touched: Set<string>): void {
  for (const name of guarded) {
    const descriptor = Object.getOwnPropertyDescriptor(globalThis, name);
    Object.defineProperty(globalThis, name, {
      configurable: true,
      get() {
        touched.add(name);
        return descriptor?.get ? descriptor.get.call(globalThis) : descriptor?.value;
      },
    });
    restores.push(() => {
      if (descriptor) Object.defineProperty(globalThis, name, descriptor);
      else delete (globalThis as Record<string, unknown>)[name];
    });
  }
}

function Everything() {
  const stream = useEventStream("https://example.test/events", { headers: { A: "b" } });
  const socket = useSocket("wss://example.test/socket");
  const channel = useRealtime("room");
  const status = useConnectionStatus();
  return <p>{[stream.status, socket.status, channel.status, status.status].join(" ")}</p>;
}

it("renders every hook as idle on the server and touches no browser global", () => {
  const touched = new Set<string>();
  trapGlobals(touched);
  const html = renderToString(
    <RealtimeProvider endpoint={{ url: "wss://example.test/realtime" }}>
      <Everything />
    </RealtimeProvider>,
  );
  expect(html).toContain("idle idle idle idle");
  expect([...touched]).toEqual([]);
});
