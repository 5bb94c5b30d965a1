// Connection.refreshCredentials: what a connection does when the server says its credentials
// expire soon (PROTOCOL.md section 1a). Real servers drive it in packages/server/test/authExpiry.
import { Connection, ConnectionError, type ConnectionOptions } from "@wirekit/core";
import { createPageLifecycleControls, createVirtualClock } from "@wirekit/testing";
import { describe, expect, it, vi } from "vitest";
import { scriptedTransport } from "./support/scriptedTransport.js";

function setup(options: Partial<ConnectionOptions> & { kind?: "sse" | "websocket" } = {}) {
  const { kind = "websocket", ...rest } = options;
  const clock = createVirtualClock();
  const transport = scriptedTransport(kind);
  const connection = new Connection({
    transport,
    clock,
    lifecycle: createPageLifecycleControls(),
    retryDelay: () => 60_000,
    ...rest,
  });
  connection.connect();
  transport.last.open();
  return { clock, transport, connection };
}

/** A hook the test answers when it likes: the refresh is under way until then. */
function gatedHook() {
  const calls: ConnectionError[] = [];
  let open: (allowed: boolean) => void = () => {};
  const hook = vi.fn((error: ConnectionError) => {
    calls.push(error);
    return new Promise<boolean>((resolve) => {
      open = resolve;
    });
  });
  return { hook, calls, answer: (allowed: boolean) => open(allowed) };
}

describe("Connection.refreshCredentials", () => {
  it("asks the auth hook, then sends the hello again on the same socket, ahead of the queue", async () => {
    let token = "t1";
    const { hook, calls, answer } = gatedHook();
    const { connection, transport } = setup({
      hello: () => JSON.stringify({ type: "auth", token }),
      onAuthFailure: hook,
    });
    const refreshed = connection.refreshCredentials();
    expect(calls.map((error) => error.code)).toEqual(["credentials-expiring"]);
    token = "t2";
    answer(true);
    await refreshed;
    expect(transport.sessions).toHaveLength(1);
    expect(transport.last.sent).toEqual([
      '{"type":"auth","token":"t1"}',
      '{"type":"auth","token":"t2"}',
    ]);
    expect(connection.getSnapshot()).toMatchObject({ status: "open", error: null });
  });

  it("asks the hook once for refreshes asked while one is under way", async () => {
    const { hook, answer } = gatedHook();
    const { connection, transport } = setup({ hello: () => "auth", onAuthFailure: hook });
    const first = connection.refreshCredentials();
    const second = connection.refreshCredentials();
    answer(true);
    await Promise.all([first, second]);
    expect(hook).toHaveBeenCalledTimes(1);
    expect(transport.last.sent).toEqual(["auth", "auth"]);
    const later = connection.refreshCredentials();
    answer(true);
    await later;
    expect(hook).toHaveBeenCalledTimes(2);
  });

  it("does nothing without a hook: the same credentials again would only earn another notice", async () => {
    const socket = setup({ hello: () => "auth" });
    await socket.connection.refreshCredentials();
    expect(socket.transport.last.sent).toEqual(["auth"]);
    const stream = setup({ kind: "sse" });
    await stream.connection.refreshCredentials();
    expect(stream.transport.sessions).toHaveLength(1);
  });

  it("reconnects at once, resuming, where credentials cannot travel in band", async () => {
    const { connection, transport } = setup({ kind: "sse", onAuthFailure: () => true });
    transport.last.message({ data: "x", event: "message", lastEventId: "41" });
    await connection.refreshCredentials();
    expect(transport.last.lastEventId).toBe("41");
    expect(transport.sessions).toHaveLength(2);
    expect(transport.sessions[0]?.closedByClient).toBe(true);
    // No backoff: the 60 s retry delay would have left it waiting.
    expect(connection.getSnapshot()).toMatchObject({ status: "reconnecting", nextRetryAt: null });
  });

  it("reconnects a stream that ended while the hook ran, instead of waiting out the backoff", async () => {
    const { hook, answer } = gatedHook();
    const { connection, transport } = setup({ kind: "sse", onAuthFailure: hook });
    const refreshed = connection.refreshCredentials();
    transport.last.drop(new ConnectionError("stream-ended", "expired"));
    expect(connection.getSnapshot().nextRetryAt).not.toBeNull();
    answer(true);
    await refreshed;
    expect(transport.sessions).toHaveLength(2);
    expect(connection.getSnapshot().nextRetryAt).toBeNull();
  });

  it("does nothing when the hook declines, or a new session already carries fresh credentials", async () => {
    const declined = setup({ hello: () => "auth", onAuthFailure: () => false });
    await declined.connection.refreshCredentials();
    expect(declined.transport.last.sent).toEqual(["auth"]);

    const { hook, answer } = gatedHook();
    const { connection, transport, clock } = setup({ hello: () => "auth", onAuthFailure: hook });
    const refreshed = connection.refreshCredentials();
    transport.last.drop(new ConnectionError("closed", "gone", { closeCode: 1006 }));
    await clock.advanceAsync(60_000);
    transport.last.open();
    answer(true);
    await refreshed;
    expect(transport.sessions).toHaveLength(2);
    expect(transport.last.sent).toEqual(["auth"]);
  });

  it("leaves a closed connection closed", async () => {
    const { hook, answer } = gatedHook();
    const { connection, transport } = setup({ kind: "sse", onAuthFailure: hook });
    const refreshed = connection.refreshCredentials();
    connection.close();
    answer(true);
    await refreshed;
    expect(transport.sessions).toHaveLength(1);
    expect(connection.getSnapshot().status).toBe("closed");
  });
});
