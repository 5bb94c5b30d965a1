// Connections in real Chromium, through the browser's own EventSource and fetch.
import { ConnectionManager, eventStreamEndpoint, exponentialBackoff } from "@wirekit/core";
import { FetchEventSource } from "@wirekit/core/event-source";
import { describe, expect, inject, it, onTestFinished } from "vitest";

const origin = inject("eventStreamServer");

function manager() {
  const instance = new ConnectionManager();
  onTestFinished(() => instance.closeAll());
  return instance;
}

function firstIds(
  connection: ReturnType<ConnectionManager["acquire"]>["connection"],
  count: number,
): Promise<string[]> {
  const ids: string[] = [];
  return new Promise((resolve) => {
    connection.onMessage((message) => {
      ids.push(message.lastEventId ?? "");
      if (ids.length === count) resolve(ids);
    });
  });
}

const expected = Array.from({ length: 40 }, (_, index) => String(index + 1));
const quickRetry = exponentialBackoff({ initialDelay: 20, maxDelay: 50 });

describe("Connection in Chromium", () => {
  it("resumes the native EventSource across its reconnects, every event once", async () => {
    const { connection } = manager().acquire(
      eventStreamEndpoint({ url: `${origin}/numbers?total=40`, retryDelay: quickRetry }),
    );
    expect(await firstIds(connection, 40)).toEqual(expected);
  });

  it("resumes FetchEventSource with Last-Event-ID and fresh headers, every event once", async () => {
    let token = 0;
    const { connection } = manager().acquire(
      eventStreamEndpoint({
        url: `${origin}/numbers?total=40`,
        FetchEventSource,
        headers: () => ({ Authorization: `Bearer ${++token}` }),
        retryDelay: quickRetry,
      }),
    );
    expect(await firstIds(connection, 40)).toEqual(expected);
    expect(token).toBeGreaterThanOrEqual(6);
  });
});
