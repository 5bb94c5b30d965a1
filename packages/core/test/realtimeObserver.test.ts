// Why notifications are batched per frame, not per microtask: measured with the real Connection
// over @wirekit/testing's server, which (like a browser) delivers each message in its own task.
import {
  ConnectionManager,
  eventStreamEndpoint,
  RealtimeObserver,
  scheduleFrame,
  streamSource,
} from "@wirekit/core";
import { createFakeServer, createPageLifecycleControls } from "@wirekit/testing";
import { describe, expect, it, onTestFinished, vi } from "vitest";

async function notificationsFor(schedule: (callback: () => void) => () => void) {
  const server = createFakeServer();
  server.onRequest((stream) => {
    for (let n = 1; n <= 500; n++) stream.event({ data: String(n) });
  });
  const manager = new ConnectionManager({ lifecycle: createPageLifecycleControls() });
  onTestFinished(() => manager.closeAll());
  const observer = new RealtimeObserver<number, number>(manager, {
    source: streamSource(
      eventStreamEndpoint({
        url: "http://stream.test/",
        EventSource: server.EventSource,
      }),
    ),
    parse: Number,
    delivery: { mode: "reducer", reducer: (count) => count + 1, initialState: 0 },
    schedule,
  });
  let notifications = 0;
  observer.subscribe(() => notifications++);
  const unmount = observer.mount();
  onTestFinished(unmount);
  await vi.waitFor(() => expect(observer.getSnapshot().state).toBe(500));
  await vi.waitFor(() => expect(observer.getSnapshot().received).toBe(500));
  return notifications;
}

const perMicrotask = (callback: () => void) => {
  let cancelled = false;
  queueMicrotask(() => cancelled || callback());
  return () => {
    cancelled = true;
  };
};

describe("RealtimeObserver batching", () => {
  it("notifies a few times per burst per frame, where per microtask is once per message; both lose nothing", async () => {
    const microtask = await notificationsFor(perMicrotask);
    const frame = await notificationsFor(scheduleFrame);
    // Every message arrives in its own task, so a microtask runs after each one.
    expect(microtask).toBeGreaterThanOrEqual(500);
    expect(frame).toBeLessThanOrEqual(20);
  });
});

describe("RealtimeObserver message info", () => {
  it("hands the reducer and onMessage each message's id and event name", async () => {
    const server = createFakeServer();
    server.onRequest((stream) => {
      stream.event({ event: "load", data: "0.5", id: "7" });
      stream.event({ event: "ignored", data: "x", id: "8" });
      stream.event({ data: "plain", id: "9" });
    });
    const manager = new ConnectionManager({ lifecycle: createPageLifecycleControls() });
    onTestFinished(() => manager.closeAll());
    const seen: string[] = [];
    const observer = new RealtimeObserver<string, string[]>(manager, {
      source: streamSource(
        eventStreamEndpoint({
          url: "http://stream.test/",
          EventSource: server.EventSource,
          events: ["load", "ignored"],
        }),
        ["load"],
      ),
      delivery: {
        mode: "reducer",
        reducer: (log, message, { id, event }) => [...log, `${id} ${event} ${message}`],
        initialState: [],
      },
      onMessage: (message, info) => seen.push(`${info.id} ${info.event} ${message}`),
    });
    onTestFinished(observer.mount());
    await vi.waitFor(() => expect(observer.getSnapshot().received).toBe(2));
    expect(observer.getSnapshot().state).toEqual(["7 load 0.5", "9 message plain"]);
    expect(seen).toEqual(["7 load 0.5", "9 message plain"]);
  });
});

describe("RealtimeObserver history", () => {
  it("keeps the newest `size` messages, and a new array only when a message came", async () => {
    const server = createFakeServer();
    server.onRequest((stream) => {
      for (const data of ["a", "b", "c"]) stream.event({ data });
    });
    const manager = new ConnectionManager({ lifecycle: createPageLifecycleControls() });
    onTestFinished(() => manager.closeAll());
    const observer = new RealtimeObserver<string>(manager, {
      source: streamSource(
        eventStreamEndpoint({ url: "http://stream.test/", EventSource: server.EventSource }),
      ),
      delivery: { mode: "history", size: 2 },
    });
    onTestFinished(observer.mount());
    await vi.waitFor(() => expect(observer.getSnapshot().received).toBe(3));
    const { history } = observer.getSnapshot();
    expect(history).toEqual(["b", "c"]);
    observer.close();
    expect(observer.getSnapshot().status).toBe("closed");
    expect(observer.getSnapshot().history).toBe(history);
  });

  it("leaves the history empty, one array throughout, in the other modes", async () => {
    const server = createFakeServer();
    server.onRequest((stream) => {
      for (const data of ["a", "b"]) stream.event({ data });
    });
    const manager = new ConnectionManager({ lifecycle: createPageLifecycleControls() });
    onTestFinished(() => manager.closeAll());
    const observer = new RealtimeObserver<string>(manager, {
      source: streamSource(
        eventStreamEndpoint({ url: "http://stream.test/", EventSource: server.EventSource }),
      ),
    });
    const { history } = observer.getSnapshot();
    onTestFinished(observer.mount());
    await vi.waitFor(() => expect(observer.getSnapshot().received).toBe(2));
    expect(observer.getSnapshot().data).toBe("b");
    expect(observer.getSnapshot().history).toBe(history);
    expect(history).toEqual([]);
  });
});
