import { ConnectionError, type ConnectionErrorCode } from "@wirekit/core";
import {
  eventSourceShouldRetry,
  parseRetryAfter,
  reconnectionDelay,
} from "@wirekit/core/event-source";
import { describe, expect, it } from "vitest";

function failure(code: ConnectionErrorCode, detail: { status?: number; retryAfter?: number } = {}) {
  return new ConnectionError(code, code, detail);
}

describe("eventSourceShouldRetry", () => {
  it("by default retries what browsers retry, and nothing else", () => {
    const classify = eventSourceShouldRetry();
    expect(classify(failure("network"))).toBe("retry");
    expect(classify(failure("stream-ended"))).toBe("retry");
    expect(classify(failure("headers"))).toBe("retry");
    expect(classify(failure("content-type"))).toBe("fatal");
    expect(classify(failure("invalid-response"))).toBe("fatal");
    for (const status of [204, 401, 404, 429, 500, 503]) {
      expect(classify(failure("http-status", { status }))).toBe("fatal");
    }
  });

  it("retries the statuses it is given", () => {
    const classify = eventSourceShouldRetry({ retryStatuses: [429, 503] });
    expect(classify(failure("http-status", { status: 503 }))).toBe("retry");
    expect(classify(failure("http-status", { status: 429 }))).toBe("retry");
    expect(classify(failure("http-status", { status: 500 }))).toBe("fatal");
  });
});

describe("reconnectionDelay", () => {
  it("waits exactly the reconnection time first, or a longer Retry-After", () => {
    const delay = reconnectionDelay();
    expect(delay({ attempt: 1, serverRetry: 3000, retryAfter: undefined })).toBe(3000);
    expect(delay({ attempt: 1, serverRetry: 1000, retryAfter: 7000 })).toBe(7000);
  });

  it("backs off with full jitter between the reconnection time and a capped exponential", () => {
    const low = reconnectionDelay({ random: () => 0, maxDelay: 10_000 });
    const high = reconnectionDelay({ random: () => 0.999_999, maxDelay: 10_000 });
    const delays = (delay: typeof low) =>
      [2, 3, 4, 5, 6].map((attempt) =>
        delay({ attempt, serverRetry: 1000, retryAfter: undefined }),
      );
    expect(delays(low)).toEqual([1000, 1000, 1000, 1000, 1000]);
    expect(delays(high).map((delay) => Math.round(delay))).toEqual([
      2000, 4000, 8000, 10_000, 10_000,
    ]);
  });

  it("never waits less than the server's retry advice, even above maxDelay", () => {
    const delay = reconnectionDelay({ maxDelay: 5000, random: () => 0.5 });
    expect(delay({ attempt: 4, serverRetry: 60_000, retryAfter: undefined })).toBe(60_000);
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
