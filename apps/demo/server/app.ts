import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import {
  type Broker,
  type ChannelServer,
  createChannelServer,
  createEventStreamHandler,
  createMemoryBroker,
  type EventStreamHandler,
  openJournal,
} from "@wirekit/server";
import { type Cluster, joinCluster } from "./cluster.js";
import { startMetrics, TICK_RATES } from "./metrics.js";
import { serveStatic } from "./staticFiles.js";

export interface DemoServerOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** The interface to listen on. @default "localhost" */
  readonly host?: string;
  /** Where the broker's journal lives, so a restarted demo resumes its clients. */
  readonly dataDir: string;
  /**
   * A Redis URL (`redis://…`): the brokers live there instead of in memory, so several demo
   * processes behind one address serve each other's clients (`npm run demo:cluster`).
   * @default undefined (in memory, journaled to `dataDir`)
   */
  readonly redisUrl?: string;
  /** The built app (`vite build` output). */
  readonly clientDir: string;
  /** Origins besides the demo's own that may connect (a proxy in front of it, say). */
  readonly extraOrigins?: readonly string[];
}

export interface DemoServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Chat rooms: nothing else may be subscribed to, published on or be present in over WebSocket.
 * Who is in a room is the server's presence on the room's own channel.
 */
const CHAT_CHANNEL = /^room:[a-z0-9-]{1,32}$/;
const HISTORY_PATH = /^\/api\/rooms\/([a-z0-9-]{1,32})\/messages$/;
const HISTORY_SIZE = 500;

/**
 * The demo's one process: the built app, the dashboard's event stream (`/api/events`), the chat's
 * channels over WebSocket (`/api/chat`), room history (`/api/rooms/:room/messages`), what is
 * open (`/api/status`), and two controls (`POST /api/drop` ends every event stream; `PUT
 * /api/rate` sets the metric rate).
 */
export async function startDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  // Two brokers: the dashboard's stream ids are one sequence with no chat message in between,
  // so a client can check that they are contiguous.
  const { metricsBroker, chatBroker, closeBrokers } =
    options.redisUrl === undefined
      ? {
          metricsBroker: durableBroker(join(options.dataDir, "metrics.jsonl")),
          chatBroker: durableBroker(join(options.dataDir, "chat.jsonl")),
          closeBrokers: async () => {},
        }
      : await redisBrokers(options.redisUrl);
  // Alone, this process ticks the metrics; on Redis it may have company, and one of them ticks.
  let cluster: Cluster | undefined;
  const metrics = startMetrics(metricsBroker, { ticking: () => cluster?.leading ?? true });
  if (options.redisUrl !== undefined) {
    cluster = joinCluster(chatBroker, { onRate: (perSecond) => metrics.setRate(perSecond) });
  }
  const app = serveStatic(options.clientDir);
  // Built once the port is known: the allowed origins are the page's own.
  let events: EventStreamHandler | undefined;
  let channels: ChannelServer | undefined;

  const api = async (request: IncomingMessage, response: ServerResponse, url: URL) => {
    const { pathname } = url;
    if (pathname === "/api/events" && events !== undefined) return events(request, response);
    if (pathname === "/api/drop" && request.method === "POST") {
      events?.close();
      return reply(response, 200, { dropped: true });
    }
    if (pathname === "/api/rate") {
      if (request.method === "PUT") {
        const body = await readJson(request);
        const perSecond = (body as { perSecond?: unknown } | undefined)?.perSecond;
        if (!TICK_RATES.includes(perSecond as (typeof TICK_RATES)[number])) {
          return reply(response, 400, {
            error: `perSecond must be one of ${TICK_RATES.join(", ")}`,
          });
        }
        metrics.setRate(perSecond as number);
        await cluster?.shareRate(perSecond as number);
      }
      return reply(response, 200, { perSecond: metrics.rate, choices: TICK_RATES });
    }
    if (pathname === "/api/status") {
      return reply(response, 200, {
        streams: events?.streams ?? 0,
        sockets: channels?.counts.open ?? 0,
        lastEventId: String(metrics.lastSeq),
      });
    }
    const room = HISTORY_PATH.exec(pathname)?.[1];
    if (room !== undefined && request.method === "GET") {
      const channel = `room:${room}`;
      const { messages } = await chatBroker.replay(channel, "0");
      const position = await chatBroker.position(channel);
      const asked = Math.trunc(Number(url.searchParams.get("limit")));
      const limit = Number.isFinite(asked) && asked > 0 ? Math.min(asked, HISTORY_SIZE) : 100;
      return reply(response, 200, {
        position,
        messages: messages.slice(-limit).map((message) => ({ id: message.id, data: message.data })),
      });
    }
    return reply(response, 404, { error: "not found" });
  };

  const http = createServer((request, response) => {
    metrics.countRequest();
    let url: URL;
    try {
      url = new URL(request.url ?? "/", "http://demo");
      decodeURIComponent(url.pathname);
    } catch {
      reply(response, 400, { error: "bad request path" });
      return;
    }
    const handle = url.pathname.startsWith("/api/")
      ? api(request, response, url)
      : app(request, response);
    Promise.resolve(handle).catch((error: unknown) => {
      console.error("demo: request failed:", error);
      if (!response.headersSent) reply(response, 500, { error: "internal error" });
      else response.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(options.port, options.host ?? "localhost", () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  // The page's own origin, however the browser spelled localhost; any other is refused.
  const origins = [
    `http://localhost:${port}`,
    `http://127.0.0.1:${port}`,
    `http://[::1]:${port}`,
    ...(options.extraOrigins ?? []),
  ];
  events = createEventStreamHandler({
    broker: metricsBroker,
    allowedOrigins: origins,
    // Advice for native EventSource; wirekit clients use their own jittered backoff.
    retry: 1000,
    heartbeatInterval: 10_000,
  });
  channels = createChannelServer({
    broker: chatBroker,
    server: http,
    path: "/api/chat",
    allowedOrigins: origins,
    // The demo signs nobody in: everyone is let in, and only to the chat's channels.
    auth: { authorize: (_user, channel) => CHAT_CHANNEL.test(channel) },
    // Chat is typed by people: 20 frames a second is generous, a script is cut.
    rateLimit: { messages: 20, per: 1000 },
    maxFrameSize: 16 * 1024,
    pingInterval: 15_000,
    pongTimeout: 10_000,
  });

  return {
    url: `http://localhost:${port}`,
    async close() {
      metrics.stop();
      cluster?.leave();
      events?.close();
      await channels?.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await closeBrokers();
    },
  };
}

/** Both brokers on one Redis, apart by prefix; `redis` is loaded only when asked for. */
async function redisBrokers(url: string) {
  const { createRedisBroker } = await import("@wirekit/server/redis");
  const open = (prefix: string) =>
    createRedisBroker({ redis: { url }, prefix, historySize: HISTORY_SIZE });
  const metricsBroker = open("wirekit-demo:metrics:");
  const chatBroker = open("wirekit-demo:chat:");
  return {
    metricsBroker: metricsBroker as Broker,
    chatBroker: chatBroker as Broker,
    closeBrokers: async () => {
      await Promise.all([metricsBroker.close(), chatBroker.close()]);
    },
  };
}

/** A memory broker whose messages are journaled to `file` first, and read back at startup. */
function durableBroker(file: string) {
  const journal = openJournal(file, { keepPerChannel: HISTORY_SIZE });
  return createMemoryBroker({
    historySize: HISTORY_SIZE,
    restore: journal.restored,
    persist: journal.append,
  });
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Cache-Control": "no-store",
  });
  response.end(JSON.stringify(body));
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  let text = "";
  for await (const chunk of request) {
    text += chunk;
    if (text.length > 4096) return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
