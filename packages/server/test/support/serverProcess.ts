// Runs serverMain.js, a @wirekit/server in a child process, and gives the test the handles a
// user's operations would have: kill -9, start again on the same port, publish, read history.
// It runs the built package (`npm test` builds it first), as a deployed server would.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { BrokerMessage, ChannelServerCounts, ReplayResult } from "@wirekit/server";
import { onTestFinished } from "vitest";
import { PATIENCE } from "../../../../test/patience.js";

export interface ServerProcessConfig {
  /** A JSON-lines journal for a memory broker: a restart resumes from it. */
  journal?: string;
  /** A Redis unix socket: the process uses a Redis broker instead. */
  redis?: string;
  prefix?: string;
  historySize?: number;
  rateLimit?: { messages: number; per: number };
  heartbeat?: number;
  /** With `redis`: how long members of a process that stopped refreshing them stay. */
  presenceTtl?: number;
}

export interface ServerProcess {
  readonly port: number;
  /** `ws://…/channels` */
  readonly channelsUrl: string;
  /** `http://…/stream` */
  readonly streamUrl: string;
  readonly running: boolean;
  /** SIGKILL: no goodbye to any client, nothing flushed that was not on disk. */
  kill(): Promise<void>;
  /** Starts the process again on the same port. */
  start(): Promise<void>;
  publish(channel: string, data: unknown): Promise<{ id: string; seq: number }>;
  history(channel: string, after?: string): Promise<ReplayResult>;
  /** Cuts every socket of the client that put `client=<name>` in its URL; how many there were. */
  drop(client: string): Promise<number>;
  counts(): Promise<ChannelServerCounts & { streams: number; slowClientsCut: number }>;
}

const MAIN = fileURLToPath(new URL("./serverMain.js", import.meta.url));
const DIST = fileURLToPath(new URL("../../dist/index.js", import.meta.url));

/** Starts the process for one test: it is killed when the test ends. */
export async function startServerProcess(config: ServerProcessConfig = {}): Promise<ServerProcess> {
  const server = await launchServerProcess(config);
  onTestFinished(() => server.kill());
  return server;
}

/** Starts the process; killing it is the caller's business (a whole file's `afterAll`). */
export async function launchServerProcess(
  config: ServerProcessConfig = {},
): Promise<ServerProcess> {
  if (!existsSync(DIST)) throw new Error("packages/server/dist is missing: run `npm run build`.");
  let port = 0;
  let child: ChildProcess | undefined;

  const launch = async () => {
    const started = spawn(process.execPath, [MAIN, JSON.stringify({ ...config, port })], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    child = started;
    port = await new Promise<number>((resolve, reject) => {
      let output = "";
      const timer = setTimeout(
        () => reject(new Error(`the server process did not start within ${PATIENCE} ms`)),
        PATIENCE,
      );
      started.stdout?.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        const ready = /ready (\d+)/.exec(output);
        if (ready === null) return;
        clearTimeout(timer);
        resolve(Number(ready[1]));
      });
      started.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`the server process exited with ${code} before it was ready`));
      });
    });
  };

  const request = async <T>(path: string, init?: RequestInit): Promise<T> => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, init);
    const body = (await response.json()) as T & { error?: string };
    if (!response.ok) throw new Error(`${path}: ${body.error ?? response.status}`);
    return body;
  };

  const api: ServerProcess = {
    get port() {
      return port;
    },
    get channelsUrl() {
      return `ws://127.0.0.1:${port}/channels`;
    },
    get streamUrl() {
      return `http://127.0.0.1:${port}/stream`;
    },
    get running() {
      return child !== undefined;
    },
    async kill() {
      const current = child;
      child = undefined;
      if (current === undefined || current.exitCode !== null) return;
      const exited = new Promise((resolve) => current.once("exit", resolve));
      current.kill("SIGKILL");
      await exited;
    },
    start: launch,
    publish: (channel, data) =>
      request("/publish", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ channel, data }),
      }),
    history: (channel, after = "0") =>
      request<{ messages: BrokerMessage[]; complete: boolean }>(
        `/history?channel=${encodeURIComponent(channel)}&after=${encodeURIComponent(after)}`,
      ),
    drop: async (client) =>
      (
        await request<{ dropped: number }>(`/drop?name=${encodeURIComponent(client)}`, {
          method: "POST",
        })
      ).dropped,
    counts: () => request("/counts"),
  };
  await launch();
  return api;
}
