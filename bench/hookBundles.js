// What an app pays, min+gzip, for importing one of wirekit's hooks: the built @wirekit/react and
// @wirekit/core bundled by esbuild with React external, as the issue that set the budgets
// measured them. Each entry is a one-line module, bundled alone into one file.
//
//   node bench/hookBundles.js    prints the table

import { gzipSync } from "node:zlib";
import { build } from "esbuild";

/**
 * @typedef {object} HookBundleSpec
 * @property {string} label
 * @property {string} code The entry module.
 * @property {number | undefined} budget Min+gzip bytes the bundle may weigh.
 * @property {string[]} forbidden Source modules (by file name) the bundle must not hold.
 */

const SSE_MODULES = [
  "eventStreamParser.js",
  "eventStreamReader.js",
  "eventStreamFields.js",
  "documentUrl.js",
  "utf8Chunks.js",
  "eventStreamParseError.js",
  "fetchEventSource.js",
  "eventSourceTarget.js",
  "eventSourceRetry.js",
  "eventStreamResponse.js",
  "eventSourceTransport.js",
  "eventStreamSession.js",
  "eventStreamEndpoint.js",
  "eventStreamChannels.js",
  "watchdog.js",
];
// Bytes on channels: binaryChannelProtocol, for apps that pass it.
const BINARY_FRAMES = "binaryChannelProtocol.js";
const CHANNEL_MODULES = [
  "channelClient.js",
  "credentialRefresh.js",
  "channelErrors.js",
  "channelProtocol.js",
  "publishes.js",
  "channelSource.js",
  "channelSubscription.js",
  "tokenBucket.js",
  "webSocketChannels.js",
  "eventStreamChannels.js",
  BINARY_FRAMES,
];
// Presence is its own modules (issue 12): the hooks that do not show it must not carry it.
const PRESENCE_MODULES = ["presenceClient.js", "presenceObserver.js", "usePresence.js"];
// FetchEventSource and the parser under it: @wirekit/core/event-source, for apps that import it.
const FETCH_EVENT_SOURCE_MODULES = [
  "fetchEventSource.js",
  "eventStreamParser.js",
  "eventStreamReader.js",
  "eventStreamFields.js",
  "utf8Chunks.js",
  "eventStreamParseError.js",
  "eventStreamResponse.js",
  "eventSourceTarget.js",
  "eventSourceRetry.js",
];
const WEBSOCKET_MODULES = [
  "webSocketTransport.js",
  "webSocketEndpoint.js",
  "outbox.js",
  "heartbeat.js",
];

/** @type {HookBundleSpec[]} */
export const HOOK_BUNDLES = [
  {
    label: "useSocket",
    code: `export { useSocket } from "@wirekit/react";`,
    budget: 6144,
    forbidden: [...SSE_MODULES, ...CHANNEL_MODULES, ...PRESENCE_MODULES],
  },
  {
    label: "useEventStream (the browser's EventSource)",
    code: `export { useEventStream } from "@wirekit/react";`,
    budget: 6144,
    forbidden: [
      ...CHANNEL_MODULES,
      ...WEBSOCKET_MODULES,
      ...PRESENCE_MODULES,
      ...FETCH_EVENT_SOURCE_MODULES,
    ],
  },
  {
    label: "useEventStream with FetchEventSource",
    code: [
      `export { useEventStream } from "@wirekit/react";`,
      `export { FetchEventSource } from "@wirekit/core/event-source";`,
    ].join("\n"),
    // What it may add to the browser's EventSource's bundle is checked against what
    // FetchEventSource costs alone (hookBundles.test.ts).
    budget: undefined,
    forbidden: [...CHANNEL_MODULES, ...WEBSOCKET_MODULES, ...PRESENCE_MODULES],
  },
  {
    label: "useRealtime + RealtimeProvider",
    code: `export { useRealtime, RealtimeProvider } from "@wirekit/react";`,
    budget: 8192,
    forbidden: [...SSE_MODULES, ...PRESENCE_MODULES, BINARY_FRAMES],
  },
  {
    // What bytes on channels add, for an app that passes the binary protocol.
    label: "useRealtime + RealtimeProvider with binaryChannelProtocol",
    code: [
      `export { useRealtime, RealtimeProvider } from "@wirekit/react";`,
      `export { binaryChannelProtocol } from "@wirekit/core";`,
    ].join("\n"),
    budget: undefined,
    forbidden: [...SSE_MODULES, ...PRESENCE_MODULES],
  },
  {
    label: "usePresence + RealtimeProvider",
    code: `export { usePresence, RealtimeProvider } from "@wirekit/react";`,
    budget: 8192,
    forbidden: [...SSE_MODULES, "realtimeObserver.js", "useRealtime.js", BINARY_FRAMES],
  },
  {
    // The issue's "all hooks" row: every hook of @wirekit/react, which between them run both
    // transports and the channels.
    label: "every hook, both transports and channels",
    code: `export * from "@wirekit/react";`,
    budget: 12288,
    forbidden: [...FETCH_EVENT_SOURCE_MODULES, "eventStreamChannels.js", BINARY_FRAMES],
  },
  {
    // Everything an app could load besides: channels over an event stream, bytes on channels,
    // and FetchEventSource, each an import the app makes.
    label: "every hook, with event-stream channels, bytes and FetchEventSource",
    code: [
      `export * from "@wirekit/react";`,
      `export { binaryChannelProtocol, eventStreamChannels } from "@wirekit/core";`,
      `export { FetchEventSource } from "@wirekit/core/event-source";`,
    ].join("\n"),
    budget: undefined,
    forbidden: [],
  },
];

/** The peers the budgets were set against, measured the same way in the same run. */
export const PEER_BUNDLES = [
  {
    label: "react-use-websocket `useWebSocket`",
    code: `export { default } from "react-use-websocket";`,
  },
  {
    label: "partysocket/react `usePartySocket`",
    code: `export { default } from "partysocket/react";`,
  },
];

/** What `FetchEventSource` (and the parser under it) costs on its own. */
const FETCH_EVENT_SOURCE = `export { FetchEventSource } from "@wirekit/core/event-source";`;

/**
 * @typedef {object} Bundle
 * @property {number} gzipBytes
 * @property {Record<string, number>} moduleBytes Minified bytes each source file of the wirekit
 *   packages puts in the bundle, by file name.
 */

/**
 * Bundles `code` into one file and measures it.
 * @param {string} code
 * @returns {Promise<Bundle>}
 */
export async function bundle(code) {
  const result = await build({
    stdin: { contents: code, resolveDir: process.cwd(), loader: "js" },
    bundle: true,
    format: "esm",
    platform: "browser",
    minify: true,
    write: false,
    outfile: "out.js",
    metafile: true,
    legalComments: "none",
    external: ["react", "react/jsx-runtime", "react-dom"],
    // What an app ships: every production build defines this, and development-only checks go.
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "silent",
  });
  const [file] = result.outputFiles;
  const output = Object.values(result.metafile?.outputs ?? {})[0];
  if (file === undefined || output === undefined) throw new Error("esbuild gave no bundle");
  const moduleBytes = Object.fromEntries(
    Object.entries(output.inputs)
      .filter(([input]) => input.includes("packages/"))
      .map(([input, { bytesInOutput }]) => [
        input.slice(input.lastIndexOf("/") + 1),
        bytesInOutput,
      ]),
  );
  return { gzipBytes: gzipSync(file.contents, { level: 9 }).length, moduleBytes };
}

/**
 * @typedef {object} HookBundleResult
 * @property {HookBundleSpec} spec
 * @property {number} gzipBytes
 * @property {string[]} modules The wirekit modules in the bundle, by file name.
 * @property {Record<string, number>} moduleBytes Minified bytes of each of them.
 * @property {string[]} forbidden Forbidden modules the bundle holds.
 */

/**
 * @returns {Promise<{ results: HookBundleResult[], fetchEventSourceBytes: number,
 *   peers: Array<{ label: string, gzipBytes: number }> }>}
 */
export async function hookBundleSizes() {
  const fetchEventSourceBytes = (await bundle(FETCH_EVENT_SOURCE)).gzipBytes;
  const results = [];
  for (const spec of HOOK_BUNDLES) {
    const { gzipBytes, moduleBytes } = await bundle(spec.code);
    const modules = Object.keys(moduleBytes);
    results.push({
      spec,
      gzipBytes,
      modules,
      moduleBytes,
      forbidden: spec.forbidden.filter((name) => modules.includes(name)),
    });
  }
  const peers = [];
  for (const peer of PEER_BUNDLES) {
    peers.push({ label: peer.label, gzipBytes: (await bundle(peer.code)).gzipBytes });
  }
  return { results, fetchEventSourceBytes, peers };
}

/**
 * What `FetchEventSource` adds to `useEventStream`'s bundle over the browser's EventSource.
 * @param {HookBundleResult[]} results
 */
export function fetchEventSourceAdds(results) {
  const bytes = (/** @type {string} */ prefix) =>
    results.find((result) => result.spec.label.startsWith(prefix))?.gzipBytes ?? Number.NaN;
  return bytes("useEventStream with") - bytes("useEventStream (");
}

/**
 * The Markdown table for BENCHMARKS.md.
 * @param {Awaited<ReturnType<typeof hookBundleSizes>>} sizes
 */
export function hookBundleTable({ results, fetchEventSourceBytes, peers }) {
  const lines = ["| Import | Min+gzip, B | Budget, B | Met |", "| --- | ---: | ---: | :---: |"];
  for (const { spec, gzipBytes } of results) {
    const { budget } = spec;
    lines.push(
      budget === undefined
        ? `| ${spec.label} | ${gzipBytes.toLocaleString("en")} | – | – |`
        : `| ${spec.label} | ${gzipBytes.toLocaleString("en")} | ${budget.toLocaleString("en")} | ${gzipBytes <= budget ? "yes" : "**no**"} |`,
    );
  }
  for (const peer of peers) {
    lines.push(`| ${peer.label} | ${peer.gzipBytes.toLocaleString("en")} | – | – |`);
  }
  lines.push(
    `| \`FetchEventSource\` alone | ${fetchEventSourceBytes.toLocaleString("en")} | – | – |`,
  );
  const added = fetchEventSourceAdds(results);
  lines.push(
    "",
    `\`FetchEventSource\` adds ${added.toLocaleString("en")} B to \`useEventStream\`, where it costs ${fetchEventSourceBytes.toLocaleString("en")} B alone: it may add what it costs alone and no more (${added <= fetchEventSourceBytes ? "met" : "**not met**"}).`,
  );
  const socket = results.find((result) => result.spec.label === "useSocket");
  if (socket !== undefined) lines.push("", ...moduleTable(socket));
  return lines.join("\n");
}

/**
 * Where a hook's bytes go: each module's minified bytes in its bundle, before compression (gzip
 * works on the whole file, so a module's share of it is only approximate).
 * @param {HookBundleResult} result
 */
function moduleTable({ spec, moduleBytes }) {
  const sorted = Object.entries(moduleBytes)
    .filter(([, bytes]) => bytes > 0)
    .sort(([, a], [, b]) => b - a);
  const total = sorted.reduce((sum, [, bytes]) => sum + bytes, 0);
  return [
    `${spec.label}, by module (minified bytes before gzip, ${total.toLocaleString("en")} in all):`,
    "",
    "| Module | Minified, B | Share |",
    "| --- | ---: | ---: |",
    ...sorted.map(
      ([name, bytes]) =>
        `| \`${name.replace(/\.js$/, "")}\` | ${bytes.toLocaleString("en")} | ${((100 * bytes) / total).toFixed(1)}% |`,
    ),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { results, fetchEventSourceBytes, peers } = await hookBundleSizes();
  for (const peer of peers) console.log(`${peer.label}: ${peer.gzipBytes} B`);
  for (const { spec, gzipBytes, forbidden } of results) {
    console.log(
      `${spec.label}: ${gzipBytes} B${spec.budget === undefined ? "" : ` (budget ${spec.budget} B)`}${forbidden.length > 0 ? ` FORBIDDEN: ${forbidden.join(", ")}` : ""}`,
    );
  }
  console.log(
    `FetchEventSource alone: ${fetchEventSourceBytes} B; adds ${fetchEventSourceAdds(results)} B to useEventStream`,
  );
}
