import {
  Connection,
  ConnectionError,
  type ConnectionOptions,
  exponentialBackoff,
  type HeartbeatOptions,
  MAX_TIMER_DELAY,
  type RetryDelayContext,
  shouldRetry,
  type Transport,
} from "@wirekit/core";
import { EventStreamParseError } from "@wirekit/core/event-source";
import { createPageLifecycleControls, createVirtualClock } from "@wirekit/testing";
import { describe, expect, it, vi } from "vitest";
import { scriptedTransport } from "./support/scriptedTransport.js";

const dropped = () => new ConnectionError("closed", "abnormal", { closeCode: 1006 });

function setup(
  options: Partial<ConnectionOptions> & {
    kind?: "sse" | "websocket";
    heartbeat?: HeartbeatOptions;
  } = {},
) {
  const { kind = "websocket", heartbeat, ...rest } = options;
  const clock = createVirtualClock();
  const page = createPageLifecycleControls();
  const transport = scriptedTransport(kind, heartbeat);
  const connection = new Connection({
    transport,
    clock,
    lifecycle: page,
    // A fixed delay unless a test is about the delay itself.
    retryDelay: () => 1000,
    ...rest,
  });
  const statuses: string[] = [];
  connection.subscribe(() => statuses.push(connection.getSnapshot().status));
  return { clock, page, transport, connection, statuses };
}

describe("Connection", () => {
  describe("status and snapshots", () => {
    it("goes idle → connecting → open, with one immutable snapshot per change", () => {
      const { connection, transport, statuses } = setup();
      const idle = connection.getSnapshot();
      expect(idle).toEqual({
        status: "idle",
        error: null,
        attempt: 0,
        nextRetryAt: null,
        queued: 0,
        dropped: 0,
      });
      expect(connection.getSnapshot()).toBe(idle);
      connection.connect();
      const connecting = connection.getSnapshot();
      expect(connecting.status).toBe("connecting");
      expect(Object.isFrozen(connecting)).toBe(true);
      transport.last.open();
      expect(statuses).toEqual(["connecting", "open"]);
      const open = connection.getSnapshot();
      // Messages change nothing in the snapshot: no re-render per message.
      transport.last.message({ data: "hello" });
      expect(connection.getSnapshot()).toBe(open);
    });

    it("delivers messages to every listener and stops on unsubscribe", () => {
      const { connection, transport } = setup();
      const seen: unknown[] = [];
      const stop = connection.onMessage((message) => seen.push(message.data));
      connection.connect();
      transport.last.open();
      transport.last.message({ data: "a" });
      stop();
      transport.last.message({ data: "b" });
      expect(seen).toEqual(["a"]);
    });

    it("rejects a missing transport and an unknown visibility policy", () => {
      expect(() => new Connection({} as ConnectionOptions)).toThrow(/transport/);
      expect(
        () =>
          new Connection({
            transport: scriptedTransport(),
            visibility: "sometimes" as never,
          }),
      ).toThrow(/visibility/);
    });
  });

  describe("retry", () => {
    it("waits the retry delay before reconnecting, and reports when", () => {
      const { connection, transport, clock } = setup();
      connection.connect();
      transport.last.open();
      transport.last.drop(dropped());
      const snapshot = connection.getSnapshot();
      expect(snapshot).toMatchObject({ status: "reconnecting", attempt: 1 });
      expect(snapshot.nextRetryAt).toBe(clock.now() + 1000);
      expect(snapshot.error).toMatchObject({ code: "closed", closeCode: 1006 });
      clock.advance(999);
      expect(transport.sessions).toHaveLength(1);
      clock.advance(1);
      expect(transport.sessions).toHaveLength(2);
      expect(connection.getSnapshot().nextRetryAt).toBeNull();
    });

    it("grows the delay with each failed attempt, and hands the server's advice to it", () => {
      const retryDelay = vi.fn((_: RetryDelayContext) => 500);
      const { connection, transport, clock } = setup({ retryDelay, kind: "sse" });
      connection.connect();
      transport.last.advise(7000);
      transport.last.drop(dropped());
      clock.advance(500);
      transport.last.drop(dropped());
      expect(retryDelay.mock.calls.map(([context]) => context)).toEqual([
        { attempt: 1, serverRetry: 7000, retryAfter: undefined },
        { attempt: 2, serverRetry: 7000, retryAfter: undefined },
      ]);
    });

    it("caps a server's month-long wait at the longest timer instead of retrying at once", () => {
      const { connection, transport, clock } = setup({
        kind: "sse",
        retryDelay: exponentialBackoff(),
      });
      connection.connect();
      transport.last.open();
      transport.last.advise(9_999_999_999); // retry: 9999999999
      transport.last.drop(dropped());
      // The virtual clock fires an overlong delay after 1 ms, as browsers and Node do.
      expect(connection.getSnapshot().nextRetryAt).toBe(clock.now() + MAX_TIMER_DELAY);
      clock.advance(60 * 60 * 1000);
      expect(transport.sessions).toHaveLength(1);

      const other = setup({ retryDelay: exponentialBackoff() });
      other.connection.connect();
      other.transport.last.drop(
        new ConnectionError("http-status", "busy", { status: 503, retryAfter: 2_592_000_000 }),
      );
      other.clock.advance(60 * 60 * 1000);
      expect(other.transport.sessions).toHaveLength(1);
      expect(other.connection.getSnapshot().status).toBe("reconnecting");
    });

    it("resets the attempt counter only after minUptime", () => {
      const { connection, transport, clock } = setup({ minUptime: 5000 });
      connection.connect();
      transport.last.drop(dropped());
      clock.advance(1000);
      transport.last.open();
      clock.advance(4999);
      expect(connection.getSnapshot().attempt).toBe(1);
      transport.last.drop(dropped());
      expect(connection.getSnapshot().attempt).toBe(2);
      clock.advance(1000);
      transport.last.open();
      clock.advance(5000);
      expect(connection.getSnapshot().attempt).toBe(0);
    });

    it("fails with retries-exhausted after maxAttempts", () => {
      const { connection, transport, clock } = setup({ maxAttempts: 2 });
      connection.connect();
      transport.last.drop(dropped());
      clock.advance(1000);
      transport.last.drop(dropped());
      clock.advance(1000);
      transport.last.drop(dropped());
      const snapshot = connection.getSnapshot();
      expect(snapshot.status).toBe("failed");
      expect(snapshot.error).toMatchObject({ code: "retries-exhausted" });
      expect((snapshot.error as ConnectionError).cause).toMatchObject({ closeCode: 1006 });
      clock.runAll();
      expect(transport.sessions).toHaveLength(3);
    });

    it.each([
      ["close 1008 (policy violation)", new ConnectionError("closed", "", { closeCode: 1008 })],
      ["close 1003 (unsupported data)", new ConnectionError("closed", "", { closeCode: 1003 })],
      ["HTTP 204", new ConnectionError("http-status", "", { status: 204 })],
      ["HTTP 404", new ConnectionError("http-status", "", { status: 404 })],
      ["an HTML page", new ConnectionError("content-type", "")],
      ["HTTP 401 without an auth hook", new ConnectionError("http-status", "", { status: 401 })],
    ])("fails at once on %s", (_, error) => {
      const { connection, transport, clock } = setup();
      connection.connect();
      transport.last.drop(error);
      expect(connection.getSnapshot()).toMatchObject({ status: "failed", error });
      clock.runAll();
      expect(transport.sessions).toHaveLength(1);
    });

    it("asks the auth hook after 401 and allows exactly one more attempt", async () => {
      const onAuthFailure = vi.fn(async () => true);
      const { connection, transport, clock } = setup({ onAuthFailure });
      connection.connect();
      transport.last.drop(new ConnectionError("http-status", "", { status: 401 }));
      expect(connection.getSnapshot().status).toBe("reconnecting");
      await clock.advanceAsync(0);
      expect(transport.sessions).toHaveLength(2);
      transport.last.drop(new ConnectionError("closed", "", { closeCode: 4401 }));
      await clock.advanceAsync(0);
      expect(onAuthFailure).toHaveBeenCalledTimes(1);
      expect(connection.getSnapshot()).toMatchObject({
        status: "failed",
        error: { closeCode: 4401 },
      });
    });

    it("opens one session when a retry wait began while the auth hook was still deciding", async () => {
      let grant: (allowed: boolean) => void = () => {};
      const onAuthFailure = () => new Promise<boolean>((resolve) => (grant = resolve));
      const { connection, transport, clock } = setup({ onAuthFailure });
      connection.connect();
      transport.last.drop(new ConnectionError("http-status", "", { status: 401 }));
      // While the hook waits (a login form), the user retries and that attempt drops: a retry
      // is now due.
      connection.reconnect();
      transport.last.drop(dropped());
      expect(connection.getSnapshot().nextRetryAt).not.toBeNull();
      grant(true);
      await clock.advanceAsync(0);
      expect(transport.sessions).toHaveLength(3);
      transport.last.open();
      await clock.advanceAsync(60_000);
      // The attempt the hook allowed replaced the one that was due: no second session behind it.
      expect(transport.sessions).toHaveLength(3);
      expect(connection.getSnapshot().status).toBe("open");
    });

    it("asks the auth hook again after a session that opened, though it was closing already", async () => {
      const onAuthFailure = vi.fn(async () => true);
      const { connection, transport, clock } = setup({
        onAuthFailure,
        hello: () => "auth",
      });
      connection.connect();
      transport.last.drop(new ConnectionError("closed", "", { closeCode: 4401 }));
      await clock.advanceAsync(0);
      expect(transport.sessions).toHaveLength(2);
      // The server took the socket and refused the credentials at once: the hello finds the
      // socket closing, and the refusal follows.
      transport.last.closing();
      transport.last.open();
      expect(connection.getSnapshot().status).toBe("reconnecting");
      transport.last.drop(new ConnectionError("closed", "", { closeCode: 4401 }));
      await clock.advanceAsync(0);
      expect(transport.sessions).toHaveLength(3);
      expect(onAuthFailure).toHaveBeenCalledTimes(2);
    });

    it("waits for the auth hook's answer when the page hides and shows while it decides", async () => {
      let grant: (allowed: boolean) => void = () => {};
      const onAuthFailure = () => new Promise<boolean>((resolve) => (grant = resolve));
      const { connection, transport, page, clock } = setup({ visibility: "close", onAuthFailure });
      connection.connect();
      transport.last.drop(new ConnectionError("closed", "", { closeCode: 4401 }));
      // The user signs in in another tab, and comes back before the hook has the new token.
      page.hide();
      expect(connection.getSnapshot().status).toBe("paused");
      page.show();
      expect(connection.getSnapshot().status).toBe("reconnecting");
      // No attempt with the credentials the hook is replacing: it would be refused for good.
      expect(transport.sessions).toHaveLength(1);
      grant(true);
      await clock.advanceAsync(0);
      expect(transport.sessions).toHaveLength(2);
      transport.last.open();
      expect(connection.getSnapshot().status).toBe("open");
    });

    it("fails when the auth hook says no", async () => {
      const { connection, transport, clock } = setup({ onAuthFailure: () => false });
      connection.connect();
      transport.last.drop(new ConnectionError("closed", "", { closeCode: 4403 }));
      await clock.advanceAsync(0);
      expect(connection.getSnapshot().status).toBe("failed");
      expect(transport.sessions).toHaveLength(1);
    });

    it("fails an attempt whose transport throws as it opens, and retries it like any other", () => {
      // A url function with no token yet, a URL that does not parse: the transport throws.
      const scripted = scriptedTransport();
      let refuse = true;
      const transport: Transport = Object.create(scripted, {
        open: {
          value: (...args: Parameters<Transport["open"]>) => {
            if (refuse) throw new TypeError("Invalid URL");
            return scripted.open(...args);
          },
        },
      });
      const { connection, clock } = setup({ transport });
      expect(() => connection.connect()).not.toThrow();
      expect(connection.getSnapshot()).toMatchObject({
        status: "reconnecting",
        attempt: 1,
        error: { code: "network", cause: expect.any(TypeError) },
      });
      refuse = false;
      clock.advance(1000);
      scripted.last.open();
      expect(connection.getSnapshot().status).toBe("open");
    });

    it("abandons an attempt that does not open within connectTimeout", () => {
      const { connection, transport, clock } = setup({ connectTimeout: 20_000 });
      connection.connect();
      clock.advance(19_999);
      expect(connection.getSnapshot().status).toBe("connecting");
      clock.advance(1);
      expect(connection.getSnapshot()).toMatchObject({
        status: "reconnecting",
        error: { code: "connect-timeout" },
      });
      expect(transport.sessions[0]?.closedByClient).toBe(true);
      clock.advance(1000);
      transport.last.open();
      clock.advance(60_000);
      expect(connection.getSnapshot().status).toBe("open");
    });

    it("reconnects at once on reconnect(), resetting the attempt counter", () => {
      const { connection, transport } = setup();
      connection.connect();
      transport.last.drop(dropped());
      expect(connection.getSnapshot().attempt).toBe(1);
      connection.reconnect();
      expect(transport.sessions).toHaveLength(2);
      expect(connection.getSnapshot()).toMatchObject({ status: "reconnecting", attempt: 0 });
    });

    it("starts over from failed on reconnect()", () => {
      const { connection, transport } = setup();
      connection.connect();
      transport.last.drop(new ConnectionError("closed", "", { closeCode: 1008 }));
      connection.reconnect();
      expect(connection.getSnapshot().status).toBe("connecting");
      expect(transport.sessions).toHaveLength(2);
    });

    it("keeps bad input on the error slot without dropping the connection", () => {
      const { connection, transport } = setup({ kind: "sse" });
      connection.connect();
      transport.last.open();
      const error = new EventStreamParseError("event-too-large", "too large");
      transport.last.badInput(error);
      expect(connection.getSnapshot()).toMatchObject({ status: "open", error });
    });

    it("closes for good when a listener closes it on hearing it is open", () => {
      const { connection, transport, clock } = setup({ heartbeat: { interval: 1000 } });
      connection.subscribe(() => {
        if (connection.getSnapshot().status === "open") connection.close();
      });
      connection.connect();
      transport.last.open();
      expect(connection.getSnapshot().status).toBe("closed");
      // Nothing of the session outlives it: no uptime timer, no ping, no wake check.
      expect(clock.pendingTimers).toBe(0);
      clock.advance(60_000);
      expect(transport.sessions).toHaveLength(1);
    });

    it("closes for good when a listener closes it on hearing the socket is closing", () => {
      const { connection, transport, clock } = setup({ hello: () => "auth" });
      connection.subscribe(() => {
        if (connection.getSnapshot().status === "reconnecting") connection.close();
      });
      connection.connect();
      // The server's close frame came first: the hello finds the socket closing.
      transport.last.closing();
      transport.last.open();
      expect(connection.getSnapshot().status).toBe("closed");
      // The deadline for the close event went with the session.
      expect(clock.pendingTimers).toBe(0);
    });

    it("closes for good when a queued message's onSent closes it as the session opens", () => {
      const { connection, transport, clock } = setup({ heartbeat: { interval: 1000 } });
      connection.connect();
      connection.send("bye", { onSent: () => connection.close() });
      transport.last.open();
      expect(transport.last.sent).toEqual(["bye"]);
      expect(connection.getSnapshot().status).toBe("closed");
      expect(clock.pendingTimers).toBe(0);
    });

    it("closes for good when a session handler closes it as the session opens", () => {
      const { connection, transport, clock } = setup({ heartbeat: { interval: 1000 } });
      connection.onSessionOpen(() => connection.close());
      connection.connect();
      transport.last.open();
      expect(connection.getSnapshot().status).toBe("closed");
      expect(clock.pendingTimers).toBe(0);
    });

    it("opens the next session, not the replaced one, after a reconnect() as a session opens", () => {
      const { connection, transport } = setup();
      connection.connect();
      connection.send("x", { onSent: () => connection.reconnect() });
      transport.last.open();
      expect(transport.sessions).toHaveLength(2);
      expect(transport.sessions[0]?.closedByClient).toBe(true);
      expect(connection.getSnapshot().status).toBe("reconnecting");

      // The same from a session handler: what is sent meanwhile waits for the new session.
      let first = true;
      connection.onSessionOpen(() => {
        if (first) connection.reconnect();
        first = false;
      });
      transport.last.open();
      expect(transport.sessions).toHaveLength(3);
      connection.send("y");
      transport.last.open();
      expect(connection.getSnapshot().status).toBe("open");
      expect(transport.last.sent).toEqual(["y"]);
    });

    it("drops a session frame sent late, through the send of a session that ended", () => {
      const { connection, transport } = setup();
      connection.connect();
      transport.last.open();
      // Registered while a session is open: called at once, then on every later session.
      let kept: ((data: string) => void) | undefined;
      connection.onSessionOpen((send) => {
        kept ??= send;
        send("subscribe");
      });
      transport.last.drop(dropped());
      connection.reconnect();
      transport.last.open();
      expect(transport.last.sent).toEqual(["subscribe"]);
      kept?.("late");
      expect(transport.last.sent).toEqual(["subscribe"]);
    });

    it("closes for good on close(): no retry, no timer left", () => {
      const { connection, transport, clock } = setup({ heartbeat: { interval: 1000 } });
      connection.connect();
      transport.last.open();
      connection.close();
      expect(connection.getSnapshot().status).toBe("closed");
      expect(transport.last.closedByClient).toBe(true);
      expect(clock.pendingTimers).toBe(0);
      connection.connect();
      transport.last.drop(dropped());
      connection.close();
      expect(clock.pendingTimers).toBe(0);
      expect(transport.sessions).toHaveLength(2);
    });
  });

  describe("page lifecycle", () => {
    it("pauses after the grace period when hidden, and resumes at once when visible", () => {
      const { connection, transport, clock, page } = setup({
        kind: "sse",
        visibilityGrace: 10_000,
      });
      connection.connect();
      transport.last.open();
      page.hide();
      clock.advance(9999);
      expect(connection.getSnapshot().status).toBe("open");
      clock.advance(1);
      expect(connection.getSnapshot().status).toBe("paused");
      expect(transport.last.closedByClient).toBe(true);
      clock.advance(60_000);
      expect(transport.sessions).toHaveLength(1);
      page.show();
      expect(transport.sessions).toHaveLength(2);
      expect(connection.getSnapshot()).toMatchObject({ status: "reconnecting", attempt: 0 });
    });

    it("keeps the connection through a quick tab switch", () => {
      const { connection, transport, clock, page } = setup();
      connection.connect();
      transport.last.open();
      page.hide();
      clock.advance(3000);
      page.show();
      clock.advance(60_000);
      expect(connection.getSnapshot().status).toBe("open");
      expect(transport.sessions).toHaveLength(1);
    });

    it("disconnects at once when hidden with visibility 'close'", () => {
      const { connection, transport, page } = setup({ visibility: "close" });
      connection.connect();
      transport.last.open();
      page.hide();
      expect(connection.getSnapshot().status).toBe("paused");
      page.show();
      expect(transport.sessions).toHaveLength(2);
    });

    it("stays connected and retries while hidden with visibility 'keep'", () => {
      const { connection, transport, clock, page } = setup({ visibility: "keep" });
      connection.connect();
      transport.last.open();
      page.hide();
      clock.advance(60_000);
      expect(connection.getSnapshot().status).toBe("open");
      transport.last.drop(dropped());
      clock.advance(1000);
      expect(transport.sessions).toHaveLength(2);
    });

    it("never retries while the page is hidden", () => {
      const { connection, transport, clock, page } = setup();
      connection.connect();
      transport.last.open();
      page.hide();
      transport.last.drop(dropped());
      expect(connection.getSnapshot().status).toBe("paused");
      clock.advance(10 * 60_000);
      expect(transport.sessions).toHaveLength(1);
      page.show();
      expect(transport.sessions).toHaveLength(2);
    });

    it("stops a waiting retry when the page is hidden before it is due", () => {
      const { connection, transport, clock, page } = setup({ retryDelay: () => 5000 });
      connection.connect();
      transport.last.drop(dropped());
      page.hide();
      clock.advance(5000);
      expect(connection.getSnapshot().status).toBe("paused");
      expect(transport.sessions).toHaveLength(1);
    });

    it("applies a new visibility policy at once while the page is hidden", () => {
      const { connection, transport, clock, page, statuses } = setup({ visibilityGrace: 10_000 });
      connection.connect();
      transport.last.open();
      page.hide();
      // pause → keep: the grace period ends, and the connection stays.
      connection.setVisibility("keep");
      clock.advance(60_000);
      expect(connection.getSnapshot().status).toBe("open");
      // keep → pause: the grace period starts now.
      connection.setVisibility("pause");
      clock.advance(9999);
      expect(connection.getSnapshot().status).toBe("open");
      clock.advance(1);
      expect(connection.getSnapshot().status).toBe("paused");
      // pause → close while paused: nothing more to do, not even a snapshot.
      const paused = connection.getSnapshot();
      const seen = statuses.length;
      connection.setVisibility("close");
      expect(connection.getSnapshot()).toBe(paused);
      expect(statuses).toHaveLength(seen);
      expect(clock.pendingTimers).toBe(0);
      // close → keep: a paused connection resumes at once.
      connection.setVisibility("keep");
      expect(transport.sessions).toHaveLength(2);
      expect(connection.getSnapshot().status).toBe("reconnecting");
      // keep → close: disconnects at once.
      transport.last.open();
      connection.setVisibility("close");
      expect(connection.getSnapshot().status).toBe("paused");
      expect(transport.last.closedByClient).toBe(true);
    });

    it("resumes when the page comes back from the back/forward cache", () => {
      const { connection, transport, page } = setup({ visibility: "close" });
      connection.connect();
      transport.last.open();
      page.hide();
      page.restoreFromCache();
      expect(transport.sessions).toHaveLength(2);
    });

    it("pauses offline and reconnects the moment the browser is back online", () => {
      const { connection, transport, clock, page } = setup({ retryDelay: () => 30_000 });
      connection.connect();
      transport.last.open();
      page.goOffline();
      expect(connection.getSnapshot().status).toBe("paused");
      clock.advance(60_000);
      expect(transport.sessions).toHaveLength(1);
      page.goOnline();
      expect(transport.sessions).toHaveLength(2);
    });

    it("retries at once when the browser reports online during a wait", () => {
      const { connection, transport, page } = setup({ retryDelay: () => 30_000 });
      connection.connect();
      transport.last.drop(dropped());
      expect(connection.getSnapshot().status).toBe("reconnecting");
      page.goOffline();
      page.goOnline();
      expect(transport.sessions).toHaveLength(2);
    });

    it("waits for the page to be visible before the first connect", () => {
      const { connection, transport, page } = setup();
      page.hide();
      connection.connect();
      expect(connection.getSnapshot().status).toBe("paused");
      expect(transport.sessions).toHaveLength(0);
      page.show();
      expect(transport.sessions).toHaveLength(1);
    });

    it("listens to the page only while connected", () => {
      const { connection, page } = setup();
      expect(page.listenerCount).toBe(0);
      connection.connect();
      expect(page.listenerCount).toBe(1);
      connection.close();
      expect(page.listenerCount).toBe(0);
    });
  });

  describe("heartbeats", () => {
    const heartbeat = { interval: 20_000, deadline: 5000, message: "ping" };

    it("pings on an interval and stays open while answers come", () => {
      const { connection, transport, clock } = setup({ heartbeat });
      connection.connect();
      transport.last.open();
      clock.advance(20_000);
      expect(transport.last.sent).toEqual(["ping"]);
      transport.last.activity();
      clock.advance(20_000);
      expect(transport.last.sent).toEqual(["ping", "ping"]);
      transport.last.message({ data: "pong" });
      clock.advance(5000);
      expect(connection.getSnapshot().status).toBe("open");
    });

    it("keeps pinging after the app's ping message threw once", () => {
      let calls = 0;
      const message = () => {
        if (++calls === 1) throw new Error("the app's bug");
        return "ping";
      };
      const { connection, transport, clock } = setup({ heartbeat: { ...heartbeat, message } });
      connection.connect();
      transport.last.open();
      expect(() => clock.advance(20_000)).toThrow("the app's bug");
      clock.advance(20_000);
      expect(transport.last.sent).toEqual(["ping"]);
      expect(connection.getSnapshot().status).toBe("open");
    });

    it("drops a socket that does not answer within the deadline, and reconnects", () => {
      const { connection, transport, clock } = setup({ heartbeat });
      connection.connect();
      transport.last.open();
      clock.advance(20_000 + 4999);
      expect(connection.getSnapshot().status).toBe("open");
      clock.advance(1);
      expect(connection.getSnapshot()).toMatchObject({
        status: "reconnecting",
        error: { code: "heartbeat-timeout" },
      });
      expect(transport.sessions[0]?.closedByClient).toBe(true);
      clock.advance(1000);
      expect(transport.sessions).toHaveLength(2);
    });

    it("does not judge a socket by a deadline timer that fired late, but asks again", () => {
      const { connection, transport, clock } = setup({ heartbeat });
      connection.connect();
      transport.last.open();
      clock.advance(20_000);
      // Timers frozen for a minute (a throttled background tab or a sleep), then fired late.
      clock.sleep(60_000);
      expect(connection.getSnapshot().status).toBe("open");
      expect(transport.last.sent.length).toBeGreaterThanOrEqual(2);
      transport.last.activity();
      clock.advance(5000);
      expect(connection.getSnapshot().status).toBe("open");
    });

    it("pings at once after the machine wakes from sleep", () => {
      const { connection, transport, clock } = setup({
        heartbeat: { ...heartbeat, interval: 600_000 },
      });
      connection.connect();
      transport.last.open();
      clock.sleep(30 * 60_000);
      expect(transport.last.sent).toEqual(["ping"]);
      clock.advance(5000);
      expect(connection.getSnapshot().error).toMatchObject({ code: "heartbeat-timeout" });
    });

    it("reconnects an event stream that went quiet past the watchdog; comments count", () => {
      const { connection, transport, clock } = setup({ kind: "sse", watchdog: 45_000 });
      connection.connect();
      transport.last.open();
      clock.advance(40_000);
      transport.last.activity();
      clock.advance(40_000);
      expect(connection.getSnapshot().status).toBe("open");
      clock.advance(5000);
      expect(connection.getSnapshot()).toMatchObject({
        status: "reconnecting",
        error: { code: "watchdog-timeout" },
      });
    });

    it("reconnects an event stream at once after the machine slept", () => {
      const { connection, transport, clock } = setup({ kind: "sse" });
      connection.connect();
      transport.last.open();
      clock.sleep(30 * 60_000);
      expect(connection.getSnapshot().status).toBe("reconnecting");
      expect(transport.sessions).toHaveLength(2);
    });
  });
});

describe("Connection hello", () => {
  it("sends the hello first on every connect, then session frames, then the queue", async () => {
    let token = "t1";
    const { connection, transport, clock } = setup({
      hello: () => JSON.stringify({ type: "auth", token }),
    });
    connection.onSessionOpen((send) => send("subscribe"));
    connection.connect();
    connection.send("queued");
    transport.last.open();
    expect(transport.last.sent).toEqual(['{"type":"auth","token":"t1"}', "subscribe", "queued"]);

    // A refreshed token is the one the next connection sends.
    token = "t2";
    transport.last.drop(dropped());
    await clock.advanceAsync(1000);
    transport.last.open();
    expect(transport.last.sent).toEqual(['{"type":"auth","token":"t2"}', "subscribe"]);
  });

  it("sends no ping ahead of a hello that waits for the server's pace", () => {
    const { connection, transport, page, clock } = setup({
      hello: () => "auth",
      heartbeat: { interval: 25_000, message: "ping" },
    });
    // The server's limit was spent by the session before: the next turn comes in a second.
    let turns = 0;
    connection.pace({ take: () => turns-- > 0, charge: () => {}, wait: () => 1000 });
    connection.connect();
    transport.last.open();
    // A quick tab switch: the page coming back checks the session at once, with a ping.
    page.hide();
    page.show();
    turns = Number.POSITIVE_INFINITY;
    clock.advance(1000);
    // PROTOCOL.md section 1a: a server that wants an `auth` frame refuses any other first frame.
    expect(transport.last.sent[0]).toBe("auth");
  });

  it("sends no hello over an event stream, which cannot send", () => {
    const hello = vi.fn(() => "hi");
    const { connection, transport } = setup({ kind: "sse", hello });
    connection.connect();
    transport.last.open();
    expect(hello).not.toHaveBeenCalled();
    expect(connection.getSnapshot().status).toBe("open");
  });
});

describe("exponentialBackoff", () => {
  it("draws from a range that doubles per attempt up to the cap", () => {
    const top = exponentialBackoff({ initialDelay: 1000, maxDelay: 8000, random: () => 0.999_999 });
    const bottom = exponentialBackoff({ initialDelay: 1000, maxDelay: 8000, random: () => 0 });
    const context = { serverRetry: undefined, retryAfter: undefined };
    expect([1, 2, 3, 4, 5].map((attempt) => Math.round(top({ attempt, ...context })))).toEqual([
      1000, 2000, 4000, 8000, 8000,
    ]);
    expect(bottom({ attempt: 3, ...context })).toBe(0);
  });

  it("never waits less than the server asked for", () => {
    const delay = exponentialBackoff({ random: () => 0.5, initialDelay: 1000 });
    expect(delay({ attempt: 1, serverRetry: 5000, retryAfter: undefined })).toBe(5500);
    expect(delay({ attempt: 1, serverRetry: 5000, retryAfter: 9000 })).toBe(9500);
  });
});

describe("shouldRetry", () => {
  it.each([
    [1000, "retry"],
    [1001, "retry"],
    [1006, "retry"],
    [1011, "retry"],
    [1012, "retry"],
    [1013, "retry"],
    [1002, "fatal"],
    [1003, "fatal"],
    [1008, "fatal"],
    [4401, "auth"],
    [4403, "auth"],
  ])("close code %i → %s", (closeCode, decision) => {
    expect(shouldRetry(new ConnectionError("closed", "", { closeCode }))).toBe(decision);
  });

  it.each([
    [500, "retry"],
    [502, "retry"],
    [503, "retry"],
    [429, "retry"],
    [408, "retry"],
    [204, "fatal"],
    [404, "fatal"],
    [400, "fatal"],
    [401, "auth"],
    [403, "auth"],
  ])("HTTP %i → %s", (status, decision) => {
    expect(shouldRetry(new ConnectionError("http-status", "", { status }))).toBe(decision);
  });

  it("retries a refusal whose status the browser's EventSource does not say", () => {
    expect(shouldRetry(new ConnectionError("http-status", "refused"))).toBe("retry");
  });

  it("retries timeouts and network errors, fails a wrong content type or an unreadable body", () => {
    expect(shouldRetry(new ConnectionError("network", ""))).toBe("retry");
    expect(shouldRetry(new ConnectionError("heartbeat-timeout", ""))).toBe("retry");
    expect(shouldRetry(new ConnectionError("watchdog-timeout", ""))).toBe("retry");
    expect(shouldRetry(new ConnectionError("stream-ended", ""))).toBe("retry");
    expect(shouldRetry(new ConnectionError("content-type", ""))).toBe("fatal");
    expect(shouldRetry(new ConnectionError("invalid-response", ""))).toBe("fatal");
  });
});
