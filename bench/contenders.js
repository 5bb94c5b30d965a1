// One timed run of each implementation over a workload. Every run consumes the events (counts
// them and sums `data.length`) and returns the elapsed milliseconds with those totals.

import { createRequire } from "node:module";
import { createEventStreamParser, FetchEventSource } from "@wirekit/core/event-source";

// The competitors are imported by a specifier tsc does not follow: their package.json "exports"
// carry a "source" condition, which the repo's tsconfig enables for our own packages, and which
// would make tsc type-check their TypeScript sources. Node loads their dist; the types come from
// the .d.ts files they ship.
/** @param {string} name */
const load = (name) => import(name);
/** @type {typeof import("../node_modules/eventsource/dist/index.js")} */
const { EventSource } = await load("eventsource");
/** @type {typeof import("../node_modules/eventsource-parser/dist/index.js")} */
const { createParser } = await load("eventsource-parser");
const require = createRequire(import.meta.url);
/** @param {string} name */
const versionOf = (name) =>
  /** @type {{ version: string }} */ (require(`${name}/package.json`)).version;

/**
 * @typedef {object} RunResult
 * @property {number} ms Elapsed wall time of the timed section.
 * @property {number} events Events dispatched.
 * @property {number} dataLength Sum of `data.length` over them.
 * @property {unknown} instance The parser or source used, for the harness to keep alive (see run.js).
 */

/**
 * @typedef {object} Contender
 * @property {string} name
 * @property {(chunks: Uint8Array[]) => Promise<RunResult>} run
 */

const STREAM = /** @type {const} */ ({ stream: true });

/**
 * Our parser, fed the raw byte chunks (it decodes UTF-8 itself).
 * @param {Uint8Array[]} chunks
 * @returns {RunResult}
 */
export function runWirekitParser(chunks) {
  let events = 0;
  let dataLength = 0;
  const start = performance.now();
  const parser = createEventStreamParser({
    onEvent(event) {
      events++;
      dataLength += event.data.length;
    },
  });
  for (let i = 0; i < chunks.length; i++) parser.feed(/** @type {Uint8Array} */ (chunks[i]));
  parser.end();
  return { ms: performance.now() - start, events, dataLength, instance: parser };
}

/**
 * eventsource-parser takes strings, so it gets the same chunks through one streaming TextDecoder
 * per run, as an EventSource built on it does.
 * @param {Uint8Array[]} chunks
 * @returns {RunResult}
 */
export function runEventsourceParser(chunks) {
  let events = 0;
  let dataLength = 0;
  const start = performance.now();
  const decoder = new TextDecoder();
  const parser = createParser({
    onEvent(event) {
      events++;
      dataLength += event.data.length;
    },
  });
  for (let i = 0; i < chunks.length; i++) {
    parser.feed(decoder.decode(/** @type {Uint8Array} */ (chunks[i]), STREAM));
  }
  const rest = decoder.decode();
  if (rest !== "") parser.feed(rest);
  parser.reset();
  return { ms: performance.now() - start, events, dataLength, instance: parser };
}

export const STREAM_URL = "http://127.0.0.1:9/stream";

/**
 * A `fetch` that never touches the network: a 200 `text/event-stream` response whose body hands
 * out the pre-built chunks one per read, then ends.
 * @param {Uint8Array[]} chunks
 * @returns {() => Promise<Response>}
 */
export function mockFetch(chunks) {
  return async () => {
    let next = 0;
    const body = new ReadableStream({
      pull(controller) {
        if (next < chunks.length) controller.enqueue(chunks[next++]);
        else controller.close();
      },
    });
    return new Response(body, { status: 200, headers: { "content-type": "text/event-stream" } });
  };
}

/**
 * FetchEventSource end to end: from construction until the `error` event that follows the end of
 * the body (`retry: () => false`, so it closes instead of reconnecting).
 * @param {Uint8Array[]} chunks
 * @returns {Promise<RunResult>}
 */
export function runFetchEventSource(chunks) {
  const fetch = mockFetch(chunks);
  return new Promise((resolve, reject) => {
    let events = 0;
    let dataLength = 0;
    const start = performance.now();
    const source = new FetchEventSource(STREAM_URL, { fetch, shouldRetry: () => "fatal" });
    source.onmessage = (event) => {
      events++;
      dataLength += event.data.length;
    };
    source.onerror = (event) => {
      const ms = performance.now() - start;
      source.close();
      if (event.error.code !== "stream-ended") reject(event.error);
      else resolve({ ms, events, dataLength, instance: source });
    };
  });
}

/**
 * The `eventsource` package's EventSource, given the same mocked fetch: from construction until
 * the `error` event that follows the end of the body, where it is closed so it never reconnects.
 * @param {Uint8Array[]} chunks
 * @returns {Promise<RunResult>}
 */
export function runEventSourcePackage(chunks) {
  const fetch = mockFetch(chunks);
  return new Promise((resolve) => {
    let events = 0;
    let dataLength = 0;
    const start = performance.now();
    const source = new EventSource(STREAM_URL, { fetch });
    source.onmessage = (event) => {
      events++;
      dataLength += event.data.length;
    };
    source.onerror = () => {
      const ms = performance.now() - start;
      source.close();
      resolve({ ms, events, dataLength, instance: source });
    };
  });
}

/** @type {{ ours: Contender, theirs: Contender }} */
export const PARSERS = {
  ours: { name: "@wirekit/core createEventStreamParser", run: async (c) => runWirekitParser(c) },
  theirs: {
    name: `eventsource-parser ${versionOf("eventsource-parser")} (+ TextDecoder)`,
    run: async (c) => runEventsourceParser(c),
  },
};

/** @type {{ ours: Contender, theirs: Contender }} */
export const SOURCES = {
  ours: { name: "@wirekit/core FetchEventSource", run: runFetchEventSource },
  theirs: {
    name: `eventsource ${versionOf("eventsource")} EventSource`,
    run: runEventSourcePackage,
  },
};
