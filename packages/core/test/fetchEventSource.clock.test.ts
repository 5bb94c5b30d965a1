// FetchEventSource waits to reconnect on the clock it is given, through the capped scheduler.
import { MAX_TIMER_DELAY, shouldRetry } from "@wirekit/core";
import { eventSourceShouldRetry, FetchEventSource } from "@wirekit/core/event-source";
import { createVirtualClock } from "@wirekit/testing";
import { describe, expect, it, vi } from "vitest";
import { connect, EVENT_STREAM, next } from "./support/fetchEventSource.js";

const HOUR = 60 * 60 * 1000;

/** A `fetch` whose every request gets `respond()`, counting the requests. */
function counting(respond: () => Response) {
  let requests = 0;
  return {
    fetch: async () => {
      requests += 1;
      return respond();
    },
    requests: () => requests,
  };
}

/** A stream that sends `body` and ends: the source reconnects after its reconnection time. */
const endingStream = (body: string) => () => new Response(body, { headers: EVENT_STREAM });

describe("FetchEventSource on a clock", () => {
  it("waits the server's retry: on the given clock before reconnecting", async () => {
    const clock = createVirtualClock();
    const server = counting(endingStream("retry: 2000\ndata: x\n\n"));
    const source = connect("http://127.0.0.1/stream", { clock, fetch: server.fetch });
    await next(source, "error");
    expect(source.readyState).toBe(FetchEventSource.CONNECTING);
    expect(clock.pendingTimers).toBe(1);
    await clock.advanceAsync(1999);
    expect(server.requests()).toBe(1);
    await clock.advanceAsync(1);
    await vi.waitFor(() => expect(server.requests()).toBe(2));
  });

  it.each([
    ["retry: 9999999999", endingStream("retry: 9999999999\ndata: x\n\n")],
    [
      "Retry-After: 2592000 (thirty days)",
      () => new Response(null, { status: 503, headers: { "Retry-After": "2592000" } }),
    ],
  ])("does not reconnect within an hour when the server asks for %s", async (_, respond) => {
    const clock = createVirtualClock();
    const server = counting(respond);
    const source = connect("http://127.0.0.1/stream", {
      clock,
      fetch: server.fetch,
      shouldRetry: eventSourceShouldRetry({ retryStatuses: [503] }),
    });
    await next(source, "error");
    expect(source.readyState).toBe(FetchEventSource.CONNECTING);
    // Uncapped, the delay would overflow the timer and fire after 1 ms, as real timers do.
    await clock.advanceAsync(10);
    expect(server.requests()).toBe(1);
    await clock.advanceAsync(HOUR - 10);
    expect(server.requests()).toBe(1);
    // It waits as long as a timer can, then tries again.
    await clock.advanceAsync(MAX_TIMER_DELAY - HOUR);
    await vi.waitFor(() => expect(server.requests()).toBe(2));
  });

  it("reads an HTTP-date Retry-After against the given clock", async () => {
    const clock = createVirtualClock({ now: Date.UTC(2030, 0, 1) });
    const server = counting(
      () =>
        new Response(null, {
          status: 503,
          headers: { "Retry-After": new Date(Date.UTC(2030, 0, 1, 0, 0, 30)).toUTCString() },
        }),
    );
    const source = connect("http://127.0.0.1/stream", {
      clock,
      fetch: server.fetch,
      shouldRetry: eventSourceShouldRetry({ retryStatuses: [503] }),
    });
    const event = await next(source, "error");
    expect(event.error.retryAfter).toBe(30_000);
  });

  it("retries refused credentials once, asking for headers again, then closes", async () => {
    const clock = createVirtualClock();
    const server = counting(() => new Response(null, { status: 401 }));
    let asked = 0;
    const source = connect("http://127.0.0.1/stream", {
      clock,
      fetch: server.fetch,
      shouldRetry: shouldRetry,
      headers: () => ({ Authorization: `Bearer ${++asked}` }),
    });
    await next(source, "error");
    expect(source.readyState).toBe(FetchEventSource.CONNECTING);
    await clock.advanceAsync(10_000);
    await vi.waitFor(() => expect(source.readyState).toBe(FetchEventSource.CLOSED));
    expect([server.requests(), asked]).toEqual([2, 2]);
  });

  it("closes after maxAttempts consecutive failures", async () => {
    const clock = createVirtualClock();
    let requests = 0;
    const source = connect("http://127.0.0.1/stream", {
      clock,
      maxAttempts: 2,
      fetch: async () => {
        requests += 1;
        throw new TypeError("unreachable");
      },
    });
    const errors: number[] = [];
    source.onerror = () => errors.push(source.readyState);
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    await clock.advanceAsync(60_000);
    await vi.waitFor(() => expect(errors).toHaveLength(3));
    await clock.advanceAsync(60_000);
    expect(errors).toEqual([
      FetchEventSource.CONNECTING,
      FetchEventSource.CONNECTING,
      FetchEventSource.CLOSED,
    ]);
    expect(requests).toBe(3);
  });
});
