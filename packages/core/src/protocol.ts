// The wire protocol of PROTOCOL.md as data, with no dependency: what the channel client and
// @wirekit/server both import (`@wirekit/core/protocol`), so the two can never disagree on a
// name, a frame or how ids compare.

/** The WebSocket subprotocol of PROTOCOL.md version 1. */
export const CHANNEL_SUBPROTOCOL = "wirekit.v1";

/** What a client sends (PROTOCOL.md section 2). */
export type ClientFrame =
  | { readonly type: "subscribe"; readonly channel: string; readonly resume?: string }
  | { readonly type: "unsubscribe"; readonly channel: string }
  | {
      readonly type: "publish";
      readonly channel: string;
      readonly data: unknown;
      readonly ack?: string;
    }
  | { readonly type: "auth"; readonly token: string }
  | { readonly type: "ping"; readonly nonce?: string }
  | { readonly type: "pong"; readonly nonce?: string }
  /** Present in `channel` with `data`, or `data` changed (section 11). */
  | {
      readonly type: "presence-enter";
      readonly channel: string;
      readonly data?: unknown;
      /** Kept by the client for one participant, so a reconnect is the same member. */
      readonly key?: string;
    }
  | { readonly type: "presence-leave"; readonly channel: string };

/** One connection present in a channel (PROTOCOL.md section 11). */
export interface PresenceMember {
  /** Derived by the server from the user and the client's `key`; the same across reconnects. */
  readonly id: string;
  /** What the client entered with: any JSON value. */
  readonly data: unknown;
  /** The connection's authenticated user, when it has one. */
  readonly user?: string;
}

/** `error.code` values a wirekit server sends (PROTOCOL.md section 6). */
export type ChannelErrorCode =
  | "bad-frame"
  | "unknown-type"
  | "too-large"
  | "forbidden"
  | "rate-limited"
  | "too-many"
  | "internal";

/** What a server sends (PROTOCOL.md section 2). */
export type ServerFrame =
  | {
      readonly type: "subscribed";
      readonly channel: string;
      readonly recovered: boolean;
      readonly position?: string;
    }
  | {
      readonly type: "message";
      readonly channel: string;
      readonly id: string;
      readonly data: unknown;
    }
  | { readonly type: "ack"; readonly ack: string; readonly id?: string }
  | {
      readonly type: "error";
      /** One of `ChannelErrorCode` from a wirekit server; another server may send its own. */
      readonly code: ChannelErrorCode | (string & {});
      readonly reason: string;
      readonly frame?: string;
      readonly channel?: string;
      readonly ack?: string;
    }
  | { readonly type: "ping"; readonly nonce?: string }
  | { readonly type: "pong"; readonly nonce?: string }
  /** The server's limits for this connection: pace and size sends by them (section 7a). */
  | {
      readonly type: "limits";
      readonly messages?: number;
      readonly per?: number;
      readonly maxFrameSize?: number;
    }
  /** The credentials expire in `expiresIn` ms: send an `auth` frame with fresh ones (section 1a). */
  | { readonly type: "expiring"; readonly expiresIn: number }
  /** Who is present in `channel` now, replacing the client's view; `self` is its own id. */
  | {
      readonly type: "presence";
      readonly channel: string;
      readonly members: readonly PresenceMember[];
      readonly self: string;
    }
  /** Members who joined or changed their data, and ids of members who left, in order. */
  | {
      readonly type: "presence-diff";
      readonly channel: string;
      readonly join?: readonly PresenceMember[];
      readonly leave?: readonly string[];
    };

/** Close codes of the protocol (PROTOCOL.md section 8). */
export const CLOSE_CODES = {
  /** A bad request, such as credentials in the URL (section 1a): fatal. */
  badRequest: 4400,
  /** Over the rate limit: retried with backoff. */
  rateLimited: 4429,
  /** Not authenticated: the client's auth hook may refresh credentials. */
  notAuthenticated: 4401,
  /** Authenticated, and not allowed. */
  forbidden: 4403,
  /** The credentials expired before fresh ones came (section 1a): retried, with fresh ones. */
  credentialsExpired: 4440,
} as const;

/**
 * Event names a wirekit server reserves on an event stream (PROTOCOL.md section 9).
 * - `wirekit-gap`: the server could not resume from `Last-Event-ID` (its data), or lost events
 *   while the stream was open; what the client shows must be refetched.
 * - `wirekit-position`: where the stream stands (its `id:`): every event after it follows.
 */
export const STREAM_GAP_EVENT = "wirekit-gap";
export const STREAM_POSITION_EVENT = "wirekit-position";
/**
 * Reserved event names about the stream's credentials and channels (PROTOCOL.md section 9):
 * - `wirekit-error`: a channel is not served; its data is an `error` frame's JSON
 *   (`{"code":"forbidden","channel":…,"reason":…}`);
 * - `wirekit-expiring`: the credentials expire in its data's milliseconds: refresh and reconnect;
 * - `wirekit-expired`: they have expired, and the stream ends.
 */
export const STREAM_ERROR_EVENT = "wirekit-error";
export const STREAM_EXPIRING_EVENT = "wirekit-expiring";
export const STREAM_EXPIRED_EVENT = "wirekit-expired";

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/** Whether `id` is a message id: the decimal string of a non-negative integer (section 3). */
export function isMessageId(id: unknown): id is string {
  return typeof id === "string" && DECIMAL.test(id);
}

/**
 * Compares two message ids as numbers of any size: negative when `a` is older, zero when equal,
 * positive when newer. Ids may exceed 2^53, so they compare as decimal strings: longer is
 * larger, equal lengths compare by characters (section 3).
 */
export function compareIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether message id `a` comes after `b`. */
export function isNewerId(a: string, b: string): boolean {
  return compareIds(a, b) > 0;
}
