import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import {
  createEventStreamParser,
  DEFAULT_MAX_EVENT_SIZE,
  EventStreamParseError,
  type EventStreamParseErrorCode,
  type EventStreamParserOptions,
} from "@wirekit/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { seededRandom, splitAtRandom } from "./support/random.js";

type Chunk = Uint8Array | string;

interface Outcome {
  events: Array<{ type: string; data: string; lastEventId: string }>;
  retries: number[];
  comments: string[];
  errors: EventStreamParseErrorCode[];
  lastEventId: string;
}

function parseAll(chunks: Iterable<Chunk>, options?: EventStreamParserOptions): Outcome {
  const outcome: Outcome = { events: [], retries: [], comments: [], errors: [], lastEventId: "" };
  const parser = createEventStreamParser(
    {
      onEvent: (event) => outcome.events.push(event),
      onRetry: (ms) => outcome.retries.push(ms),
      onComment: (comment) => outcome.comments.push(comment),
      onError: (error) => outcome.errors.push(error.code),
    },
    options,
  );
  for (const chunk of chunks) parser.feed(chunk);
  parser.end();
  outcome.lastEventId = parser.lastEventId;
  return outcome;
}

interface Fixture {
  name: string;
  input: string | Uint8Array;
  expected: Partial<Outcome>;
  options?: EventStreamParserOptions;
}

const message = (data: string, lastEventId = "", type = "message") => ({ type, data, lastEventId });
const bytes = (...values: number[]) => new Uint8Array(values);
const encoder = new TextEncoder();

// Written from the WHATWG HTML "server-sent events" rules (SSE-SPEC.md numbers in brackets).
const fixtures: Fixture[] = [
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
];

function* strategies(input: Uint8Array): Generator<[string, Chunk[]]> {
  yield ["whole", [input]];
  for (let i = 1; i < input.length; i++) {
    yield [`split at byte ${i}`, [input.subarray(0, i), input.subarray(i)]];
  }
  yield ["one byte at a time", Array.from(input, (_, i) => input.subarray(i, i + 1))];
  const random = seededRandom(0x5eed);
  for (let trial = 0; trial < 25; trial++) {
    const chunks = splitAtRandom(input, 1 + Math.floor(random() * 8), random);
    yield [`random split #${trial}`, chunks];
  }
  const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(input);
  yield ["as text, one code unit at a time", text.split("")];
  for (let i = 1; i < text.length; i++) {
    yield [`as text, split at code unit ${i}`, [text.slice(0, i), text.slice(i)]];
  }
}

describe("createEventStreamParser", () => {
  describe.each(fixtures)("$name", ({ input, expected, options }) => {
    const source = typeof input === "string" ? encoder.encode(input) : input;
    const full: Outcome = {
      events: [],
      retries: [],
      comments: [],
      errors: [],
      lastEventId: expected.events?.at(-1)?.lastEventId ?? "",
      ...expected,
    };

    it("gives the same outcome however the input is split", () => {
      for (const [strategy, chunks] of strategies(source)) {
        expect(parseAll(chunks, options), strategy).toEqual(full);
      }
    });
  });

  it("treats CR at the end of one chunk and LF at the start of the next as one line end", () => {
    expect(parseAll(["data: a\r", "\ndata: b\r", "\n\r", "\n"]).events).toEqual([message("a\nb")]);
    // The same split with a lone CR: the LF that follows a chunk of its own is not swallowed twice.
    expect(parseAll(["data: a\r", "", "\n", "\n"]).events).toEqual([message("a")]);
    expect(parseAll(["data: a\r", "\r"]).events).toEqual([message("a")]);
  });

  it("keeps the last event id across end() and restores the initial one on reset()", () => {
    const events: string[] = [];
    const parser = createEventStreamParser(
      { onEvent: (event) => events.push(`${event.data}@${event.lastEventId}`) },
      { initialLastEventId: "start" },
    );
    parser.feed("id: 1\ndata: a\n\nid: 2\ndata: cut");
    parser.end();
    expect(parser.lastEventId).toBe("1");
    // A new stream after end(): a leading BOM is stripped again, the id carries over.
    parser.feed("\uFEFFdata: b\n\n");
    expect(events).toEqual(["a@1", "b@1"]);
    parser.reset();
    expect(parser.lastEventId).toBe("start");
    parser.feed("data: c\n\n");
    expect(events.at(-1)).toBe("c@start");
  });

  it("decodes exactly as a streaming TextDecoder, wherever chunks cut characters", () => {
    const random = seededRandom(0xdec0de);
    // Valid characters of every length, plus stray continuation bytes, bad leads and overlongs.
    const pieces = ["a", "é", "✓", "😀", "\u0000"].map((text) => [...encoder.encode(text)]);
    pieces.push([0x80], [0xbf, 0xbf], [0xc0, 0xaf], [0xe0, 0x80], [0xf0, 0x9f], [0xf8], [0xff]);
    for (let trial = 0; trial < 200; trial++) {
      const payload: number[] = [];
      while (payload.length < 64) {
        payload.push(...(pieces[Math.floor(random() * pieces.length)] as number[]));
      }
      const input = Uint8Array.from([...encoder.encode("data: "), ...payload, 0x0a, 0x0a]);
      const expected = new TextDecoder("utf-8", { ignoreBOM: true }).decode(
        Uint8Array.from(payload),
      );
      const chunks = splitAtRandom(input, 1 + Math.floor(random() * 12), random);
      expect(parseAll(chunks).events, `trial ${trial}`).toEqual([message(expected)]);
    }
  });

  it("flushes a partial character when text follows bytes", () => {
    const { events } = parseAll([bytes(...encoder.encode("data: "), 0xe2, 0x82), "\n\n"]);
    expect(events).toEqual([message("\uFFFD")]);
  });

  it("accepts ArrayBuffer chunks", () => {
    const { events } = parseAll([encoder.encode("data: buffer\n\n").buffer as unknown as Chunk]);
    expect(events).toEqual([message("buffer")]);
  });

  it("reports errors as EventStreamParseError values with the field and value", () => {
    const errors: EventStreamParseError[] = [];
    const parser = createEventStreamParser({ onEvent: () => {}, onError: (e) => errors.push(e) });
    parser.feed("retry: soon\nid: a\u0000b\nfoo: bar\n\n");
    expect(errors.map((e) => [e.code, e.field, e.value])).toEqual([
      ["invalid-retry", "retry", "soon"],
      ["invalid-id", "id", "a\u0000b"],
      ["unknown-field", "foo", "bar"],
    ]);
    for (const error of errors) {
      expect(error).toBeInstanceOf(EventStreamParseError);
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe("EventStreamParseError");
    }
  });

  it("rejects misuse with clear errors", () => {
    // @ts-expect-error onEvent is required
    expect(() => createEventStreamParser({})).toThrow(/onEvent/);
    expect(() => createEventStreamParser({ onEvent() {} }, { maxEventSize: 0 })).toThrow(
      RangeError,
    );
    expect(() => createEventStreamParser({ onEvent() {} }, { maxEventSize: Number.NaN })).toThrow(
      RangeError,
    );
    const parser = createEventStreamParser({ onEvent() {} });
    // @ts-expect-error not a chunk
    expect(() => parser.feed(42)).toThrow(TypeError);
    // @ts-expect-error not a chunk
    expect(() => parser.feed(null)).toThrow(/got null/);
  });

  describe("a handler that throws", () => {
    afterEach(() => {
      vi.unstubAllGlobals();
    });

    it("does not stop parsing, and its error is rethrown asynchronously", () => {
      const rethrown: Array<() => void> = [];
      vi.stubGlobal("queueMicrotask", (task: () => void) => rethrown.push(task));
      const seen: string[] = [];
      const failure = new Error("listener bug");
      const parser = createEventStreamParser({
        onEvent: (event) => {
          seen.push(event.data);
          if (event.data === "a") throw failure;
        },
      });
      parser.feed("data: a\n\ndata: b\n\n");
      expect(seen).toEqual(["a", "b"]);
      expect(rethrown).toHaveLength(1);
      expect(() => rethrown[0]?.()).toThrow(failure);
    });
  });

  describe("bounded memory", () => {
    const chunkSize = 64 * 1024;

    function* repeatBytes(byte: number, total: number): Generator<Uint8Array> {
      for (let sent = 0; sent < total; sent += chunkSize) {
        // A fresh array each time, so nothing is shared between chunks.
        yield new Uint8Array(Math.min(chunkSize, total - sent)).fill(byte);
      }
    }

    function* largeEvent(size: number): Generator<Uint8Array> {
      yield encoder.encode("id: big\ndata: ");
      yield* repeatBytes(0x78, size);
      yield encoder.encode("\n\nid: next\ndata: after\n\n");
    }

    it("delivers a 10 MB event whole when maxEventSize allows it", () => {
      const size = 10 * 1024 * 1024;
      const { events, errors } = parseAll(largeEvent(size), { maxEventSize: 16 * 1024 * 1024 });
      expect(errors).toEqual([]);
      expect(events.map((e) => [e.data.length, e.lastEventId])).toEqual([
        [size, "big"],
        [5, "next"],
      ]);
      expect(/^x+$/.test(events[0]?.data ?? "")).toBe(true);
    });

    it("discards a 10 MB event over the default bound, and parses on", () => {
      expect(DEFAULT_MAX_EVENT_SIZE).toBe(4 * 1024 * 1024);
      const { events, errors, lastEventId } = parseAll(largeEvent(10 * 1024 * 1024));
      expect(errors).toEqual(["event-too-large"]);
      expect(events).toEqual([message("after", "next")]);
      expect(lastEventId).toBe("next");
    });

    it("holds at most maxEventSize of a 50 MB line without a newline", () => {
      setFlagsFromString("--expose-gc");
      const gc = runInNewContext("gc") as () => void;
      const errors: EventStreamParseErrorCode[] = [];
      const events: string[] = [];
      const parser = createEventStreamParser({
        onEvent: (event) => events.push(event.data),
        onError: (error) => errors.push(error.code),
      });
      gc();
      const before = process.memoryUsage().heapUsed;
      parser.feed("data: ");
      for (const chunk of repeatBytes(0x61, 50 * 1024 * 1024)) parser.feed(chunk);
      gc();
      const retained = process.memoryUsage().heapUsed - before;
      // Buffering the line would retain 50 MB; the parser may hold at most 4 MiB of it.
      expect(retained).toBeLessThan(DEFAULT_MAX_EVENT_SIZE + 2 * 1024 * 1024);
      expect(errors).toEqual(["event-too-large"]);
      parser.feed("\n\ndata: next\n\n");
      expect(events).toEqual(["next"]);
    });

    it("never throws on binary garbage, and recovers at the next event", () => {
      const random = seededRandom(0xbad);
      const garbage = Uint8Array.from({ length: 1024 * 1024 }, () => Math.floor(random() * 256));
      const errors: unknown[] = [];
      const events: string[] = [];
      const parser = createEventStreamParser(
        {
          onEvent: (event) => events.push(event.data),
          onError: (error) => errors.push(error),
          onRetry: () => {},
          onComment: () => {},
        },
        { maxEventSize: 64 * 1024 },
      );
      for (const chunk of splitAtRandom(garbage, 500, random)) parser.feed(chunk);
      parser.feed("\n\n\ndata: ok\n\n");
      expect(events.at(-1)).toBe("ok");
      expect(errors.length).toBeGreaterThan(0);
      for (const error of errors) expect(error).toBeInstanceOf(EventStreamParseError);
    });
  });
});
