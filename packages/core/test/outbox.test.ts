// What a WebSocket connection sends, and when: the server's pace, the order of a new session's
// frames, and the window in which a socket is closing but its close event has not come yet.
import {
  ChannelClient,
  ConnectionError,
  type ConnectionOptions,
  type ConnectionStatus,
  PublishError,
  TokenBucket,
} from "@wirekit/core";
import { describe, expect, it } from "vitest";
import { type ScriptedSession, scriptedConnection } from "./support/scriptedTransport.js";

function setup(options: Partial<ConnectionOptions> = {}) {
  const { clock, transport, connection } = scriptedConnection(options);
  const statuses: ConnectionStatus[] = [];
  connection.subscribe(() => statuses.push(connection.getSnapshot().status));
  return { clock, transport, connection, statuses };
}

type Frame = Record<string, unknown>;
const framesOf = (session: ScriptedSession): Frame[] =>
  session.sent.map((data) => JSON.parse(String(data)) as Frame);

/** Settles `promise` into a word a test can compare: how it ended. */
function outcome(promise: Promise<unknown>): { value: string | undefined } {
  const result: { value: string | undefined } = { value: undefined };
  promise.then(
    () => {
      result.value = "acked";
    },
    (error: unknown) => {
      result.value = error instanceof PublishError ? `PublishError ${error.code}` : String(error);
    },
  );
  return result;
}

describe("the server's pace", () => {
  it("never sends more in any window than a fixed-window limit allows", () => {
    const { clock, transport, connection } = setup();
    connection.pace(new TokenBucket({ messages: 100, per: 1000 }, clock));
    connection.connect();
    transport.last.open();
    const sentAt: number[] = [];
    const start = clock.now();
    for (let n = 0; n < 1000; n++)
      connection.send(String(n), { onSent: () => sentAt.push(clock.now()) });
    clock.advance(30_000);
    expect(transport.last.sent).toEqual(Array.from({ length: 1000 }, (_, n) => String(n)));
    // However the server's windows fall, none of them sees more than 100 frames.
    for (let offset = 0; offset < 1000; offset += 50) {
      const windows = new Map<number, number>();
      for (const at of sentAt) {
        const window = Math.floor((at - start + offset) / 1000);
        windows.set(window, (windows.get(window) ?? 0) + 1);
      }
      expect(Math.max(...windows.values())).toBeLessThanOrEqual(100);
    }
    expect(connection.getSnapshot().queued).toBe(0);
  });

  it("flushes 1,000 queued publishes under the server's limit, none rejected", () => {
    const { clock, transport, connection } = setup();
    const channels = new ChannelClient(connection, { clock });
    channels.subscribe("room", () => {});
    const results = Array.from({ length: 1000 }, (_, n) => outcome(channels.publish("room", n)));
    expect(connection.getSnapshot().queued).toBe(1000);
    connection.connect();
    transport.last.open();
    transport.last.message({
      data: JSON.stringify({ type: "limits", messages: 100, per: 1000, maxFrameSize: 65_536 }),
    });
    // A server that acks each publish as it arrives.
    let acked = 0;
    for (let second = 0; second < 30; second++) {
      clock.advance(1000);
      for (const frame of framesOf(transport.last).slice(1 + acked)) {
        transport.last.message({ data: JSON.stringify({ type: "ack", ack: frame["ack"] }) });
        acked++;
      }
    }
    return Promise.resolve().then(() => {
      expect(framesOf(transport.last)[0]).toEqual({ type: "subscribe", channel: "room" });
      expect(acked).toBe(1000);
      expect(results.filter((result) => result.value !== "acked")).toEqual([]);
      expect(channels.pending).toBe(0);
    });
  });

  it("does not age queued messages while a connection is taking them at the pace", () => {
    const { clock, transport, connection } = setup({ queue: { ttl: 5000 } });
    connection.pace(new TokenBucket({ messages: 10, per: 1000 }, clock));
    const dropped: string[] = [];
    for (let n = 0; n < 50; n++) {
      connection.send(String(n), { onDrop: (reason) => dropped.push(`${n} ${reason}`) });
    }
    clock.advance(4000);
    connection.connect();
    transport.last.open();
    clock.advance(10_000); // 7 a second: the last ones go out long after their ttl would end
    expect(dropped).toEqual([]);
    expect(transport.last.sent).toHaveLength(50);
  });

  it("still drops what went stale before a connection came", () => {
    const { clock, transport, connection } = setup({ queue: { ttl: 5000 } });
    const dropped: string[] = [];
    connection.send("old", { onDrop: (reason) => dropped.push(reason) });
    clock.advance(6000);
    connection.connect();
    transport.last.open();
    expect(dropped).toEqual(["expired"]);
    expect(transport.last.sent).toEqual([]);
  });

  it("sends a new session's frames first: the hello, then subscriptions, then the queue", () => {
    const { clock, transport, connection } = setup({
      hello: () => JSON.stringify({ type: "auth", token: "t" }),
    });
    const channels = new ChannelClient(connection, {
      clock,
      sendRate: { messages: 10, per: 1000 },
    });
    for (const name of ["a", "b", "c"]) channels.subscribe(name, () => {});
    void channels.publish("a", "queued").catch(() => {});
    connection.connect();
    transport.last.open();
    clock.advance(5000);
    expect(framesOf(transport.last).map((frame) => frame["type"])).toEqual([
      "auth",
      "subscribe",
      "subscribe",
      "subscribe",
      "publish",
    ]);
  });
});

describe("the closing window", () => {
  it("leaves open as soon as a send finds the socket closing, and loses nothing", async () => {
    const { clock, transport, connection, statuses } = setup();
    const channels = new ChannelClient(connection, { clock });
    channels.subscribe("room", () => {});
    connection.connect();
    transport.last.open();
    const inFlight = outcome(channels.publish("room", "sent before"));
    expect(framesOf(transport.last).at(-1)).toMatchObject({ data: "sent before" });

    transport.last.closing();
    const during = outcome(channels.publish("room", "sent while closing"));
    expect(() => connection.send("raw while closing")).not.toThrow();
    expect(statuses.at(-1)).toBe("reconnecting");
    await Promise.resolve();
    // It went out, and may or may not have arrived: the application decides (PROTOCOL.md 4).
    expect(inFlight.value).toBe("PublishError disconnected");
    expect(during.value).toBeUndefined();
    expect(connection.getSnapshot().queued).toBe(2);

    transport.last.drop(new ConnectionError("closed", "bye", { closeCode: 1001 }));
    clock.advance(1000);
    transport.last.open();
    const [subscribe, publish, raw] = transport.last.sent;
    expect(JSON.parse(String(subscribe))).toEqual({ type: "subscribe", channel: "room" });
    expect(JSON.parse(String(publish))).toMatchObject({ data: "sent while closing" });
    expect(raw).toBe("raw while closing");
    const { ack } = JSON.parse(String(publish)) as { ack: string };
    transport.last.message({ data: JSON.stringify({ type: "ack", ack }) });
    await Promise.resolve();
    expect(during.value).toBe("acked");
    expect(channels.pending).toBe(0);
  });

  it("gives up on a close event that never comes", () => {
    const { clock, transport, connection } = setup({ connectTimeout: 5000 });
    connection.connect();
    transport.last.open();
    transport.last.closing();
    connection.send("x");
    expect(connection.getSnapshot().status).toBe("reconnecting");
    clock.advance(5000);
    expect(connection.getSnapshot().error).toMatchObject({ code: "network" });
    clock.advance(1000);
    expect(transport.sessions).toHaveLength(2);
  });
});

describe("the server's limits", () => {
  it("rejects a publish over the server's frame size without sending it", async () => {
    const { clock, transport, connection } = setup();
    const channels = new ChannelClient(connection, { clock });
    connection.connect();
    transport.last.open();
    transport.last.message({ data: JSON.stringify({ type: "limits", maxFrameSize: 100 }) });
    const big = outcome(channels.publish("room", "x".repeat(200)));
    await Promise.resolve();
    expect(big.value).toBe("PublishError too-large");
    expect(transport.last.sent).toEqual([]);
  });

  it("counts the server's frame size in UTF-8 bytes, not in characters", async () => {
    const { clock, transport, connection } = setup();
    const channels = new ChannelClient(connection, { clock });
    connection.connect();
    transport.last.open();
    transport.last.message({ data: JSON.stringify({ type: "limits", maxFrameSize: 100 }) });
    // Under 100 UTF-16 code units as a frame, over 100 bytes.
    const text = "é".repeat(40);
    const big = outcome(channels.publish("room", text));
    const small = outcome(channels.publish("room", "é".repeat(10)));
    await Promise.resolve();
    expect(big.value).toBe("PublishError too-large");
    expect(small.value).toBeUndefined();
    expect(framesOf(transport.last)).toMatchObject([{ type: "publish", data: "é".repeat(10) }]);
  });

  it("sends a publish refused as rate-limited again, and gives up after rateLimitedRetries", async () => {
    const { clock, transport, connection } = setup();
    const channels = new ChannelClient(connection, { clock, rateLimitedRetries: 2 });
    connection.connect();
    transport.last.open();
    const result = outcome(channels.publish("room", "hello"));
    const refuse = () => {
      const ack = framesOf(transport.last).at(-1)?.["ack"];
      transport.last.message({
        data: JSON.stringify({ type: "error", code: "rate-limited", reason: "slow down", ack }),
      });
    };
    refuse();
    clock.advance(1000);
    refuse();
    clock.advance(1000);
    expect(framesOf(transport.last).filter((frame) => frame["type"] === "publish")).toHaveLength(3);
    refuse();
    await Promise.resolve();
    expect(result.value).toBe("PublishError server");
    expect(channels.pending).toBe(0);
  });
});
