import {
  ChannelProtocolError,
  ConnectionError,
  type ConnectionErrorCode,
  type ConnectionStatus,
  MessageError,
} from "@wirekit/core";
import { EventStreamParseError } from "@wirekit/core/event-source";
import { describe, expect, it } from "vitest";
import { emptyLogText } from "../src/dashboard/emptyLog.js";
import { describeError } from "../src/describeError.js";

const URL = "http://localhost:5173/api/events?channels=load,memory,requests,events";

// Every code, so a new one is a type error here until it has words.
const CODES = {
  "http-status": 0,
  "content-type": 0,
  "invalid-response": 0,
  network: 0,
  "stream-ended": 0,
  headers: 0,
  closed: 0,
  "connect-timeout": 0,
  "heartbeat-timeout": 0,
  "watchdog-timeout": 0,
  "retries-exhausted": 0,
  "credentials-expiring": 0,
} satisfies Record<ConnectionErrorCode, 0>;

const STATUSES = {
  idle: 0,
  connecting: 0,
  open: 0,
  reconnecting: 0,
  paused: 0,
  closed: 0,
  failed: 0,
} satisfies Record<ConnectionStatus, 0>;

/** A sentence for a person: no URL, no code name, no developer's message. */
function expectWords(text: string, developerMessage: string) {
  expect(text).toMatch(/^[A-Z][^:/]*[.:]/);
  expect(text).not.toContain("http");
  expect(text).not.toContain(developerMessage);
}

describe("describeError", () => {
  it("puts every connection failure in words, without the URL wirekit names", () => {
    for (const code of Object.keys(CODES) as ConnectionErrorCode[]) {
      const message = `The event stream at ${URL} failed (${code}).`;
      expectWords(describeError(new ConnectionError(code, message)), message);
    }
    // What the dashboard showed when the demo server was killed.
    expect(
      describeError(new ConnectionError("network", `The event stream at ${URL} dropped.`)),
    ).toBe("The connection to the server was lost.");
  });

  it("says what a refusal means, with or without the status the browser hides", () => {
    const refused = (status?: number) =>
      describeError(new ConnectionError("http-status", `refused at ${URL}`, { status }));
    expect(refused()).toBe("The server refused the stream.");
    expect(refused(401)).toBe("The server asks you to sign in first.");
    expect(refused(403)).toBe("The server does not allow this.");
    expect(refused(503)).toBe("The server ran into a problem.");
    expect(refused(400)).toBe("The server refused the request.");
  });

  it("puts skipped input in words too", () => {
    for (const error of [
      new EventStreamParseError("unknown-field", "Unknown field `Data` at line 3."),
      new MessageError("parse", "Unexpected token < in JSON at position 0"),
      new ChannelProtocolError("bad-frame", "Frame 7 is not JSON."),
    ]) {
      expectWords(describeError(error), error.message);
    }
  });
});

describe("the empty event log", () => {
  it("says why it is empty in every status, and what will appear", () => {
    const texts = (Object.keys(STATUSES) as ConnectionStatus[]).map((status) =>
      emptyLogText(status, null),
    );
    for (const text of texts) expect(text).toMatch(/^[A-Z].+\.$/);
    expect(emptyLogText("paused", null)).toContain("paused while this tab is hidden");
    expect(emptyLogText("connecting", null)).toContain("newest first");
  });

  it("gives the failure's reason in words", () => {
    const error = new ConnectionError("http-status", `refused at ${URL}`, { status: 404 });
    expect(emptyLogText("failed", error)).toBe("No events. The server has no such stream.");
  });
});
