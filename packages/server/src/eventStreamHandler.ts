import type { IncomingMessage, ServerResponse } from "node:http";
import {
  bearerToken,
  credentialsInUrl,
  mayAccess,
  resolveAuth,
  type ServerAuth,
  scheduleExpiry,
  verifyCredentials,
} from "./auth.js";
import type { Broker, BrokerGap, BrokerMessage } from "./broker.js";
import { encodeOnce } from "./encodeOnce.js";
import { assertPositive } from "./errors.js";
import {
  EXPIRED_EVENT,
  expiringEvent,
  gapEvent,
  messageEvent,
  positionEvent,
  refusalEvent,
} from "./eventStreamEvents.js";
import { type AllowedOrigins, isOriginAllowed } from "./originPolicy.js";

export interface EventStreamHandlerOptions<User = unknown> {
  /** Where the messages come from. */
  broker: Broker;
  /**
   * The reconnection time sent to clients first, as `retry:` (milliseconds).
   * @default 3000
   */
  retry?: number;
  /**
   * Milliseconds between heartbeat comments, which keep proxies from closing an idle stream.
   * @default 15000
   */
  heartbeatInterval?: number;
  /**
   * Bytes a stream may have waiting for a slow client before it is ended with a final comment
   * saying why. Memory per stream stays bounded by this plus one event.
   * @default 1_048_576
   */
  maxBufferedBytes?: number;
  /**
   * Milliseconds an ended slow stream may take to flush before its socket is destroyed.
   * @default 5000
   */
  endTimeout?: number;
  /**
   * Browser origins allowed to read the stream. An allowed `Origin` is reflected in
   * `Access-Control-Allow-Origin` (with credentials, except for `"*"`); any other is refused
   * with 403. Unset: no CORS headers, and a request carrying an `Origin` is refused.
   * Requests without an `Origin` header are always served.
   * @default undefined
   */
  allowedOrigins?: AllowedOrigins;
  /**
   * The query parameter that lists the channels, comma-separated.
   * @default "channels"
   */
  channelsParam?: string;
  /**
   * Who may read, until when, and which channels: the same `ServerAuth` the channel server
   * takes. A refused request is answered 401 or 403; a channel `authorize` refuses is left out,
   * with a `wirekit-error` event, and the others are served; expiring credentials are announced
   * with `wirekit-expiring`, and at expiry `wirekit-expired` ends the stream (PROTOCOL.md
   * section 9). Credentials come from cookies or an `Authorization: Bearer` header, never the
   * URL: a query string that carries them is answered 400.
   * @default undefined (everyone may read every channel)
   */
  auth?: ServerAuth<User>;
}

/** A `node:http` request handler that also knows its open streams. */
export interface EventStreamHandler {
  (request: IncomingMessage, response: ServerResponse): void;
  /** Streams open now. */
  readonly streams: number;
  /** Streams ended because their client read too slowly, so far. */
  readonly slowClientsCut: number;
  /** Ends every open stream (clients will reconnect elsewhere, with `Last-Event-ID`). */
  close(): void;
}

const ALLOWED_REQUEST_HEADERS = "Last-Event-ID, Authorization, Accept, Cache-Control";
// Seqs are safe integers, and epoch-seeded ones have 16 digits (microseconds since 1970).
const DIGITS = /^[0-9]{1,16}$/;

/**
 * Serves channels as one Server-Sent Events stream (PROTOCOL.md section 9): the channels come from
 * the URL (`?channels=a,b`), each message is an event named after its channel, with the broker's
 * stream-wide `seq` as its `id:`, and a reconnect with `Last-Event-ID` (header, or the
 * `lastEventId` query parameter that native `EventSource` transports send) replays what was
 * missed. Mounts on node:http, Express, Fastify (`reply.raw`) or Hono's node adapter.
 *
 * Every stream starts with an `event: wirekit-position` whose `id:` is where it stands: the
 * client's `Last-Event-ID` when everything after it follows, or the broker's position now — so
 * even a reconnect before the first message resumes. When the history no longer reaches back to
 * `Last-Event-ID` (or the broker never gave it out), an `event: wirekit-gap` carrying it comes
 * first: the client must refetch; the stream goes on live from the position.
 * A gap the broker reports while the stream is open (it lost messages before this process heard
 * them) is announced the same way, followed by a `wirekit-position` past it; so is an event that
 * arrives after a newer one of another channel was sent, which `Last-Event-ID` cannot step back
 * for.
 *
 * @example
 * const handler = createEventStreamHandler({ broker, allowedOrigins: ["https://app.example.com"] });
 * http.createServer((req, res) => req.url?.startsWith("/stream") ? handler(req, res) : next(req, res));
 */
export function createEventStreamHandler<User = unknown>(
  options: EventStreamHandlerOptions<User>,
): EventStreamHandler {
  const {
    broker,
    retry = 3000,
    heartbeatInterval = 15_000,
    maxBufferedBytes = 1024 * 1024,
    endTimeout = 5000,
    allowedOrigins,
    channelsParam = "channels",
  } = options;
  const where = "createEventStreamHandler";
  assertPositive(where, "retry", retry);
  assertPositive(where, "heartbeatInterval", heartbeatInterval);
  assertPositive(where, "maxBufferedBytes", maxBufferedBytes);
  assertPositive(where, "endTimeout", endTimeout);
  const auth = resolveAuth(where, options, options.auth);
  const open = new Set<() => void>();
  let slowClientsCut = 0;
  // Every stream of a channel writes the same bytes for a message: one encoding for them all.
  const eventOf = encodeOnce(messageEvent);

  const refuse = (
    response: ServerResponse,
    status: number,
    reason: string,
    headers: Record<string, string> = {},
  ) => {
    response.writeHead(status, {
      ...headers,
      "Content-Type": "text/plain; charset=utf-8",
      Vary: "Origin",
    });
    response.end(reason);
  };

  const corsHeaders = (origin: string | undefined): Record<string, string> => {
    if (origin === undefined || allowedOrigins === undefined) return {};
    if (allowedOrigins === "*") return { "Access-Control-Allow-Origin": "*" };
    return {
      "Access-Control-Allow-Origin": origin,
      "Access-Control-Allow-Credentials": "true",
      Vary: "Origin",
    };
  };

  const handler = (request: IncomingMessage, response: ServerResponse): void => {
    const origin = request.headers.origin;
    if (!isOriginAllowed(allowedOrigins, origin)) {
      refuse(response, 403, "origin not allowed");
      return;
    }
    if (request.method === "OPTIONS") {
      response.writeHead(204, {
        ...corsHeaders(origin),
        "Access-Control-Allow-Methods": "GET, OPTIONS",
        "Access-Control-Allow-Headers": ALLOWED_REQUEST_HEADERS,
        "Access-Control-Max-Age": "600",
      });
      response.end();
      return;
    }
    if (request.method !== "GET") {
      response.setHeader("Allow", "GET, OPTIONS");
      refuse(response, 405, "method not allowed");
      return;
    }
    const url = new URL(request.url ?? "/", "http://localhost");
    const channels = [
      ...new Set((url.searchParams.get(channelsParam) ?? "").split(",").filter(Boolean)),
    ];
    // A line break in a channel name would end the `event:` line and forge fields.
    if (channels.length === 0 || channels.some((channel) => /[\r\n]/.test(channel))) {
      refuse(response, 400, `the \`${channelsParam}\` query parameter must list channels`);
      return;
    }
    const header = request.headers["last-event-id"];
    const resumeText = (
      (Array.isArray(header) ? header[0] : header) ??
      url.searchParams.get("lastEventId") ??
      ""
    ).trim();
    // An id it cannot read is one it cannot vouch for (PROTOCOL.md section 9): the broker answers
    // NaN with a gap. Treating it as a fresh start would skip what came since, silently.
    const resume =
      resumeText === "" ? undefined : DIGITS.test(resumeText) ? Number(resumeText) : Number.NaN;
    const inUrl = auth.authenticate === undefined ? undefined : credentialsInUrl(request);
    if (inUrl !== undefined) {
      refuse(response, 400, inUrl, corsHeaders(origin));
      return;
    }
    if (auth.authenticate === undefined && auth.authorize === undefined) {
      stream(request, response, channels, [], resume, undefined);
      return;
    }
    authenticated(request, response, channels, resume).catch(() => response.destroy());
  };

  /** Serves the stream once its credentials and channels are checked (PROTOCOL.md section 9). */
  const authenticated = async (
    request: IncomingMessage,
    response: ServerResponse,
    channels: readonly string[],
    resume: number | undefined,
  ) => {
    const verdict = await verifyCredentials(auth, request, bearerToken(request));
    if (response.destroyed) return;
    // With CORS headers, so that a browser lets the client read the status and refresh.
    const cors = corsHeaders(request.headers.origin);
    if (!verdict.ok) {
      const challenge: Record<string, string> =
        verdict.status === 401 ? { "WWW-Authenticate": "Bearer" } : {};
      refuse(response, verdict.status, verdict.reason, { ...cors, ...challenge });
      return;
    }
    const access = await Promise.all(
      channels.map((channel) => mayAccess(auth, verdict.user, channel, "subscribe")),
    );
    if (response.destroyed) return;
    const refusals = channels.flatMap((channel, i) =>
      access[i] === "allowed"
        ? []
        : [
            access[i] === "forbidden"
              ? refusalEvent("forbidden", channel, "you may not subscribe to this channel")
              : refusalEvent("internal", channel, "authorization failed; reconnect later"),
          ],
    );
    const allowed = channels.filter((_channel, i) => access[i] === "allowed");
    stream(request, response, allowed, refusals, resume, verdict.expiresAt);
  };

  const stream = (
    request: IncomingMessage,
    response: ServerResponse,
    channels: readonly string[],
    refusals: readonly string[],
    resume: number | undefined,
    expiresAt: number | undefined,
  ) => {
    const origin = request.headers.origin;
    response.writeHead(200, {
      ...corsHeaders(origin),
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache",
      "X-Accel-Buffering": "no",
      Connection: "keep-alive",
    });
    response.flushHeaders();

    let live = false;
    let ended = false;
    let lastSeq = resume !== undefined && Number.isSafeInteger(resume) ? resume : 0;
    // Every event up to here was sent, or is accounted for by where the stream started or by a
    // gap the client was told of. Between it and `lastSeq` one may still come late, on another
    // channel's feed. Set once the replay is done.
    let covered = Number.MAX_SAFE_INTEGER;
    // What the broker said while the replay ran, in order: messages and gaps.
    const pending: Array<() => void> = [];

    const end = (comment: string | undefined) => {
      if (ended) return;
      ended = true;
      open.delete(stop);
      clearInterval(heartbeat);
      cancelExpiry();
      for (const unsubscribe of unsubscribes) unsubscribe();
      if (comment === undefined || response.destroyed) {
        response.destroy();
        return;
      }
      response.end(`: ${comment}\n\n`);
      // A client that never reads would hold the socket and the buffer forever.
      const timer = setTimeout(() => response.destroy(), endTimeout);
      timer.unref();
      response.once("close", () => clearTimeout(timer));
    };
    const stop = () => end("server closing");

    const write = (chunk: string | Buffer) => {
      if (ended) return;
      const flushed = response.write(chunk);
      if (!flushed && response.writableLength > maxBufferedBytes) {
        slowClientsCut++;
        end(`closed: the client reads too slowly (over ${maxBufferedBytes} bytes buffered)`);
      }
    };
    const deliver = (message: BrokerMessage) => {
      if (message.seq <= lastSeq) {
        // Published before an event this stream already sent (a Redis broker catches channels
        // up one by one after a reconnect). Last-Event-ID cannot step back for it: rather than
        // drop it unseen, tell the client to refetch.
        if (message.seq > covered) {
          write(gapEvent(lastSeq));
          covered = lastSeq;
        }
        return;
      }
      lastSeq = message.seq;
      write(eventOf(message));
    };

    // The broker lost messages of a channel. Everything up to the gap's stream position was
    // published before this event is written, so a client that refetches on it sees them; the
    // stream then stands past them, as after a `wirekit-position`. A gap that a replay, a
    // position or an earlier gap already accounts for is none.
    const skip = (gap: BrokerGap) => {
      if (gap.streamPosition <= covered) return;
      write(gapEvent(lastSeq));
      lastSeq = Math.max(lastSeq, gap.streamPosition);
      covered = lastSeq;
      write(positionEvent(lastSeq));
    };
    // Once live, a message is delivered at once: no closure per message and stream.
    const hear = (message: BrokerMessage) => {
      if (live) deliver(message);
      else pending.push(() => deliver(message));
    };
    const hearGap = (gap: BrokerGap) => {
      if (live) skip(gap);
      else pending.push(() => skip(gap));
    };
    const unsubscribes = channels.map((channel) =>
      broker.subscribe(channel, hear, { onGap: hearGap }),
    );
    const heartbeat = setInterval(() => write(": heartbeat\n\n"), heartbeatInterval);
    // No fresh credentials can come in band: the client reconnects with them, by Last-Event-ID.
    const cancelExpiry = scheduleExpiry(auth, expiresAt, {
      notice: (expiresIn) => write(expiringEvent(expiresIn)),
      expire: () => {
        write(EXPIRED_EVENT);
        end("closed: the credentials expired");
      },
    });
    open.add(stop);
    response.on("close", () => end(undefined));
    write(`retry: ${Math.floor(retry)}\n\n`);
    for (const event of refusals) write(event);

    // Every stream starts by saying where it stands (PROTOCOL.md section 9): the client's resume
    // point when the replay after it is complete, else (fresh, or a gap) the broker's position
    // now. A client with no message yet resumes from it, and learns whether it recovered.
    const catchUp = async () => {
      let start: number;
      let replayed: readonly BrokerMessage[] = [];
      const replay = resume === undefined ? undefined : await broker.replayStream(channels, resume);
      if (replay?.complete === true && resume !== undefined) {
        start = resume;
        replayed = replay.messages;
      } else {
        if (replay !== undefined) {
          write(gapEvent(Number.isSafeInteger(resume) ? String(resume) : ""));
        }
        start = await broker.streamPosition();
      }
      lastSeq = start;
      write(positionEvent(start));
      for (const message of replayed) deliver(message);
      covered = lastSeq;
      for (const event of pending.splice(0)) event();
      live = true;
    };
    catchUp().catch(() => end("closed: the broker failed"));
  };

  return Object.defineProperties(handler, {
    streams: { get: () => open.size },
    slowClientsCut: { get: () => slowClientsCut },
    close: {
      value: () => {
        for (const stop of [...open]) stop();
      },
    },
  }) as EventStreamHandler;
}
