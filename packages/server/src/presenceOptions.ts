import { randomUUID } from "node:crypto";
import type { Broker } from "./broker.js";
import { encodeServerFrame } from "./channelFrames.js";
import type { ChannelConnection, SessionPresence } from "./channelSession.js";
import { encodeOnce } from "./encodeOnce.js";
import { assertPositive, WirekitServerError } from "./errors.js";
import { createMemoryPresence } from "./memoryPresence.js";
import type { PresenceChange, PresenceStore } from "./presenceStore.js";
import { webSocketFrame } from "./webSocketFrame.js";

/** How the channel server tracks presence (PROTOCOL.md section 11). */
export interface PresenceOptions {
  /**
   * Where members live, shared by every server that must agree on them.
   * @default the broker's (`broker.presence`), else one for this server alone
   */
  store?: PresenceStore;
  /**
   * Milliseconds a member stays after its connection ended without leaving, so a reconnect
   * within it (to any instance sharing the store) is not seen as a leave and a join.
   * @default 5000
   */
  grace?: number;
  /**
   * The largest `data` a member may carry, in bytes of JSON; a larger one is refused with
   * `too-large` and changes nothing.
   * @default 1024
   */
  maxDataSize?: number;
  /**
   * Channels one connection may be present in at once; one more is refused with `too-many`.
   * @default 100
   */
  maxChannels?: number;
  /**
   * The member's `user`, from the connection `authenticate` accepted: what other members see,
   * and part of the member's id, so one user's key never names another user's member. Return
   * `undefined` for an anonymous connection.
   * @default `user` when it is a string, else `user.id` when that is a string, else none
   */
  userId?: (connection: ChannelConnection) => string | undefined;
}

/** What `authenticate` returned, read as a user id: a string, or an object's string `id`. */
export function defaultUserId({ user }: ChannelConnection): string | undefined {
  if (typeof user === "string") return user;
  const id = typeof user === "object" && user !== null ? (user as { id?: unknown }).id : undefined;
  return typeof id === "string" ? id : undefined;
}

/** The sessions' presence settings, or `undefined` when the server does not track presence. */
export function sessionPresence(
  options: PresenceOptions | false,
  broker: Broker,
): SessionPresence | undefined {
  if (options === false) return undefined;
  const {
    store = broker.presence ?? createMemoryPresence(),
    grace = 5000,
    maxDataSize = 1024,
    maxChannels = 100,
    userId = defaultUserId,
  } = options;
  const where = "createChannelServer";
  // Zero is a grace too: leave at once.
  if (typeof grace !== "number" || !Number.isFinite(grace) || grace < 0) {
    throw new WirekitServerError(
      "invalid-option",
      `${where}: \`presence.grace\` must be a finite number ≥ 0, got ${String(grace)}.`,
    );
  }
  assertPositive(where, "presence.maxDataSize", maxDataSize);
  assertPositive(where, "presence.maxChannels", maxChannels);
  // Connections of every server sharing the store are told apart by this server's own name.
  const server = randomUUID();
  let connections = 0;
  return {
    store,
    grace,
    maxDataSize,
    maxChannels,
    userId,
    nextHolder: () => `${server}/${++connections}`,
    diffFrame: encodeOnce((change: PresenceChange) =>
      webSocketFrame(
        encodeServerFrame(
          change.type === "join"
            ? { type: "presence-diff", channel: change.channel, join: [change.member], leave: [] }
            : { type: "presence-diff", channel: change.channel, join: [], leave: [change.id] },
        ),
      ),
    ),
  };
}
