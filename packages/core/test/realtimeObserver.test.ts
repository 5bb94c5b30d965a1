// Why notifications are batched per frame, not per microtask: measured with the real Connection
// over @wirekit/testing's server, which (like a browser) delivers each message in its own task.
import { ConnectionManager, RealtimeObserver, scheduleFrame } from "@wirekit/core";
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
    source: {
      kind: "stream",
      endpoint: { transport: "sse", url: "http://stream.test/", EventSource: server.EventSource },
    },
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
