import {
  createRetryPolicy,
  EventSourceError,
  type EventSourceErrorCode,
  parseRetryAfter,
} from "@wirekit/core";
import { describe, expect, it } from "vitest";

function failure(
  code: EventSourceErrorCode,
  detail: { status?: number; retryAfter?: number } = {},
) {
  return new EventSourceError(code, code, detail);
}

describe("createRetryPolicy", () => {
  it("by default retries what browsers retry, after exactly the reconnection time", () => {
    const policy = createRetryPolicy();
    const context = { attempt: 1, reconnectionTime: 3000 };
    expect(policy({ ...context, error: failure("network") })).toBe(3000);
    expect(policy({ ...context, error: failure("stream-ended") })).toBe(3000);
    expect(policy({ ...context, error: failure("headers") })).toBe(3000);
    expect(policy({ ...context, error: failure("content-type") })).toBe(false);
    expect(policy({ ...context, error: failure("invalid-response") })).toBe(false);
    for (const status of [204, 401, 404, 429, 500, 503]) {
      expect(policy({ ...context, error: failure("http-status", { status }) })).toBe(false);
    }
  });

  it("retries the statuses it is given, waiting at least Retry-After", () => {
    const policy = createRetryPolicy({ retryStatuses: [429, 503] });
    const context = { attempt: 1, reconnectionTime: 1000 };
    expect(policy({ ...context, error: failure("http-status", { status: 503 }) })).toBe(1000);
    expect(
      policy({ ...context, error: failure("http-status", { status: 429, retryAfter: 7000 }) }),
    ).toBe(7000);
    expect(policy({ ...context, error: failure("http-status", { status: 500 }) })).toBe(false);
  });

  it("backs off with full jitter between the reconnection time and a capped exponential", () => {
    const low = createRetryPolicy({ random: () => 0, maxDelay: 10_000 });
    const high = createRetryPolicy({ random: () => 0.999_999, maxDelay: 10_000 });
    const error = failure("network");
    const delays = (policy: typeof low) =>
      [2, 3, 4, 5, 6].map((attempt) => policy({ error, attempt, reconnectionTime: 1000 }));
    expect(delays(low)).toEqual([1000, 1000, 1000, 1000, 1000]);
    expect(delays(high).map((delay) => Math.round(Number(delay)))).toEqual([
      2000, 4000, 8000, 10_000, 10_000,
    ]);
  });

  it("never waits less than the server's retry advice, even above maxDelay", () => {
    const policy = createRetryPolicy({ maxDelay: 5000, random: () => 0.5 });
    expect(policy({ error: failure("network"), attempt: 4, reconnectionTime: 60_000 })).toBe(
      60_000,
    );
  });

  it("gives up after maxAttempts consecutive failures", () => {
    const policy = createRetryPolicy({ maxAttempts: 2, random: () => 0 });
    const error = failure("network");
    expect(policy({ error, attempt: 2, reconnectionTime: 10 })).toBe(10);
    expect(policy({ error, attempt: 3, reconnectionTime: 10 })).toBe(false);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-11-24T12:00:00Z");

  it("reads delay-seconds and HTTP dates as milliseconds", () => {
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter(" 0 ", now)).toBe(0);
    expect(parseRetryAfter("Tue, 24 Nov 2026 12:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Tue, 24 Nov 2026 11:00:00 GMT", now)).toBe(0);
  });

  it("ignores missing and malformed values", () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter("-5", now)).toBeUndefined();
    expect(parseRetryAfter("1.5", now)).toBeUndefined();
  });
});
