// The example of docs/testing.md, run: the fakes drive wirekit's real ConnectionManager on a virtual clock.
import { ConnectionManager, eventStreamEndpoint, webSocketEndpoint } from "@wirekit/core";
import {
  createFakeServer,
  createPageLifecycleControls,
  createVirtualClock,
} from "@wirekit/testing";
import { expect, it } from "vitest";

it("drives a shared WebSocket connection through pause, resume and a server drop", () => {
  const clock = createVirtualClock();
  const page = createPageLifecycleControls();
  const server = createFakeServer({ clock });
  server.onConnection((socket) => socket.send("welcome"));

  const manager = new ConnectionManager({ clock, lifecycle: page });
  const { connection } = manager.acquire(
    webSocketEndpoint({
      url: "ws://chat.test/room",
      WebSocket: server.WebSocket,
    }),
  );
  const messages: unknown[] = [];
  connection.onMessage((message) => messages.push(message.data));

  clock.advance(0);
  expect(connection.getSnapshot().status).toBe("open");
  expect(messages).toEqual(["welcome"]);

  page.hide();
  clock.advance(10_000);
  expect(connection.getSnapshot().status).toBe("paused");
  expect(server.openConnections).toBe(0);

  page.show();
  clock.advance(0);
  expect(connection.getSnapshot().status).toBe("open");
  expect(messages).toEqual(["welcome", "welcome"]);

  server.drop();
  clock.advance(0);
  expect(connection.getSnapshot()).toMatchObject({
    status: "reconnecting",
    error: { code: "closed", closeCode: 1006 },
  });
  clock.advance(30_000);
  expect(connection.getSnapshot().status).toBe("open");
  expect(server.totalConnections).toBe(3);
  manager.closeAll();
});

it("drives an event stream that resumes from its last event id", () => {
  // A new native EventSource cannot send Last-Event-ID, so wirekit resumes it through the
  // lastEventId query parameter; a server reads either.
  const clock = createVirtualClock();
  const server = createFakeServer({ clock });
  const resumedFrom: string[] = [];
  server.onRequest((stream) => {
    const lastEventId = new URL(stream.url).searchParams.get("lastEventId") ?? stream.lastEventId;
    resumedFrom.push(lastEventId);
    const next = Number(lastEventId || 0) + 1;
    stream.event({ data: `event ${next}`, id: String(next) });
  });
  const manager = new ConnectionManager({ clock, lifecycle: createPageLifecycleControls() });
  const { connection } = manager.acquire(
    eventStreamEndpoint({
      url: "http://events.test/stream",
      EventSource: server.EventSource,
    }),
  );
  const data: unknown[] = [];
  connection.onMessage((message) => data.push(message.data));
  clock.advance(0);
  server.drop();
  clock.advance(30_000);
  expect(data).toEqual(["event 1", "event 2"]);
  expect(resumedFrom).toEqual(["", "1"]);
  manager.closeAll();
});
