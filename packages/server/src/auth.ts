// The one auth contract of @wirekit/server: the event-stream handler and the channel server take
// the same `ServerAuth`, ask it the same questions, and hear its expiry the same way.
import type { IncomingMessage } from "node:http";
import type { Clock } from "@wirekit/core";
import { assertPositive, WirekitServerError } from "./errors.js";

/** Credentials that were accepted: who they are, and until when. */
export interface Authenticated<User = unknown> {
  /** Who is connected: what `authorize` is asked about and the session exposes. */
  readonly user: User;
  /**
   * When the credentials expire, in the auth clock's milliseconds (`Date.now()` by default).
   * The server tells the client ahead of time, then ends the connection unless it refreshed
   * them. Unset: never.
   */
  readonly expiresAt?: number | undefined;
}

/** Credentials that were refused. */
export interface AuthRefusal {
  /**
   * 401: none, or not good (expired, forged): the client's auth hook may refresh them and try
   * once more. 403: good, and not let in. Event streams answer the status; WebSockets close
   * with 4401 or 4403.
   */
  readonly refused: 401 | 403;
  /** Said to the client (a close reason is cut to 123 bytes). */
  readonly reason?: string;
}

/**
 * Checks a request's credentials. `request` is the event-stream GET or the WebSocket upgrade:
 * its cookies and headers. `token` is the bearer token: the latest `auth` frame's on a
 * WebSocket, else the request's `Authorization: Bearer …`. The URL is never read.
 */
export type Authenticate<User = unknown> = (
  request: IncomingMessage,
  token: string | undefined,
) => Authenticated<User> | AuthRefusal | Promise<Authenticated<User> | AuthRefusal>;

/** What a user asks to do with a channel: `presence` is entering it (PROTOCOL.md section 11). */
export type ChannelAction = "subscribe" | "publish" | "presence";

/** May `user` do `action` on `channel`? A refusal is that channel's `forbidden` error. */
export type Authorize<User = unknown> = (
  user: User,
  channel: string,
  action: ChannelAction,
) => boolean | Promise<boolean>;

/** One auth contract for both servers: pass the same object to each. */
export interface ServerAuth<User = unknown> {
  /**
   * Who is connecting, and until when; or a refusal. Called for every event stream and
   * WebSocket, and again for every `auth` frame (a refresh).
   * @default undefined (everyone is accepted, as user `undefined`, and never expires)
   */
  authenticate?: Authenticate<User>;
  /**
   * May the user subscribe to, publish on, or be present in a channel? Asked on every subscribe
   * (each channel of an event stream), publish and presence enter; `false` refuses that channel
   * alone.
   * @default undefined (everything is allowed)
   */
  authorize?: Authorize<User>;
  /**
   * Milliseconds before the credentials expire that the client is told, so it can refresh them
   * in time (a WebSocket in band, an event stream by reconnecting). Never more than half the time
   * they had left when they were verified, so short-lived credentials are not refreshed in a loop.
   * @default 30_000
   */
  expiryNotice?: number;
  /**
   * The time `expiresAt` is read against, and expiry scheduled on: a virtual clock in tests.
   * @default the system clock (`Date.now()`)
   */
  clock?: Clock;
}

/** What a server made of `ServerAuth`, with its defaults. */
export interface ResolvedAuth<User = unknown> {
  readonly authenticate: Authenticate<User> | undefined;
  readonly authorize: Authorize<User> | undefined;
  readonly expiryNotice: number;
  readonly clock: Clock;
}

/** What a server does with a request's credentials. */
export type Verdict<User = unknown> =
  | { readonly ok: true; readonly user: User; readonly expiresAt: number | undefined }
  | { readonly ok: false; readonly status: 401 | 403 | 500; readonly reason: string };

const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, delay) => setTimeout(callback, delay),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

// Options that `auth` replaced: a JavaScript caller still passing them would run unprotected.
const MOVED_INTO_AUTH = ["authenticate", "authorize", "credentials", "authRefusal"] as const;

/**
 * Checks a server's `auth` option, and that the options it replaced are gone; throws
 * `invalid-option` with what to do.
 */
export function resolveAuth<User>(
  where: string,
  options: object,
  auth: ServerAuth<User> | undefined,
): ResolvedAuth<User> {
  const moved = MOVED_INTO_AUTH.filter((name) => name in options);
  if (moved.length > 0) {
    throw new WirekitServerError(
      "invalid-option",
      `${where}: \`${moved.join("`, `")}\` moved into \`auth: { authenticate, authorize }\`, one ` +
        "contract for both servers: `authenticate(request, token)` returns `{ user, expiresAt }` " +
        "or `{ refused: 401 | 403 }`, `authorize(user, channel, action)` a boolean. See docs/server.md.",
    );
  }
  const { authenticate, authorize, expiryNotice = 30_000, clock = systemClock } = auth ?? {};
  for (const [name, hook] of [
    ["authenticate", authenticate],
    ["authorize", authorize],
  ] as const) {
    if (hook !== undefined && typeof hook !== "function") {
      throw new WirekitServerError(
        "invalid-option",
        `${where}: \`auth.${name}\` must be a function.`,
      );
    }
  }
  assertPositive(where, "auth.expiryNotice", expiryNotice);
  return { authenticate, authorize, expiryNotice, clock };
}

/**
 * Asks `authenticate` about a request (and a frame's token): never throws. A hook that throws,
 * or returns something that is neither `{ user }` nor `{ refused: 401 | 403 }`, is the server's
 * failure (500), not the client's.
 */
export async function verifyCredentials<User>(
  auth: ResolvedAuth<User>,
  request: IncomingMessage,
  token: string | undefined,
): Promise<Verdict<User>> {
  const { authenticate, clock } = auth;
  if (authenticate === undefined) {
    return { ok: true, user: undefined as User, expiresAt: undefined };
  }
  let result: unknown;
  try {
    result = await authenticate(request, token);
  } catch {
    return { ok: false, status: 500, reason: "authentication failed" };
  }
  if (typeof result === "object" && result !== null) {
    if ("refused" in result) {
      const { refused, reason } = result as AuthRefusal;
      if (refused === 401 || refused === 403) {
        const fallback = refused === 401 ? "not authenticated" : "not allowed in";
        return {
          ok: false,
          status: refused,
          reason: typeof reason === "string" ? reason : fallback,
        };
      }
    } else if ("user" in result) {
      const { user, expiresAt } = result as Authenticated<User>;
      if (expiresAt === undefined || expiresAt === Number.POSITIVE_INFINITY) {
        return { ok: true, user, expiresAt: undefined };
      }
      if (typeof expiresAt === "number" && !Number.isNaN(expiresAt)) {
        // Credentials that are already stale are refused as such, never served for an instant.
        if (expiresAt <= clock.now()) {
          return { ok: false, status: 401, reason: "credentials expired" };
        }
        return { ok: true, user, expiresAt };
      }
    }
  }
  return {
    ok: false,
    status: 500,
    reason: "authenticate must return { user, expiresAt? } or { refused: 401 | 403 }",
  };
}

/**
 * Asks `authorize` whether `user` may do `action` on `channel`: never throws. A hook that
 * throws is the server's failure, which the client hears as `internal` for that channel.
 */
export async function mayAccess<User>(
  auth: ResolvedAuth<User>,
  user: User,
  channel: string,
  action: ChannelAction,
): Promise<"allowed" | "forbidden" | "failed"> {
  if (auth.authorize === undefined) return "allowed";
  try {
    return (await auth.authorize(user, channel, action)) === true ? "allowed" : "forbidden";
  } catch {
    return "failed";
  }
}

/** The request's `Authorization: Bearer …` token, if it has one. */
export function bearerToken(request: IncomingMessage): string | undefined {
  const match = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? "");
  return match?.[1];
}

// Query parameters that carry credentials by the usual names (OAuth's access_token, JWTs…).
const CREDENTIAL_PARAMS = new Set([
  "token",
  "access_token",
  "id_token",
  "refresh_token",
  "auth",
  "authorization",
  "jwt",
  "bearer",
  "api_key",
  "apikey",
  "password",
]);

/**
 * Why a request must be refused for carrying credentials in its URL, if it does: a URL lands in
 * access logs, proxy logs and browser history, so the server never reads one, and says so rather
 * than leave the user wondering why their token is ignored.
 */
export function credentialsInUrl(request: IncomingMessage): string | undefined {
  const query = new URL(request.url ?? "/", "http://localhost").searchParams;
  for (const name of query.keys()) {
    if (CREDENTIAL_PARAMS.has(name.toLowerCase())) {
      return `credentials in the URL (\`${name}\`) are never read: send a cookie, an Authorization header or an auth frame`;
    }
  }
  return undefined;
}

// Node fires a timer longer than 2^31 - 1 ms at once; a later one is reached in steps.
const MAX_TIMER_DELAY = 2 ** 31 - 1;

/**
 * Schedules what expiry brings: `notice` (with the milliseconds left) ahead of it, `expire` at
 * it. Returns what cancels both.
 */
export function scheduleExpiry(
  auth: Pick<ResolvedAuth, "clock" | "expiryNotice">,
  expiresAt: number | undefined,
  handlers: { notice(expiresIn: number): void; expire(): void },
): () => void {
  if (expiresAt === undefined) return () => {};
  const { clock } = auth;
  const handles = new Set<unknown>();
  const at = (time: number, callback: () => void) => {
    const handle = clock.setTimeout(
      () => {
        handles.delete(handle);
        if (clock.now() >= time) callback();
        else at(time, callback);
      },
      Math.min(MAX_TIMER_DELAY, Math.max(0, time - clock.now())),
    );
    handles.add(handle);
  };
  const lead = Math.min(auth.expiryNotice, Math.max(0, expiresAt - clock.now()) / 2);
  at(expiresAt - lead, () => handlers.notice(Math.max(0, expiresAt - clock.now())));
  at(expiresAt, () => handlers.expire());
  return () => {
    for (const handle of handles) clock.clearTimeout(handle);
    handles.clear();
  };
}
