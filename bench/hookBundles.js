// What an app pays, min+gzip, for importing one of wirekit's hooks: the built @wirekit/react and
// @wirekit/core bundled by esbuild with React external, as the issue that set the budgets
// measured them. Each entry is a one-line module; its entry chunk is what loads at once, and
// code split off behind a dynamic import (FetchEventSource) is a chunk of its own.
//
//   node bench/hookBundles.js    prints the table

import { gzipSync } from "node:zlib";
import { build } from "esbuild";

/**
 * @typedef {object} HookBundleSpec
 * @property {string} label
 * @property {string} code The entry module.
 * @property {number} budget Min+gzip bytes the measured chunks may weigh.
 * @property {"entry" | "all"} measure What loads with the entry, or every chunk it can load.
 * @property {string[]} forbidden Source modules (by file name) that must not load with the entry.
 */

const SSE_MODULES = [
  "eventStreamParser.js",
  "eventStreamReader.js",
  "eventStreamFields.js",
  "documentUrl.js",
  "utf8Chunks.js",
  "eventStreamParseError.js",
  "fetchEventSource.js",
  "fetchEventSourceTransport.js",
  "eventSourceTarget.js",
  "eventSourceRetry.js",
  "eventStreamResponse.js",
  "eventSourceTransport.js",
  "eventStreamSession.js",
  "eventStreamEndpoint.js",
  "eventStreamChannels.js",
  "watchdog.js",
];
const CHANNEL_MODULES = [
  "channelClient.js",
  "channelErrors.js",
  "channelProtocol.js",
  "publishes.js",
  "channelSource.js",
  "channelSubscription.js",
  "tokenBucket.js",
  "webSocketChannels.js",
  "eventStreamChannels.js",
];
// Presence is its own modules (issue 12): the hooks that do not show it must not carry it.
const PRESENCE_MODULES = ["presenceClient.js", "presenceObserver.js", "usePresence.js"];
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
    measure: "entry",
    forbidden: [...SSE_MODULES, ...CHANNEL_MODULES, ...PRESENCE_MODULES],
  },
  {
    label: "useEventStream (the browser's EventSource)",
    code: `export { useEventStream } from "@wirekit/react";`,
    budget: 6144,
    measure: "entry",
    forbidden: [
      ...CHANNEL_MODULES,
      ...WEBSOCKET_MODULES,
      ...PRESENCE_MODULES,
      "fetchEventSource.js",
      "eventStreamParser.js",
      "eventStreamReader.js",
      "eventStreamFields.js",
      "utf8Chunks.js",
      "eventStreamParseError.js",
      "eventStreamResponse.js",
      "eventSourceTarget.js",
    ],
  },
  {
    label: "useRealtime + RealtimeProvider",
    code: `export { useRealtime, RealtimeProvider } from "@wirekit/react";`,
    budget: 8192,
    measure: "entry",
    forbidden: [...SSE_MODULES, ...PRESENCE_MODULES],
  },
  {
    label: "usePresence + RealtimeProvider",
    code: `export { usePresence, RealtimeProvider } from "@wirekit/react";`,
    budget: 8192,
    measure: "entry",
    forbidden: [...SSE_MODULES, "realtimeObserver.js", "useRealtime.js"],
  },
  {
    label: "every hook, both transports and channels",
    code: [
      `export * from "@wirekit/react";`,
      `export { eventStreamChannels } from "@wirekit/core";`,
      `export { FetchEventSource } from "@wirekit/core/event-source";`,
    ].join("\n"),
    budget: 12288,
    measure: "all",
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
 * @typedef {object} BundleChunk
 * @property {string} path
 * @property {number} gzipBytes
 * @property {string[]} modules Source files of the wirekit packages in the chunk (file names).
 * @property {Record<string, number>} moduleBytes Minified bytes each of those files puts in it.
 * @property {boolean} eager Loaded with the entry: the entry chunk, or one it imports statically.
 * @property {boolean} reachable Loaded with the entry, or by a dynamic import the app kept.
 */

/**
 * Bundles `code` and measures each chunk.
 * @param {string} code
 * @returns {Promise<BundleChunk[]>}
 */
export async function bundle(code) {
  const result = await build({
    stdin: { contents: code, resolveDir: process.cwd(), loader: "js" },
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "browser",
    minify: true,
    write: false,
    outdir: "out",
    metafile: true,
    legalComments: "none",
    external: ["react", "react/jsx-runtime", "react-dom"],
    // What an app ships: every production build defines this, and development-only checks go.
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "silent",
  });
  const metafile = result.metafile;
  if (metafile === undefined) throw new Error("esbuild gave no metafile");
  // The chunks that load with the entry: it, and what it (and they) import statically. A chunk
  // behind a dynamic import loads only when asked for. esbuild makes a chunk of every dynamic
  // import it sees, even one in code it then shakes off: only those the kept code imports count.
  /** @param {Set<string>} into @param {string} name @param {boolean} dynamic */
  const visit = (into, name, dynamic) => {
    if (into.has(name)) return;
    into.add(name);
    for (const imported of metafile.outputs[name]?.imports ?? []) {
      if (imported.external) continue;
      if (imported.kind === "import-statement" || (dynamic && imported.kind === "dynamic-import")) {
        visit(into, imported.path, dynamic);
      }
    }
  };
  const eager = new Set();
  const reachable = new Set();
  for (const [name, output] of Object.entries(metafile.outputs)) {
    // The module the app imports; chunks behind a dynamic import are entry points of their own.
    if (output.entryPoint === "<stdin>") {
      visit(eager, name, false);
      visit(reachable, name, true);
    }
  }
  return result.outputFiles
    .filter((file) => file.path.endsWith(".js"))
    .map((file) => {
      const key = Object.keys(metafile.outputs).find((name) => file.path.endsWith(name));
      const output = key === undefined ? undefined : metafile.outputs[key];
      const moduleBytes = Object.fromEntries(
        Object.entries(output?.inputs ?? {})
          .filter(([input]) => input.includes("packages/"))
          .map(([input, { bytesInOutput }]) => [
            input.slice(input.lastIndexOf("/") + 1),
            bytesInOutput,
          ]),
      );
      return {
        path: key ?? file.path,
        gzipBytes: gzipSync(file.contents, { level: 9 }).length,
        modules: Object.keys(moduleBytes),
        moduleBytes,
        eager: key !== undefined && eager.has(key),
        reachable: key !== undefined && reachable.has(key),
      };
    });
}

/**
 * @typedef {object} HookBundleResult
 * @property {HookBundleSpec} spec
 * @property {number} gzipBytes What was measured: the entry chunk, or every chunk.
 * @property {number} entryBytes The chunks that load with the entry.
 * @property {number} lazyBytes The chunks loaded on demand.
 * @property {string[]} modules The modules that load with the entry.
 * @property {Record<string, number>} moduleBytes Minified bytes of each module loaded with the entry.
 * @property {string[]} forbidden Forbidden modules that load with the entry.
 */

/**
 * @returns {Promise<{ results: HookBundleResult[], fetchEventSourceBytes: number,
 *   peers: Array<{ label: string, gzipBytes: number }> }>}
 */
export async function hookBundleSizes() {
  const fetchEventSourceBytes = (await bundle(FETCH_EVENT_SOURCE)).reduce(
    (sum, chunk) => sum + chunk.gzipBytes,
    0,
  );
  const results = [];
  for (const spec of HOOK_BUNDLES) {
    const chunks = await bundle(spec.code);
    const eager = chunks.filter((chunk) => chunk.eager);
    const sum = (/** @type {BundleChunk[]} */ list) =>
      list.reduce((total, chunk) => total + chunk.gzipBytes, 0);
    const entryBytes = sum(eager);
    const all = sum(chunks.filter((chunk) => chunk.reachable));
    const moduleBytes = Object.assign({}, ...eager.map((chunk) => chunk.moduleBytes));
    const modules = Object.keys(moduleBytes);
    results.push({
      spec,
      gzipBytes: spec.measure === "entry" ? entryBytes : all,
      entryBytes,
      lazyBytes: all - entryBytes,
      modules,
      moduleBytes,
      forbidden: spec.forbidden.filter((name) => modules.includes(name)),
    });
  }
  const peers = [];
  for (const peer of PEER_BUNDLES) {
    const chunks = await bundle(peer.code);
    peers.push({
      label: peer.label,
      gzipBytes: chunks.filter((chunk) => chunk.eager).reduce((sum, c) => sum + c.gzipBytes, 0),
    });
  }
  return { results, fetchEventSourceBytes, peers };
}

/**
 * The Markdown table for BENCHMARKS.md.
 * @param {Awaited<ReturnType<typeof hookBundleSizes>>} sizes
 */
export function hookBundleTable({ results, fetchEventSourceBytes, peers }) {
  const lines = [
    "| Import | Loads with it, B | On demand, B | Budget, B | Met |",
    "| --- | ---: | ---: | ---: | :---: |",
  ];
  for (const { spec, gzipBytes, entryBytes, lazyBytes } of results) {
    const budget = spec.budget;
    lines.push(
      `| ${spec.label} | ${entryBytes.toLocaleString("en")} | ${lazyBytes.toLocaleString("en")} | ${budget.toLocaleString("en")} | ${gzipBytes <= budget ? "yes" : "**no**"} |`,
    );
  }
  for (const peer of peers) {
    lines.push(`| ${peer.label} | ${peer.gzipBytes.toLocaleString("en")} | – | – | – |`);
  }
  lines.push(
    `| \`FetchEventSource\` alone | ${fetchEventSourceBytes.toLocaleString("en")} | – | – | – |`,
  );
  const stream = results.find((result) => result.spec.label.startsWith("useEventStream"));
  if (stream !== undefined) {
    const added = stream.lazyBytes;
    lines.push(
      "",
      `\`useEventStream\` with \`FetchEventSource\` loads ${added.toLocaleString("en")} B more on demand, where \`FetchEventSource\` alone costs ${fetchEventSourceBytes.toLocaleString("en")} B: it may add what it costs alone and no more (${added <= fetchEventSourceBytes ? "met" : "**not met**"}).`,
    );
  }
  const socket = results.find((result) => result.spec.label === "useSocket");
  if (socket !== undefined) lines.push("", ...moduleTable(socket));
  return lines.join("\n");
}

/**
 * Where a hook's bytes go: each module's minified bytes in what loads with the entry, before
 * compression (gzip works on the whole chunk, so a module's share of it is only approximate).
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
  for (const { spec, gzipBytes, entryBytes, lazyBytes, forbidden } of results) {
    console.log(
      `${spec.label}: ${gzipBytes} B (entry ${entryBytes} B, on demand ${lazyBytes} B; budget ${spec.budget} B)${forbidden.length > 0 ? ` FORBIDDEN: ${forbidden.join(", ")}` : ""}`,
    );
  }
  console.log(`FetchEventSource alone: ${fetchEventSourceBytes} B`);
}
