import {
  Connection,
  ConnectionError,
  type DropReason,
  type Frame,
  Outbox,
  type OutgoingQueueOptions,
} from "@wirekit/core";
import { createPageLifecycleControls, createVirtualClock } from "@wirekit/testing";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import { scriptedConnection, scriptedTransport } from "./support/scriptedTransport.js";

/** An outbox with no session yet: what is sent waits in its queue. */
function queueWith(options: OutgoingQueueOptions = {}) {
  const clock = createVirtualClock();
  const queue = new Outbox({
    queue: options,
    hello: undefined,
    clock,
    onChange: () => {},
    onClosing: () => {},
  });
  const drops: Array<[string, DropReason]> = [];
  const enqueue = (data: string | ArrayBuffer) =>
    queue.send(data, {
      onDrop: (reason) => drops.push([typeof data === "string" ? data : "bytes", reason]),
    });
  /** A session opens and takes everything queued; it closes again. */
  const flushed = () => {
    const sent: unknown[] = [];
    queue.open((data) => sent.push(data) > 0);
    queue.detach();
    return sent;
  };
  return { clock, queue, drops, enqueue, flushed };
}

describe("the outgoing queue", () => {
  it("tells each message's sender when it went out", () => {
    const { queue } = queueWith();
    const sent: string[] = [];
    queue.send("a", { onSent: () => sent.push("a sent") });
    queue.send("b", { onSent: () => sent.push("b sent") });
    queue.open((data: Frame) => sent.push(`socket ${String(data)}`) > 0);
    expect(sent).toEqual(["socket a", "a sent", "socket b", "b sent"]);
  });

  it("sends a message sent from an onSent once, behind what was queued before it", () => {
    const { queue } = queueWith();
    queue.send("a", { onSent: () => queue.send("c", {}) });
    queue.send("b", {});
    const sent: unknown[] = [];
    queue.open((data) => sent.push(data) > 0);
    expect(sent).toEqual(["a", "b", "c"]);
    expect(queue.queued).toBe(0);
  });

  it("reports an onSent that throws and says the message went out, sent at once or queued", () => {
    const { queue } = queueWith();
    const rethrown: Array<() => void> = [];
    vi.stubGlobal("queueMicrotask", (task: () => void) => rethrown.push(task));
    onTestFinished(() => {
      vi.unstubAllGlobals();
    });
    const bug = () => {
      throw new Error("listener bug");
    };
    queue.send("queued", { onSent: bug });
    const sent: unknown[] = [];
    queue.open((data) => sent.push(data) > 0);
    // Thrown out of send, it would read as "not sent", and a caller would send it again.
    expect(queue.send("now", { onSent: bug })).toBe(true);
    expect(sent).toEqual(["queued", "now"]);
    expect(rethrown).toHaveLength(2);
  });

  it("hands messages out in order", () => {
    const { enqueue, flushed, queue } = queueWith();
    enqueue("a");
    enqueue("b");
    enqueue(new Uint8Array([1, 2]).buffer);
    expect(queue.queued).toBe(3);
    expect(flushed()).toEqual(["a", "b", new Uint8Array([1, 2]).buffer]);
    expect(queue.queued).toBe(0);
    expect(flushed()).toEqual([]);
  });

  it("refuses a message past maxMessages with 'reject', and says so", () => {
    const { enqueue, flushed, drops, queue } = queueWith({ maxMessages: 2 });
    expect(enqueue("a")).toBe(true);
    expect(enqueue("b")).toBe(true);
    expect(enqueue("c")).toBe(false);
    expect(drops).toEqual([["c", "rejected"]]);
    expect(queue.dropped).toBe(1);
    expect(flushed()).toEqual(["a", "b"]);
  });

  it("counts bytes as UTF-8 against maxBytes", () => {
    const { enqueue, drops } = queueWith({ maxBytes: 10 });
    expect(enqueue("héllo")).toBe(true); // 6 bytes
    expect(enqueue("😀")).toBe(true); // 4 bytes
    expect(enqueue("x")).toBe(false);
    expect(drops).toEqual([["x", "rejected"]]);
  });

  it("makes room by dropping the oldest with 'drop-oldest'", () => {
    const { enqueue, flushed, drops, queue } = queueWith({
      maxMessages: 2,
      whenFull: "drop-oldest",
    });
    enqueue("a");
    enqueue("b");
    expect(enqueue("c")).toBe(true);
    expect(drops).toEqual([["a", "evicted"]]);
    expect(queue.dropped).toBe(1);
    expect(flushed()).toEqual(["b", "c"]);
  });

  it("refuses a message bigger than maxBytes on its own, whatever the policy", () => {
    const { enqueue, drops, queue } = queueWith({ maxBytes: 4, whenFull: "drop-oldest" });
    enqueue("ab");
    expect(enqueue("abcde")).toBe(false);
    expect(drops).toEqual([["abcde", "rejected"]]);
    expect(queue.queued).toBe(1);
  });

  it("refuses what a queue of no messages cannot hold, rather than making room forever", () => {
    let changes = 0;
    const queue = new Outbox({
      queue: { maxMessages: 0, whenFull: "drop-oldest" },
      hello: undefined,
      clock: createVirtualClock(),
      // Each attempt to make room is a change: a queue that never stops trying ends the test.
      onChange: () => {
        if (++changes > 100) throw new Error("still making room");
      },
      onClosing: () => {},
    });
    const reasons: DropReason[] = [];
    expect(queue.send("a", { onDrop: (reason) => reasons.push(reason) })).toBe(false);
    expect(reasons).toEqual(["rejected"]);
    expect(queue.dropped).toBe(1);
  });

  it("drops a message when its time to live is over, not before", () => {
    const { enqueue, flushed, drops, clock } = queueWith({ ttl: 1000 });
    enqueue("old");
    clock.advance(500);
    enqueue("new");
    clock.advance(499);
    expect(drops).toEqual([]);
    clock.advance(1);
    expect(drops).toEqual([["old", "expired"]]);
    clock.advance(500);
    expect(drops).toEqual([
      ["old", "expired"],
      ["new", "expired"],
    ]);
    expect(flushed()).toEqual([]);
  });

  it("does not age messages while a session holds them, queued before it or during it", () => {
    const { enqueue, drops, clock, queue } = queueWith({ ttl: 1000 });
    // A server's pace that never gives a turn: the session holds what is queued.
    queue.pace({ take: () => false, charge: () => {}, wait: () => 60_000 });
    enqueue("before");
    clock.advance(400);
    queue.open(() => true);
    enqueue("during");
    clock.advance(5000);
    queue.detach();
    clock.advance(599);
    expect(drops).toEqual([]);
    clock.advance(1);
    expect(drops).toEqual([["before", "expired"]]);
    clock.advance(400);
    expect(drops).toEqual([
      ["before", "expired"],
      ["during", "expired"],
    ]);
  });

  it("keeps messages forever with ttl Infinity", () => {
    const { enqueue, flushed, clock } = queueWith({ ttl: Number.POSITIVE_INFINITY });
    enqueue("a");
    clock.advance(365 * 24 * 3600 * 1000);
    expect(clock.pendingTimers).toBe(0);
    expect(flushed()).toEqual(["a"]);
  });

  it("clears with 'cleared', and survives an onDrop that throws", () => {
    const { queue, clock } = queueWith();
    const reasons: DropReason[] = [];
    queue.send("a", {
      onDrop: () => {
        throw new Error("listener bug");
      },
    });
    queue.send("b", { onDrop: (reason) => reasons.push(reason) });
    let rethrown = 0;
    const original = globalThis.queueMicrotask;
    globalThis.queueMicrotask = () => {
      rethrown++;
    };
    try {
      queue.clear();
    } finally {
      globalThis.queueMicrotask = original;
    }
    expect(reasons).toEqual(["cleared"]);
    expect(rethrown).toBe(1);
    expect(queue.dropped).toBe(2);
    expect(clock.pendingTimers).toBe(0);
  });

  it("rejects an unknown policy", () => {
    expect(() => queueWith({ whenFull: "block" as never })).toThrow(/whenFull/);
  });
});

describe("Connection with its outgoing queue", () => {
  function setup(queue?: OutgoingQueueOptions) {
    return scriptedConnection(queue === undefined ? {} : { queue });
  }

  it("queues while not open and flushes in order before anyone hears it opened", () => {
    const { connection, transport } = setup();
    connection.connect();
    connection.send("one");
    connection.send("two");
    expect(connection.getSnapshot().queued).toBe(2);
    let sentWhenOpen: unknown[] = [];
    connection.subscribe(() => {
      if (connection.getSnapshot().status === "open") sentWhenOpen = [...transport.last.sent];
    });
    transport.last.open();
    expect(sentWhenOpen).toEqual(["one", "two"]);
    expect(connection.getSnapshot().queued).toBe(0);
    connection.send("three");
    expect(transport.last.sent).toEqual(["one", "two", "three"]);
  });

  it("keeps messages across a reconnect and counts every drop in the snapshot", () => {
    const { connection, transport, clock } = setup({ ttl: 5000, maxMessages: 2 });
    connection.connect();
    transport.last.open();
    transport.last.drop(new ConnectionError("closed", "dropped", { closeCode: 1006 }));
    connection.send("a");
    connection.send("b");
    expect(connection.send("c")).toBe(false);
    expect(connection.getSnapshot()).toMatchObject({ queued: 2, dropped: 1 });
    clock.advance(1000);
    transport.last.open();
    expect(transport.last.sent).toEqual(["a", "b"]);
    connection.close();
    expect(connection.getSnapshot().dropped).toBe(1);
  });

  it("drops what is still queued on close, with the reason", () => {
    const { connection } = setup();
    connection.connect();
    const reasons: DropReason[] = [];
    connection.send("never", { onDrop: (reason) => reasons.push(reason) });
    connection.close();
    expect(reasons).toEqual(["cleared"]);
    expect(connection.getSnapshot()).toMatchObject({ queued: 0, dropped: 1 });
  });

  it("throws instead of queueing when the queue is off, and always for an event stream", () => {
    const { connection } = setup();
    const off = new Connection({
      transport: scriptedTransport("websocket"),
      clock: createVirtualClock(),
      lifecycle: createPageLifecycleControls(),
      queue: false,
    });
    off.connect();
    expect(() => off.send("x")).toThrow(/queue is off/);
    const stream = new Connection({
      transport: scriptedTransport("sse"),
      lifecycle: createPageLifecycleControls(),
    });
    expect(() => stream.send("x")).toThrow(TypeError);
    expect(connection.getSnapshot().queued).toBe(0);
  });
});
