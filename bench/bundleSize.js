// Bundle size: what importing part of the built @wirekit/core costs an app, minified and
// gzipped. Each bundle is a one-line entry module that re-exports some of the package's exports,
// bundled on its own by Vite's `build()` (rolldown) with tree-shaking and full minification, as an
// app build would; the bytes per source module come from the bundle's sourcemap.
//
//   node bench/bundleSize.js    prints the tables

import { createRequire } from "node:module";
import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "vite";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
// The built package by path: the `source` export condition (vite.config.ts) never applies, and
// `configFile: false` keeps that config out anyway.
const CORE_DIST = resolve(ROOT, "packages/core/dist");
const CORE_ENTRY = resolve(CORE_DIST, "index.js");
// Nothing is written; the sourcemap's sources are relative to this.
const OUT_DIR = resolve(ROOT, "node_modules/.cache/wirekit-bundle-size");
const ENTRY_ID = "virtual:wirekit-bundle-entry";
const RESOLVED_ENTRY_ID = `\0${ENTRY_ID}`;
const GLUE = "(unmapped)";

/**
 * @typedef {object} BundleSpec
 * @property {string} label
 * @property {string} imports How the entry imports, for the table.
 * @property {string} code The entry module.
 * @property {"sse" | "websocket" | undefined} side Which transport the bundle is for: modules
 *   only the other one needs should not be in it.
 */

/**
 * @typedef {object} BundleResult
 * @property {BundleSpec} spec
 * @property {number} minBytes Minified bundle, UTF-8 bytes.
 * @property {number} gzipBytes The same, gzipped (zlib, level 9).
 * @property {Map<string, number>} modules Characters of the minified bundle that the sourcemap
 *   attributes to each module of packages/core/dist (`index.js`-relative names), plus GLUE.
 * @property {string[]} foreign Modules in the bundle that only the other transport needs.
 */

/** Modules only one transport needs. Everything else (Connection, errors, backoff) is shared. */
const ONLY = /** @type {const} */ ({
  websocket: [
    "webSocketTransport.js",
    "channelClient.js",
    "channelProtocol.js",
    "outgoingQueue.js",
    "outbox.js",
  ],
  sse: [
    "eventStreamParser.js",
    "fetchEventSource.js",
    "retryPolicy.js",
    "eventSourceTransport.js",
    "eventStreamChannels.js",
  ],
});

/**
 * @param {string[]} names
 * @returns {string}
 */
const reexport = (names) => `export { ${names.join(", ")} } from ${JSON.stringify(CORE_ENTRY)};`;

/** @type {BundleSpec[]} */
export const BUNDLES = [
  {
    label: "SSE parser",
    imports: "createEventStreamParser",
    code: reexport(["createEventStreamParser"]),
    side: "sse",
  },
  {
    label: "FetchEventSource",
    imports: "FetchEventSource",
    code: reexport(["FetchEventSource"]),
    side: "sse",
  },
  {
    label: "SSE connection",
    imports: "Connection, fetchEventSourceTransport, eventSourceTransport",
    code: reexport(["Connection", "fetchEventSourceTransport", "eventSourceTransport"]),
    side: "sse",
  },
  {
    label: "WebSocket + channels",
    imports: "Connection, webSocketTransport, ChannelClient, jsonChannelProtocol",
    code: reexport(["Connection", "webSocketTransport", "ChannelClient", "jsonChannelProtocol"]),
    side: "websocket",
  },
  {
    label: "ConnectionManager",
    imports: "ConnectionManager",
    code: reexport(["ConnectionManager"]),
    side: undefined,
  },
  {
    label: "Everything",
    imports: "export * from",
    code: `export * from ${JSON.stringify(CORE_ENTRY)};`,
    side: undefined,
  },
];

const require = createRequire(import.meta.url);
/** @param {string} name */
const versionOf = (name) =>
  /** @type {{ version: string }} */ (require(`${name}/package.json`)).version;
/** The bundler, for the report. */
export const BUNDLER = `vite ${versionOf("vite")} (rolldown ${versionOf("rolldown")})`;

/**
 * Bundles one entry and measures it.
 * @param {BundleSpec} spec
 * @returns {Promise<BundleResult>}
 */
async function measureBundle(spec) {
  const result = await build({
    configFile: false,
    envFile: false,
    root: ROOT,
    logLevel: "silent",
    publicDir: false,
    plugins: [
      {
        name: "wirekit-bundle-entry",
        enforce: "pre",
        // Library mode resolves the entry against the root first.
        resolveId: (id) => (id.endsWith(ENTRY_ID) ? RESOLVED_ENTRY_ID : undefined),
        load: (id) => (id === RESOLVED_ENTRY_ID ? spec.code : undefined),
      },
    ],
    build: {
      write: false,
      outDir: OUT_DIR,
      emptyOutDir: false,
      reportCompressedSize: false,
      sourcemap: true,
      minify: true,
      lib: { entry: ENTRY_ID, formats: ["es"], fileName: "entry" },
      // Library mode keeps the whitespace of an ES bundle (for the next bundler); an app build
      // does not, and that is what the bytes should say. Same for comments.
      rolldownOptions: { output: { minify: true, comments: false } },
    },
  });
  const outputs = Array.isArray(result) ? result : [result];
  const chunks = outputs.flatMap((output) =>
    "output" in output ? output.output.filter((file) => file.type === "chunk") : [],
  );
  const [chunk, ...rest] = chunks;
  if (chunk === undefined || rest.length > 0) {
    throw new Error(`${spec.label}: expected one chunk, got ${chunks.length}`);
  }
  if (chunk.map === null) throw new Error(`${spec.label}: no sourcemap`);
  const modules = attribute(chunk.code, chunk.map.mappings, chunk.map.sources);
  const names = [...modules.keys()];
  const foreign =
    spec.side === undefined
      ? []
      : names.filter((name) =>
          /** @type {readonly string[]} */ (
            ONLY[spec.side === "sse" ? "websocket" : "sse"]
          ).includes(name),
        );
  return {
    spec,
    minBytes: Buffer.byteLength(chunk.code),
    gzipBytes: gzipSync(chunk.code, { level: 9 }).length,
    modules,
    foreign,
  };
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/**
 * Characters of `code` per source module, from a source map's mappings: each mapped segment runs
 * to the next segment, or to the end of its line.
 * @param {string} code
 * @param {string} mappings
 * @param {string[]} sources
 * @returns {Map<string, number>}
 */
function attribute(code, mappings, sources) {
  const names = sources.map((source) => {
    const path = resolve(OUT_DIR, source);
    return path.startsWith(`${CORE_DIST}/`) ? relative(CORE_DIST, path) : relative(ROOT, path);
  });
  /** @type {Map<string, number>} */
  const totals = new Map();
  const add = (/** @type {string} */ name, /** @type {number} */ count) => {
    if (count > 0) totals.set(name, (totals.get(name) ?? 0) + count);
  };
  const lines = code.split("\n");
  const mappedLines = mappings.split(";");
  let sourceIndex = 0;
  for (const [lineIndex, line] of lines.entries()) {
    /** @type {{ column: number, source: number | undefined }[]} */
    const segments = [];
    for (const segment of (mappedLines[lineIndex] ?? "").split(",")) {
      if (segment === "") continue;
      const fields = decodeVlq(segment);
      const column = (segments.at(-1)?.column ?? 0) + (fields[0] ?? 0);
      if (fields.length >= 4) sourceIndex += fields[1] ?? 0;
      segments.push({ column, source: fields.length >= 4 ? sourceIndex : undefined });
    }
    add(GLUE, (segments[0]?.column ?? line.length) + (lineIndex < lines.length - 1 ? 1 : 0));
    for (const [index, segment] of segments.entries()) {
      const end = segments[index + 1]?.column ?? line.length;
      const name = segment.source === undefined ? GLUE : (names[segment.source] ?? GLUE);
      add(name, end - segment.column);
    }
  }
  return totals;
}

/**
 * @param {string} segment Base64 VLQ (source map v3).
 * @returns {number[]}
 */
function decodeVlq(segment) {
  /** @type {number[]} */
  const values = [];
  let value = 0;
  let shift = 0;
  for (const character of segment) {
    const digit = BASE64.indexOf(character);
    if (digit === -1) throw new Error(`bad VLQ character ${character}`);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    values.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }
  return values;
}

/**
 * Bundles every entry of BUNDLES, one after another.
 * @returns {Promise<BundleResult[]>}
 */
export async function bundleSizes() {
  /** @type {BundleResult[]} */
  const results = [];
  for (const spec of BUNDLES) results.push(await measureBundle(spec));
  return results;
}

/** @param {number} bytes */
const kB = (bytes) => `${(bytes / 1000).toFixed(1)} kB`;

/**
 * The sizes table.
 * @param {BundleResult[]} results
 * @returns {string}
 */
export function bundleSizeTable(results) {
  const lines = [
    "| Bundle | Imports | Minified | Min + gzip | Modules |",
    "| --- | --- | ---: | ---: | ---: |",
  ];
  for (const { spec, minBytes, gzipBytes, modules } of results) {
    const count = [...modules.keys()].filter((name) => name !== GLUE).length;
    lines.push(
      `| ${spec.label} | \`${spec.imports}\` | ${minBytes} B (${kB(minBytes)}) | ${gzipBytes} B (${kB(gzipBytes)}) | ${count} |`,
    );
  }
  return lines.join("\n");
}

/**
 * Minified characters per module (rows) and bundle (columns), from the sourcemaps.
 * @param {BundleResult[]} results
 * @returns {string}
 */
export function bundleModuleTable(results) {
  const order = [...new Set(results.flatMap((result) => [...result.modules.keys()]))].sort(
    (a, b) => Number(a === GLUE) - Number(b === GLUE) || a.localeCompare(b),
  );
  const lines = [
    `| Module | ${results.map((result) => result.spec.label).join(" | ")} |`,
    `| --- |${results.map(() => " ---: |").join("")}`,
  ];
  for (const name of order) {
    const cells = results.map((result) => {
      const size = result.modules.get(name);
      if (size === undefined) return "–";
      return result.foreign.includes(name) ? `**${size}**` : `${size}`;
    });
    lines.push(`| ${name === GLUE ? name : `\`${name}\``} | ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

/**
 * What tree-shaking kept that a bundle's side does not need: one line per transport-specific
 * bundle, and one for a bundle with no side that holds both transports.
 * @param {BundleResult[]} results
 * @returns {string}
 */
export function bundleTreeShaking(results) {
  const lines = [];
  for (const { spec, foreign, modules } of results) {
    const list = (/** @type {string[]} */ names) =>
      names.map((name) => `\`${name}\` (${modules.get(name)} B)`).join(", ");
    if (spec.side !== undefined) {
      const other = spec.side === "sse" ? "WebSocket" : "SSE";
      let line =
        foreign.length === 0
          ? `- ${spec.label}: no ${other}-only module.`
          : `- ${spec.label}: **${other}-only code kept**: ${list(foreign)}.`;
      if (foreign.includes("outgoingQueue.js")) {
        line +=
          " `Connection` creates its outgoing queue only for a WebSocket transport, a run-time" +
          " test (`transport.kind`) that a bundler cannot evaluate, so every `Connection` ships it.";
      }
      lines.push(line);
      continue;
    }
    if (spec.label !== "ConnectionManager") continue;
    const names = [...modules.keys()];
    const sse = names.filter((name) => ONLY.sse.some((only) => only === name));
    // The outgoing queue comes with every Connection (above); list what the manager adds.
    const websocket = names.filter(
      (name) => name !== "outgoingQueue.js" && ONLY.websocket.some((only) => only === name),
    );
    if (sse.length > 0 && websocket.length > 0) {
      lines.push(
        `- ${spec.label}: **both transports**, whichever an app uses: ${list([...websocket, ...sse])}. It picks the transport at run time from \`endpoint.transport\`.`,
      );
    }
  }
  return lines.join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const results = await bundleSizes();
  console.log(
    `${BUNDLER}\n\n${bundleSizeTable(results)}\n\n${bundleModuleTable(results)}\n\n${bundleTreeShaking(results)}`,
  );
}
