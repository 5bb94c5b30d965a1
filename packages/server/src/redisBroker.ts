import { isMessageId } from "@wirekit/core/protocol";
import { createClient, ErrorReply, type RedisClientOptions } from "redis";
import type { Broker, ReplayResult } from "./broker.js";
import { assertPositive, WirekitServerError } from "./errors.js";
import type { PresenceStore } from "./presenceStore.js";
import { createFeeds, type StoredTail } from "./redisFeeds.js";
import { createRedisPresence } from "./redisPresence.js";
import {
  decodeEntry,
  encodeData,
  listOf,
  type StoredMessage,
  toBrokerMessage,
} from "./redisRecords.js";
import {
  POSITION,
  PUBLISH,
  REPLAY,
  REPLAY_STREAM,
  type RedisScript,
  STREAM_POSITION,
} from "./redisScripts.js";

export interface RedisBrokerOptions {
  /**
   * How to reach Redis: node-redis client options (`url`, `socket`, credentials,
   * `reconnectStrategy`…). The broker opens two connections with them, one for commands and,
   * from the first `subscribe`, one for pub/sub, and reconnects both on its own.
   * @default {} (redis://localhost:6379)
   */
  redis?: RedisClientOptions;
  /**
   * Prefix of every key and pub/sub channel the broker uses, so several applications can share
   * one Redis. On Redis Cluster, make it a hash tag (`"{wirekit}:"`): each publish touches two
   * keys in one script.
   * @default "wirekit:"
   */
  prefix?: string;
  /**
   * Messages kept per channel for replay (`XADD … MAXLEN ~`). Redis trims whole stream nodes, so
   * a channel keeps at least this many and at most about a hundred more; a client resuming from
   * before them gets `complete: false`.
   * @default 1000
   */
  historySize?: number;
  /**
   * How long an operation waits for Redis, queued while the connection is re-established, before
   * it fails with a `WirekitServerError` of code `broker-unavailable`.
   * @default 5000
   */
  commandTimeout?: number;
  /**
   * How long a member stays present once the instance holding its connection stops refreshing
   * it (every third of this): how long the members of an instance that died linger.
   * @default 15_000
   */
  presenceTtl?: number;
  /**
   * Called with connection errors and with failed catch-ups of live subscriptions. The broker
   * reconnects on its own, and tries a catch-up again on the next reconnection or message of the
   * channel; this is for logs and metrics.
   * @default console.warn
   */
  onError?: (error: unknown) => void;
}

/** A `Broker` over Redis, with a way to let go of its connections. */
export interface RedisBroker extends Broker {
  /** Presence for every instance on this Redis, over the broker's own two connections. */
  readonly presence: PresenceStore;
  /**
   * Refuses new operations, waits for those in flight (each bounded by `commandTimeout`), drops
   * every listener and closes both connections.
   */
  close(): Promise<void>;
}

const INCOMPLETE: ReplayResult = Object.freeze({ messages: [], complete: false });

/**
 * A broker for several server processes behind a load balancer: each channel is a Redis stream
 * with bounded history, and every instance sharing the Redis hears every message, so a client
 * that reconnects to another instance resumes where it left off.
 *
 * Each publish is one Lua script that assigns the channel's id (consecutive per channel) and the
 * stream's seq, appends, trims and announces on pub/sub, so ids never skip or repeat however many
 * instances publish. Listeners hear a channel in publish order; a dropped pub/sub connection is
 * re-attached and caught up from the stream, without loss or duplicates — or, when the history
 * was trimmed past what a listener heard meanwhile, or Redis lost it, with a gap reported to its
 * `onGap` (`Broker.subscribe`) before it hears on. When Redis loses its data (`FLUSHALL`, a
 * restart without persistence) numbering starts over above everything given out before, so an
 * old resume point gets `complete: false`, never a wrong replay. Run Redis with
 * `maxmemory-policy noeviction` (its default): an evicted key is lost history.
 *
 * Data must be JSON or a `Uint8Array`. `redis` (node-redis) is an optional peer dependency, loaded
 * only through this entry point.
 *
 * @example
 * ```ts
 * import { createServer } from "node:http";
 * import { createChannelServer, createEventStreamHandler } from "@wirekit/server";
 * import { createRedisBroker } from "@wirekit/server/redis";
 *
 * // The same on every instance behind the load balancer.
 * const broker = createRedisBroker({ redis: { url: "redis://redis:6379" }, historySize: 5000 });
 * const allowedOrigins = ["https://app.example.com"];
 * const events = createEventStreamHandler({ broker, allowedOrigins });
 * const http = createServer((request, response) => events(request, response));
 * const channels = createChannelServer({ broker, server: http, allowedOrigins });
 * http.listen(8080);
 * await broker.publish("prices", { symbol: "ACME", price: 42 }); // heard on every instance
 *
 * // On shutdown: the servers first, then the broker they use.
 * events.close();
 * await channels.close();
 * await broker.close();
 * ```
 */
export function createRedisBroker(options: RedisBrokerOptions = {}): RedisBroker {
  const {
    redis = {},
    prefix = "wirekit:",
    historySize = 1000,
    commandTimeout = 5000,
    presenceTtl = 15_000,
    onError = (error: unknown) => console.warn("@wirekit/server/redis:", error),
  } = options;
  assertPositive("createRedisBroker", "historySize", historySize);
  assertPositive("createRedisBroker", "commandTimeout", commandTimeout);
  assertPositive("createRedisBroker", "presenceTtl", presenceTtl);
  const capacity = String(Math.max(1, Math.floor(historySize)));
  const metaKey = `${prefix}meta`;
  const keyOf = (channel: string) => `${prefix}channel:${channel}`;

  const client = createClient(redis);
  let subscriber: typeof client | undefined;
  let closed = false;
  const inFlight = new Set<Promise<unknown>>();
  // The highest id or seq this broker has seen. Every id is at most the seq given out with it,
  // so a Redis whose last seq is below this has gone back in time, and the scripts re-seed.
  let floor = 0;
  const see = (value: number) => {
    if (Number.isSafeInteger(value) && value > floor) floor = value;
  };

  // Once closed, connection errors are the closing itself.
  const report = (error: unknown) => {
    if (!closed) onError(error);
  };
  const closedError = () =>
    new WirekitServerError("closed", "createRedisBroker: the broker was closed.");
  const unavailable = (what: string) =>
    new WirekitServerError(
      "broker-unavailable",
      `createRedisBroker: Redis did not ${what} within ${commandTimeout} ms.`,
    );

  // Callers waiting for a connection to be ready; `close` turns them away at once.
  const waiting = new Set<(error: Error) => void>();
  const ready = (connection: typeof client, ms: number) =>
    connection.isReady
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          const settle = (error?: Error) => {
            clearTimeout(timer);
            connection.off("ready", onReady);
            waiting.delete(settle);
            if (error === undefined) resolve();
            else reject(error);
          };
          const onReady = () => settle();
          const timer = setTimeout(() => settle(unavailable("come back")), ms);
          connection.on("ready", onReady);
          waiting.add(settle);
        });

  /**
   * Sends one command once the connection is ready, within `commandTimeout`. node-redis writes
   * queued commands along with the handshake of each new connection, so a flapping link would
   * fail them at once; waiting for `ready` first lets them wait for a connection that holds. A
   * command lost with its connection is sent again only when `idempotent`: a publish may have
   * been stored, so it fails instead.
   */
  const send = async (args: string[], idempotent: boolean): Promise<unknown> => {
    const deadline = Date.now() + commandTimeout;
    for (;;) {
      if (closed) throw closedError();
      await ready(client, deadline - Date.now());
      const pending = client.sendCommand(args, { timeout: Math.max(1, deadline - Date.now()) });
      inFlight.add(pending);
      try {
        return await pending;
      } catch (error) {
        // Redis answered with an error (a script's, NOSCRIPT): not a matter of reaching it.
        if (error instanceof ErrorReply) throw error;
        if (closed) throw closedError();
        if (!idempotent || client.isReady || Date.now() >= deadline) {
          throw unavailable(`answer (${String(error)})`);
        }
      } finally {
        inFlight.delete(pending);
      }
    }
  };

  const evaluate = async (
    script: RedisScript,
    keys: string[],
    args: string[],
    idempotent: boolean,
  ) => {
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return await send(["EVALSHA", script.sha, ...tail], idempotent);
    } catch (error) {
      // A restarted Redis has forgotten its scripts.
      if (!(error instanceof ErrorReply) || !error.message.startsWith("NOSCRIPT")) throw error;
      return send(["EVAL", script.source, ...tail], idempotent);
    }
  };

  // Every script but the publish only reads, or re-seeds what is missing: safe to send again.
  const run = (script: RedisScript, keys: string[], args: string[]) =>
    evaluate(script, keys, [String(floor), ...args], script !== PUBLISH);

  const readAfter = async (channel: string, afterId: string): Promise<StoredTail> => {
    const [position, entries, positionSeq] = listOf(
      await run(REPLAY, [metaKey, keyOf(channel)], [afterId]),
    );
    see(Number(positionSeq));
    const messages = listOf(entries).map((entry) => decodeEntry(channel, entry));
    return { messages, position: String(position), positionSeq: Number(positionSeq) };
  };

  const position = async (channel: string) => {
    const id = String(await run(POSITION, [metaKey, keyOf(channel)], []));
    see(Number(id));
    return id;
  };

  const pubsub = () => {
    if (subscriber === undefined) {
      subscriber = client.duplicate();
      subscriber.on("error", report);
      // Ready again after a drop: node-redis has re-subscribed; read what was missed meanwhile.
      subscriber.on("ready", () => {
        feeds.catchUpAll();
        presence.resync();
      });
      subscriber.connect().catch(report);
    }
    return subscriber;
  };

  /** Subscribes the pub/sub connection to `name` within `commandTimeout`. */
  const listen = async (name: string, onNote: (note: string) => void) => {
    const deadline = Date.now() + commandTimeout;
    const connection = pubsub();
    await ready(connection, commandTimeout);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(unavailable("confirm a subscription")),
        Math.max(1, deadline - Date.now()),
      );
    });
    try {
      await Promise.race([connection.subscribe(name, onNote), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
  const unlisten = async (name: string, onNote: (note: string) => void) => {
    if (subscriber?.isOpen) await subscriber.unsubscribe(name, onNote);
  };

  const presence = createRedisPresence(
    { run: evaluate, listen, unlisten, report },
    { prefix, ttl: presenceTtl },
  );

  const feeds = createFeeds({
    position,
    readAfter,
    report,
    saw: (message) => see(message.seq),
    subscribe: (channel, onNote) => listen(keyOf(channel), onNote),
    unsubscribe: (channel, onNote) => unlisten(keyOf(channel), onNote),
  });

  client.on("error", report);
  // The command connection came back: catch-ups that failed while it was away can run now.
  client.on("ready", () => {
    feeds.catchUpAll();
    presence.resync();
  });
  client.connect().catch(report);

  return {
    async publish(channel, data) {
      const reply = listOf(
        await run(PUBLISH, [metaKey, keyOf(channel)], [capacity, encodeData(data)]),
      );
      const id = String(reply[0]);
      const seq = Number(reply[1]);
      see(seq);
      return { id, seq };
    },

    subscribe(channel, listener, subscribeOptions) {
      if (closed) throw closedError();
      return feeds.listen(channel, listener, subscribeOptions);
    },

    async replay(channel, afterId) {
      // Ids are below 2^53 (see redisScripts.ts); a longer one was never given out.
      if (!isMessageId(afterId) || !Number.isSafeInteger(Number(afterId))) return INCOMPLETE;
      // A feed reads its starting position on this connection before this replay reads (commands
      // run in order), which is all the interface's promise needs; waiting for its subscription
      // as well means live delivery already runs when the replay resolves.
      await feeds.attached(channel);
      const [head, entries] = listOf(await run(REPLAY, [metaKey, keyOf(channel)], [afterId]));
      const position = String(head);
      see(Number(position));
      if (Number(afterId) > Number(position)) return INCOMPLETE;
      const stored = listOf(entries).map((entry) => decodeEntry(channel, entry));
      // Complete when the links run unbroken from the resume point to the channel's position.
      let link = afterId;
      for (const message of stored) {
        see(message.seq);
        link = message.prev === link ? message.id : "";
      }
      return { messages: stored.map(toBrokerMessage), complete: link === position };
    },

    async replayStream(channels, afterSeq) {
      if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) return INCOMPLETE;
      const unique = [...new Set(channels)];
      await Promise.all(unique.map((channel) => feeds.attached(channel)));
      const reply = await run(REPLAY_STREAM, [metaKey, ...unique.map(keyOf)], [String(afterSeq)]);
      const [epoch, seq, ...found] = listOf(reply);
      see(Number(seq));
      if (afterSeq < Number(epoch) || afterSeq > Number(seq)) return INCOMPLETE;
      let complete = true;
      const messages: StoredMessage[] = [];
      unique.forEach((channel, i) => {
        const stored = listOf(found[i])
          .map((entry) => decodeEntry(channel, entry))
          .reverse();
        // Oldest first: the first must follow a message at or before the resume point (else
        // what came between was trimmed or lost), and each next one the one before it.
        stored.forEach((message, k) => {
          const before = stored[k - 1];
          if (before === undefined ? message.prevSeq > afterSeq : message.prevSeq !== before.seq) {
            complete = false;
          }
          see(message.seq);
        });
        messages.push(...stored);
      });
      messages.sort((a, b) => a.seq - b.seq);
      return { messages: messages.map(toBrokerMessage), complete };
    },

    position(channel) {
      return position(channel);
    },

    async streamPosition() {
      const seq = Number(await run(STREAM_POSITION, [metaKey], []));
      see(seq);
      return seq;
    },

    presence,

    async close() {
      if (closed) return;
      closed = true;
      feeds.clear();
      presence.close();
      for (const settle of [...waiting]) settle(closedError());
      await Promise.allSettled([...inFlight]);
      subscriber?.destroy();
      client.destroy();
    },
  };
}
