import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import {
  createEventStreamParser,
  DEFAULT_MAX_EVENT_SIZE,
  EventStreamParseError,
  type EventStreamParseErrorCode,
  type EventStreamParserOptions,
} from "@wirekit/core/event-source";
import { afterEach, describe, expect, it, vi } from "vitest";
import { bytes, encoder, fixtures, message } from "./support/fixtures.js";
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

  it("reads bytes made in another realm (an iframe, jsdom, a vm context)", () => {
    const events: string[] = [];
    const parser = createEventStreamParser({ onEvent: (event) => events.push(event.data) });
    const foreign = runInNewContext(
      "[new Uint8Array([100, 97, 116, 97, 58, 32, 104, 105, 10, 10]), new Uint16Array([0x6164, 0x6174]), new Uint8Array([58, 111, 107, 10, 10]).buffer]",
    ) as [Uint8Array, Uint16Array, ArrayBuffer];
    expect(foreign[0]).not.toBeInstanceOf(Uint8Array);
    parser.feed(foreign[0]);
    parser.feed(foreign[1] as unknown as Uint8Array);
    parser.feed(foreign[2]);
    expect(events).toEqual(["hi", "ok"]);
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

    it.each([
      ["a data line", "data: ", "event-too-large"],
      ["a comment", ": ", "line-too-large"],
      ["an unknown field", "x-padding: ", "line-too-large"],
    ] as const)(
      "holds at most maxEventSize of %s 50 MB long without a newline",
      (_, start, code) => {
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
        parser.feed(start);
        for (const chunk of repeatBytes(0x61, 50 * 1024 * 1024)) parser.feed(chunk);
        gc();
        const retained = process.memoryUsage().heapUsed - before;
        // Buffering the line would retain 50 MB; the parser may hold at most 4 MiB of it.
        expect(retained).toBeLessThan(DEFAULT_MAX_EVENT_SIZE + 2 * 1024 * 1024);
        expect(errors).toEqual([code]);
        parser.feed("\n\ndata: next\n\n");
        expect(events).toEqual(["next"]);
      },
    );

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
