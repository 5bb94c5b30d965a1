// The system under chaos: one @wirekit/server process (journaled, so kill -9 loses nothing),
// a few real clients over WebSocket and SSE, and hostile connections. `settle` brings it back
// to health and waits for it to catch up; `violations` says what broke a promise.
import { CHANNEL_SUBPROTOCOL } from "@wirekit/core";
import type { BrokerMessage } from "@wirekit/server";
import { vi } from "vitest";
import { WebSocket } from "ws";
import { PATIENCE } from "../../../../test/patience.js";
import type { ServerProcess } from "../support/serverProcess.js";
import { ChaosClient, type ClientKind, type Interval } from "./chaosClient.js";

export const CLIENTS: ReadonlyArray<{ name: string; kind: ClientKind }> = [
  { name: "ada", kind: "ws" },
  { name: "bob", kind: "ws" },
  { name: "cy", kind: "sse" },
];
export const CHANNELS = ["a", "b", "c"] as const;

export class ChaosSystem {
  readonly server: ServerProcess;
  readonly clients: Map<string, ChaosClient>;
  /** What the server published itself: tokens, with the id it answered, when it answered. */
  readonly serverPublishes: Array<{ channel: string; token: string; acked: boolean }> = [];
  readonly floods: Array<Promise<number>> = [];
  readonly #prefix: string;
  #tokens = 0;

  constructor(server: ServerProcess, run: number) {
    this.server = server;
    this.#prefix = `run${run}:`;
    this.clients = new Map(
      CLIENTS.map(({ name, kind }) => [name, new ChaosClient(`${name}${run}`, kind, server)]),
    );
    for (const client of this.clients.values()) {
      for (const channel of CHANNELS) client.subscribe(this.channel(channel));
    }
  }

  /** The wire name of a model channel: every run has channels of its own on the shared server. */
  channel(name: string): string {
    return `${this.#prefix}${name}`;
  }

  client(name: string): ChaosClient {
    return this.clients.get(name) as ChaosClient;
  }

  async serverPublish(channel: string): Promise<void> {
    const record = { channel, token: `server#${++this.#tokens}`, acked: false };
    this.serverPublishes.push(record);
    await this.server.publish(channel, { token: record.token });
    record.acked = true;
  }

  /** A hostile connection sends `frames` pings as fast as it can; resolves with its close code. */
  flood(frames: number): void {
    const socket = new WebSocket(this.server.channelsUrl, [CHANNEL_SUBPROTOCOL]);
    // A reset or a refused connection (the server was killed) ends in `close` too.
    socket.on("error", () => {});
    const closed = new Promise<number>((resolve) => socket.once("close", resolve));
    socket.once("open", () => {
      const ping = JSON.stringify({ type: "ping" });
      for (let sent = 0; sent < frames && socket.readyState === WebSocket.OPEN; sent++) {
        socket.send(ping);
      }
    });
    this.floods.push(closed);
  }

  /** Everything back to health, then waits until every client has caught up. */
  async settle(): Promise<void> {
    if (!this.server.running) await this.server.start();
    for (const client of this.clients.values()) {
      client.setOnline(true);
      client.setVisible(true);
    }
    await vi.waitFor(
      async () => {
        const lagging = await this.#lagging();
        if (lagging.length > 0) throw new Error(`still catching up: ${lagging.join("; ")}`);
      },
      { timeout: PATIENCE, interval: 50 },
    );
  }

  /** The promises the system broke; empty when it kept them all. */
  async violations(): Promise<string[]> {
    const found: string[] = [];
    const histories = await this.#histories();
    const stored = new Map<string, number>();
    for (const messages of histories.values()) {
      for (const message of messages) {
        const token = tokenOf(message);
        stored.set(token, (stored.get(token) ?? 0) + 1);
      }
    }
    for (const [token, count] of stored) {
      if (count > 1) found.push(`${token} was stored ${count} times`);
    }
    for (const { token, acked } of this.serverPublishes) {
      if (acked && stored.get(token) !== 1) found.push(`server publish ${token} acked, not stored`);
    }
    for (const client of this.clients.values()) {
      for (const record of client.publishes) {
        if (record.outcome === "pending") found.push(`${record.token} never settled`);
        if (record.outcome === "untyped") found.push(`${record.token} failed with no PublishError`);
        if (record.outcome === "acked" && stored.get(record.token) !== 1) {
          found.push(`${record.token} was acked but stored ${stored.get(record.token) ?? 0} times`);
        }
      }
      for (const [channel, intervals] of client.intervals) {
        const history = histories.get(channel) ?? [];
        for (const [index, interval] of intervals.entries()) {
          const where = `${client.name} on ${channel} (#${index + 1})`;
          const broken = checkInterval(
            where,
            interval,
            expectedIds(client.kind, history, interval),
          );
          if (broken.length > 0)
            broken.push(
              `  missing: ${this.#explain(client.kind, history, interval)}; resumed at ${interval.resumes
                .map(({ position, cursor }) => `${position}(stood at ${cursor})`)
                .join(", ")}`,
            );
          found.push(...broken);
          if (client.kind === "ws") {
            for (const { position, cursor } of interval.resumes) {
              if (position !== cursor)
                found.push(`${where} resumed at ${position}, stood at ${cursor}`);
            }
          }
        }
      }
    }
    return found;
  }

  /** Lets every client go; the promises about what is left behind: timers, listeners, sockets. */
  async leaks(): Promise<string[]> {
    const found: string[] = [];
    for (const client of this.clients.values()) client.dispose();
    for (const client of this.clients.values()) {
      if (client.pending !== 0)
        found.push(`${client.name} left ${client.pending} publishes pending`);
      if (client.liveTimers !== 0) found.push(`${client.name} left ${client.liveTimers} timers`);
      if (client.pageListeners !== 0) {
        found.push(`${client.name} left ${client.pageListeners} page listeners`);
      }
    }
    const codes = await Promise.all(this.floods);
    for (const code of codes) {
      // Cut for its rate (4429), or with the whole server by a kill (1006).
      if (code !== 4429 && code !== 1006) found.push(`a flood ended with ${code}`);
    }
    await vi
      .waitFor(
        async () => {
          const { open, streams } = await this.server.counts();
          if (open !== 0 || streams !== 0) throw new Error(`${open} sockets, ${streams} streams`);
        },
        { timeout: PATIENCE, interval: 50 },
      )
      .catch((error: Error) => found.push(`the server still holds ${error.message}`));
    return found;
  }

  /** What became of the messages an interval missed: which publish, and what its sender heard. */
  #explain(kind: ClientKind, history: readonly BrokerMessage[], interval: Interval): string {
    const got = new Set(interval.ids);
    const outcomes = new Map<string, string>();
    for (const client of this.clients.values()) {
      for (const record of client.publishes) outcomes.set(record.token, record.outcome);
    }
    for (const record of this.serverPublishes) outcomes.set(record.token, String(record.acked));
    return expectedIds(kind, history, interval)
      .filter((id) => !got.has(id))
      .map((id) => {
        const message = history.find((m) => (kind === "ws" ? m.id : String(m.seq)) === id);
        const token = message === undefined ? "?" : tokenOf(message);
        return `${id}=${token} (${outcomes.get(token) ?? "?"})`;
      })
      .join(", ");
  }

  async #histories(): Promise<Map<string, readonly BrokerMessage[]>> {
    const histories = new Map<string, readonly BrokerMessage[]>();
    for (const name of CHANNELS) {
      const channel = this.channel(name);
      histories.set(channel, (await this.server.history(channel)).messages);
    }
    return histories;
  }

  async #lagging(): Promise<string[]> {
    // Publishes first: one acked while the histories are read would be in none of them, and the
    // clients would look caught up on a history that is about to grow.
    const pending = [...this.clients.values()].filter((client) =>
      client.publishes.some((record) => record.outcome === "pending"),
    );
    if (pending.length > 0) return pending.map((client) => `${client.name} has publishes pending`);
    const histories = await this.#histories();
    const lagging: string[] = [];
    for (const client of this.clients.values()) {
      for (const channel of client.channels) {
        const interval = client.intervals.get(channel)?.at(-1);
        if (interval === undefined || interval.start === undefined) {
          lagging.push(`${client.name} is not subscribed to ${channel} yet`);
          continue;
        }
        const expected = expectedIds(client.kind, histories.get(channel) ?? [], interval);
        const start = BigInt(interval.start);
        const got = interval.ids.filter((id) => BigInt(id) > start).length;
        if (got < expected.length) {
          lagging.push(`${client.name} has ${got}/${expected.length} on ${channel}`);
        }
      }
    }
    return lagging;
  }
}

/** What a subscription must deliver: every message after where it started, in order. */
function expectedIds(
  kind: ClientKind,
  history: readonly BrokerMessage[],
  interval: Interval,
): string[] {
  if (interval.start === undefined) return [];
  const start = BigInt(interval.start);
  // A channel's ids over WebSocket; the stream-wide seq over SSE (PROTOCOL.md section 9).
  const idOf = (message: BrokerMessage) => (kind === "ws" ? message.id : String(message.seq));
  return history.map(idOf).filter((id) => BigInt(id) > start);
}

/**
 * Exactly once, in order, nothing lost: an interval's ids only ever grow, and those after its
 * start are the expected ones — all of them while it lasts, a prefix once it ended. (Ids up to
 * the start may come first: messages of an earlier subscription still on their way.) There is
 * no gap to excuse anything: the journal keeps every message, so a gap would itself be a broken
 * promise.
 */
function checkInterval(where: string, interval: Interval, expected: readonly string[]): string[] {
  const found: string[] = [];
  for (const gap of interval.gaps) found.push(`${where} was told of a gap at ${gap}`);
  const got = interval.ids;
  for (let index = 1; index < got.length; index++) {
    if (BigInt(got[index] as string) <= BigInt(got[index - 1] as string)) {
      found.push(`${where}: ${got[index]} came after ${got[index - 1]}`);
    }
  }
  if (interval.start === undefined) {
    if (!interval.ended) found.push(`${where} was never confirmed`);
    return found;
  }
  const start = BigInt(interval.start);
  const after = got.filter((id) => BigInt(id) > start);
  const length = interval.ended ? Math.min(after.length, expected.length) : expected.length;
  const want = expected.slice(0, length);
  if (after.length !== want.length || after.some((id, index) => id !== want[index])) {
    found.push(
      `${where} after ${interval.start}: got [${after.join(",")}], want [${want.join(",")}]`,
    );
  }
  return found;
}

function tokenOf(message: BrokerMessage): string {
  return String((message.data as { token?: unknown } | null)?.token);
}
