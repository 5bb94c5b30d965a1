import type { EventStreamParseErrorCode } from "@wirekit/core";
import type { EventStreamParserOptions } from "@wirekit/core/event-source";

export interface ExpectedOutcome {
  events: Array<{ type: string; data: string; lastEventId: string }>;
  retries: number[];
  comments: string[];
  errors: EventStreamParseErrorCode[];
  lastEventId: string;
}

export interface Fixture {
  name: string;
  input: string | Uint8Array;
  expected: Partial<ExpectedOutcome>;
  options?: EventStreamParserOptions;
}

export const message = (data: string, lastEventId = "", type = "message") => ({
  type,
  data,
  lastEventId,
});
export const bytes = (...values: number[]) => new Uint8Array(values);
export const encoder = new TextEncoder();

/** Written from the WHATWG HTML "server-sent events" rules (SSE-SPEC.md numbers in brackets). */
export const fixtures: Fixture[] = [
  { name: "one event [4, 9]", input: "data: hello\n\n", expected: { events: [message("hello")] } },
  {
    name: "data lines are joined with LF [6, 9]",
    input: "data: a\ndata: b\ndata: c\n\n",
    expected: { events: [message("a\nb\nc")] },
  },
  {
    name: "CRLF line ends [3]",
    input: "data: a\r\ndata: b\r\n\r\ndata: c\r\n\r\n",
    expected: { events: [message("a\nb"), message("c")] },
  },
  {
    name: "lone CR line ends [3]",
    input: "data: a\rdata: b\r\rdata: c\r\r",
    expected: { events: [message("a\nb"), message("c")] },
  },
  {
    name: "mixed line ends [3]",
    input: "data: a\r\ndata: b\rdata: c\n\r\n\rdata: d\n\n",
    expected: { events: [message("a\nb\nc"), message("d")] },
  },
  {
    name: "only one leading space is stripped; tabs stay [5]",
    input: "data:x\n\ndata:  y\n\ndata:\tz\n\n",
    expected: { events: [message("x"), message(" y"), message("\tz")] },
  },
  {
    name: "a colon in the value is kept [5]",
    input: "data: a:b: c\n\n",
    expected: { events: [message("a:b: c")] },
  },
  {
    name: "a line without a colon is a field with an empty value [5]",
    input: "data\n\ndata\ndata\n\n",
    expected: { events: [message(""), message("\n")] },
  },
  {
    name: "empty data dispatches an empty message [8, 9]",
    input: "data:\n\n",
    expected: { events: [message("")] },
  },
  {
    name: "comments are not events [4]",
    input: ": heartbeat\n:\n:  two\n\ndata: x\n\n",
    expected: { events: [message("x")], comments: ["heartbeat", "", " two"] },
  },
  {
    name: "event sets the type, reset after dispatch [6, 9]",
    input: "event: add\ndata: 1\n\ndata: 2\n\nevent:\ndata: 3\n\n",
    expected: { events: [message("1", "", "add"), message("2"), message("3")] },
  },
  {
    name: "an event without data dispatches nothing and clears its type [8]",
    input: "event: ghost\n\ndata: after\n\n",
    expected: { events: [message("after")] },
  },
  {
    name: "ids carry over to later events [6, 7]",
    input: "id: 1\ndata: a\n\ndata: b\n\nid: 2\ndata: c\n\n",
    expected: {
      events: [message("a", "1"), message("b", "1"), message("c", "2")],
      lastEventId: "2",
    },
  },
  {
    name: "an empty id resets the last event id [6]",
    input: "id: 1\ndata: a\n\nid\ndata: b\n\nid: 3\n\nid:\ndata: c\n\n",
    expected: { events: [message("a", "1"), message("b"), message("c")], lastEventId: "" },
  },
  {
    name: "an id with U+0000 is ignored [6]",
    input: "id: 1\ndata: a\n\nid: 2\u00003\ndata: b\n\n",
    expected: {
      events: [message("a", "1"), message("b", "1")],
      errors: ["invalid-id"],
      lastEventId: "1",
    },
  },
  {
    name: "an id without data still sets the last event id [7, 8]",
    input: "data: a\n\nid: 5\n\n",
    expected: { events: [message("a")], lastEventId: "5" },
  },
  {
    name: "the id buffer is copied only on dispatch [7]",
    input: "data: a\nid: 9\ndata: b\n\n",
    expected: { events: [message("a\nb", "9")], lastEventId: "9" },
  },
  {
    name: "retry takes ASCII digits only, leading zeros allowed [6]",
    input:
      "retry: 1000\nretry: 0042\nretry: 0\nretry: 1000x\nretry: -1\nretry: +5\nretry:\nretry: 1 0\nretry:  7\nretry: 1.5\nretry: ٣\n\n",
    expected: {
      retries: [1000, 42, 0],
      errors: Array(8).fill("invalid-retry"),
    },
  },
  {
    name: "field names are case-sensitive and exact [6]",
    input: "Data: a\n data: b\ndata : c\nDATA: d\nfoo: e\nevent\u0000: f\ndata: ok\n\n",
    expected: { events: [message("ok")], errors: Array(6).fill("unknown-field") },
  },
  {
    name: "one leading BOM is stripped [2]",
    input: "\uFEFFdata: a\n\n",
    expected: { events: [message("a")] },
  },
  {
    name: "a second BOM makes the first line an unknown field (WPT format-bom-2) [2]",
    input: "\uFEFF\uFEFFdata: a\n\ndata: b\n\n",
    expected: { events: [message("b")], errors: ["unknown-field"] },
  },
  {
    name: "a BOM after the start is data [2]",
    input: "data: a\n\n\uFEFFdata: b\n\ndata: \uFEFFc\n\n",
    expected: { events: [message("a"), message("\uFEFFc")], errors: ["unknown-field"] },
  },
  {
    name: "an unfinished event at the end is discarded, with its id and type [10]",
    input: "data: a\n\nid: 7\nevent: x\ndata: b\n",
    expected: { events: [message("a")], lastEventId: "" },
  },
  {
    name: "a final line without a line end is not a line [3, 10]",
    input: "data: a\n\ndata: b",
    expected: { events: [message("a")] },
  },
  {
    name: "a retry inside an unfinished event still applies [10]",
    input: "retry: 500\ndata: x\n",
    expected: { retries: [500] },
  },
  {
    name: "blank lines between events dispatch nothing [8]",
    input: "\n\n\r\n\rdata: a\n\n\n\n",
    expected: { events: [message("a")] },
  },
  {
    name: "multi-byte UTF-8 comes out whole [1]",
    input: "data: héllo ✓ 😀 日本\n\nevent: 💬\ndata: ok\n\n",
    expected: { events: [message("héllo ✓ 😀 日本"), message("ok", "", "💬")] },
  },
  {
    name: "invalid UTF-8 becomes U+FFFD [1]",
    input: bytes(
      ...encoder.encode("data: "),
      0xff,
      0xc3,
      0x28,
      0xe2,
      0x82,
      0x0a,
      0x0a,
      ...encoder.encode("data: ok\n\n"),
    ),
    expected: { events: [message("\uFFFD\uFFFD(\uFFFD"), message("ok")] },
  },
  {
    name: "a character cut off by the end of the stream is discarded [1, 10]",
    input: bytes(...encoder.encode("data: a\n\ndata: "), 0xf0, 0x9f),
    expected: { events: [message("a")] },
  },
  {
    name: "a resumed stream starts from initialLastEventId [11]",
    input: "data: a\n\nid: 43\ndata: b\n\n",
    options: { initialLastEventId: "42" },
    expected: { events: [message("a", "42"), message("b", "43")], lastEventId: "43" },
  },
  {
    name: "an event over maxEventSize is discarded whole, and the next one parses",
    input: "id: 1\ndata: a\n\nid: 2\ndata: 0123456789abcdef\ndata: x\n\ndata: ok\n\n",
    options: { maxEventSize: 16 },
    expected: {
      events: [message("a", "1"), message("ok", "1")],
      errors: ["event-too-large"],
      lastEventId: "1",
    },
  },
  {
    name: "data lines that add up past maxEventSize are discarded",
    input: "data: 0123456789\ndata: 0123456789\n\ndata: ok\n\n",
    options: { maxEventSize: 16 },
    expected: { events: [message("ok")], errors: ["event-too-large"] },
  },
  {
    name: "an oversize event ended by CR line ends",
    input: "data: 0123456789abcdefgh\rdata: more\r\rdata: ok\r\r",
    options: { maxEventSize: 16 },
    expected: { events: [message("ok")], errors: ["event-too-large"] },
  },
  {
    name: "comments and unknown fields are no part of an event: however long or many, the event after them is delivered",
    input: [
      `: ${"c".repeat(40)}`,
      `: ${"c".repeat(12)}`,
      `x-padding: ${"p".repeat(40)}`,
      "foo: bar",
      `: ${"c".repeat(12)}`,
      `foo: ${"b".repeat(10)}`,
      "data: small",
      "",
      "",
    ].join("\n"),
    options: { maxEventSize: 16 },
    expected: {
      events: [message("small")],
      // Lines too long to hold are skipped on their own; the shorter ones are reported as ever.
      comments: ["c".repeat(12), "c".repeat(12)],
      errors: ["line-too-large", "line-too-large", "unknown-field", "unknown-field"],
    },
  },
  {
    name: "comments, retry and unknown fields inside an event do not count against it",
    input: `data: abc\n: ${"n".repeat(12)}\nretry: 00000250\nfoo: bar\ndata: de\n\n`,
    options: { maxEventSize: 16 },
    expected: {
      events: [message("abc\nde")],
      comments: ["n".repeat(12)],
      retries: [250],
      errors: ["unknown-field"],
    },
  },
  {
    name: "a long line whose name only starts like a field's is no part of the event, wherever it is cut",
    input: [
      `database: ${"x".repeat(20)}`,
      `identity: ${"x".repeat(20)}`,
      `eventual: ${"x".repeat(20)}`,
      `retry: ${"1".repeat(20)}`,
      "data",
      "data: ok",
      "",
      "",
    ].join("\n"),
    options: { maxEventSize: 16 },
    expected: {
      events: [message("\nok")],
      errors: ["line-too-large", "line-too-large", "line-too-large", "line-too-large"],
    },
  },
  {
    name: "an id or event line is part of its event: one past maxEventSize discards the event",
    input: `data: a\nid: ${"9".repeat(20)}\ndata: b\n\nevent: ${"e".repeat(20)}\ndata: c\n\ndata: ok\n\n`,
    options: { maxEventSize: 16 },
    expected: { events: [message("ok")], errors: ["event-too-large", "event-too-large"] },
  },
];
