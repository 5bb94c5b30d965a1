// The benchmark inputs, generated once before any timing: every workload is a list of
// Uint8Array chunks of one UTF-8 event stream, plus what a correct parser must report for it.

import { seededRandom } from "@wirekit/testing";

/**
 * @typedef {object} Workload
 * @property {string} key Short name used in the tables.
 * @property {string} description What the stream holds and how it is chunked.
 * @property {Uint8Array[]} chunks The stream, split the way it reaches `feed`.
 * @property {number} bytes Total input size in bytes.
 * @property {number} events How many events a correct parser dispatches.
 * @property {number} dataLength Sum of `data.length` (UTF-16 code units) over those events.
 */

const KIB = 1024;

/**
 * @param {Uint8Array} bytes
 * @param {number} size
 * @returns {Uint8Array[]}
 */
function fixedChunks(bytes, size) {
  /** @type {Uint8Array[]} */
  const chunks = [];
  for (let offset = 0; offset < bytes.length; offset += size) {
    chunks.push(bytes.slice(offset, offset + size));
  }
  return chunks;
}

/**
 * @param {Uint8Array} bytes
 * @param {number} min
 * @param {number} max
 * @param {() => number} random
 * @returns {Uint8Array[]}
 */
function randomChunks(bytes, min, max, random) {
  /** @type {Uint8Array[]} */
  const chunks = [];
  let offset = 0;
  while (offset < bytes.length) {
    const size = min + Math.floor(random() * (max - min + 1));
    chunks.push(bytes.slice(offset, offset + size));
    offset += size;
  }
  return chunks;
}

/**
 * @param {string} key
 * @param {string} description
 * @param {string[]} frames One string per event, already framed (`...\n\n`).
 * @param {number} dataLength
 * @param {(bytes: Uint8Array) => Uint8Array[]} split
 * @returns {Workload}
 */
function build(key, description, frames, dataLength, split) {
  const bytes = new TextEncoder().encode(frames.join(""));
  return {
    key,
    description,
    chunks: split(bytes),
    bytes: bytes.length,
    events: frames.length,
    dataLength,
  };
}

/**
 * (a) Many small JSON events with ids, as a feed of updates looks.
 * @param {number} [count]
 * @returns {Workload}
 */
export function smallJsonEvents(count = 100_000) {
  const random = seededRandom(0x5eed_000a);
  /** @type {string[]} */
  const frames = [];
  let dataLength = 0;
  for (let id = 0; id < count; id++) {
    const value = (random() * 1000).toFixed(4);
    const data = `{"id":${id},"value":${value},"ok":${random() < 0.5},"tag":"item-${id}"}`;
    dataLength += data.length;
    frames.push(`id: ${id}\ndata: ${data}\n\n`);
  }
  return build(
    "small",
    `${count / 1000}k small JSON events with \`id:\` in 64 KiB chunks`,
    frames,
    dataLength,
    (bytes) => fixedChunks(bytes, 64 * KIB),
  );
}

/**
 * (b) Fewer, large events: 4 KiB of JSON in one `data:` line each.
 * @param {number} [count]
 * @returns {Workload}
 */
export function largeJsonEvents(count = 10_000) {
  const random = seededRandom(0x5eed_000b);
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  let pool = "";
  for (let i = 0; i < 64 * KIB; i++) pool += alphabet[Math.floor(random() * alphabet.length)];
  /** @type {string[]} */
  const frames = [];
  for (let id = 0; id < count; id++) {
    const head = `{"id":${id},"blob":"`;
    const tail = `"}`;
    const fill = 4 * KIB - head.length - tail.length;
    const start = Math.floor(random() * (pool.length - fill));
    frames.push(`data: ${head}${pool.slice(start, start + fill)}${tail}\n\n`);
  }
  return build(
    "large",
    `${count / 1000}k events of 4 KiB JSON data in 64 KiB chunks`,
    frames,
    count * 4 * KIB,
    (bytes) => fixedChunks(bytes, 64 * KIB),
  );
}

// Mostly ASCII word pieces, with a few multi-byte ones so that random chunk boundaries also fall
// inside UTF-8 sequences, as they do in real LLM streams.
const TOKENS = [
  "The",
  " quick",
  " brown",
  " fox",
  " jumps",
  " over",
  " the",
  " lazy",
  " dog",
  ".",
  ",",
  " and",
  " a",
  " to",
  " of",
  " in",
  " is",
  " that",
  " it",
  " for",
  "\\n",
  " stream",
  "ing",
  " token",
  " café",
  " naïve",
  " —",
  " 東京",
  " 🙂",
  "ü",
];

/**
 * (c) LLM-style token stream: tiny single-line events in small random chunks.
 * @param {number} [count]
 * @returns {Workload}
 */
export function llmTokenEvents(count = 200_000) {
  const random = seededRandom(0x5eed_000c);
  /** @type {string[]} */
  const frames = [];
  let dataLength = 0;
  for (let i = 0; i < count; i++) {
    const token = TOKENS[Math.floor(random() * TOKENS.length)] ?? "";
    const data = `{"choices":[{"delta":{"content":"${token}"}}]}`;
    dataLength += data.length;
    frames.push(`data: ${data}\n\n`);
  }
  const chunkRandom = seededRandom(0xc4a2_c5ed);
  return build(
    "tokens",
    `${count / 1000}k LLM-token events in random 1–200 byte chunks (mulberry32, fixed seed)`,
    frames,
    dataLength,
    (bytes) => randomChunks(bytes, 1, 200, chunkRandom),
  );
}
