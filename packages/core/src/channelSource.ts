import type { ChannelProtocolError, ChannelServerError } from "./channelErrors.js";
import type { ConnectionLease } from "./connectionManager.js";
import type { Endpoint } from "./endpoint.js";

/** What a channel's subscribers hear. */
export type ChannelEvent =
  | {
      readonly type: "message";
      readonly channel: string;
      readonly id: string;
      readonly data: unknown;
    }
  /**
   * The server confirmed the subscription, after every (re)connect. `recovered: false` is a gap:
   * messages were missed and could not be replayed; refetch what the channel shows.
   */
  | {
      readonly type: "subscribed";
      readonly channel: string;
      readonly recovered: boolean;
      readonly position: string | undefined;
    }
  /** Bad input about this channel, or an error the server sent about it. */
  | {
      readonly type: "error";
      readonly channel: string;
      readonly error: ChannelProtocolError | ChannelServerError;
    };

export interface SubscribeOptions {
  /**
   * The id to resume from: a message id (or subscription position) stored from an earlier
   * session, e.g. in `sessionStorage`, so a page load replays what it missed. Used when this is
   * the channel's first listener; a channel already subscribed keeps its own place.
   */
  resumeFrom?: string | undefined;
}

/** The channels of one shared connection, whatever carries them. */
export interface ChannelSubscriber {
  /** Listens to `channel`; the first listener subscribes on the wire, the last one leaves. */
  subscribe(
    channel: string,
    listener: (event: ChannelEvent) => void,
    options?: SubscribeOptions,
  ): () => void;
  /** Where `channel` stands: the id a reconnect resumes from. */
  lastId(channel: string): string | undefined;
  /** Publishes with an ack, where the transport can send (WebSocket channels). */
  publish?(channel: string, data: unknown): Promise<{ id: string | undefined }>;
}

/**
 * Where channels come from: an endpoint, and how to find the channels every user of its
 * connection shares. `webSocketChannels` (PROTOCOL.md over WebSocket) and `eventStreamChannels`
 * (named events of one stream) make them; `<RealtimeProvider endpoint>` takes either.
 */
export interface ChannelSource {
  readonly endpoint: Endpoint;
  channelsOf(lease: ConnectionLease): ChannelSubscriber;
}
