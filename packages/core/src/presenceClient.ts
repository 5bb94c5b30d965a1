import type { ChannelClient } from "./channelClient.js";
import { ChannelServerError } from "./channelErrors.js";
import type { Attachment } from "./endpoint.js";
import type { PresenceMember, ServerFrame } from "./protocol.js";
import { callEach } from "./rethrowAsync.js";

export type { PresenceMember };

/** Who is present in one channel, as the server last said (PROTOCOL.md section 11). */
export interface PresenceView {
  /** Everyone present, this client's own member included, in the order they joined. */
  readonly members: readonly PresenceMember[];
  /** The id of this client's own member, once the server answered its enter. */
  readonly self: string | undefined;
  /** What the server refused last (`too-large`, `forbidden`, …), until an enter succeeds. */
  readonly error: ChannelServerError | null;
}

/** The view before the server said anything. */
export const EMPTY_PRESENCE_VIEW: PresenceView = Object.freeze({
  members: Object.freeze([]),
  self: undefined,
  error: null,
});

/** This client's share of being present in a channel. */
export interface PresenceHandle {
  /** Changes the data the member carries: the latest share's data is what everyone sees. */
  update(data: unknown): void;
  /** Lets go; the member leaves when the last share of the channel has let go. */
  leave(): void;
}

interface Present {
  // A share is its own listener, a function made for it: one listener entered twice is two
  // shares, and each hears every view until it leaves.
  readonly shares: Set<(view: PresenceView) => void>;
  data: unknown;
  members: Map<string, PresenceMember>;
  view: PresenceView;
}

function randomKey(): string {
  return globalThis.crypto.randomUUID();
}

/**
 * Presence over a `ChannelClient` (PROTOCOL.md section 11): one member per channel for the whole
 * connection, however many components share it, entered again on every reconnect with the same
 * key and the latest data, so the server sees one participant across drops. It rides on the
 * channel client as an extension and is its own module: an app that never shows presence
 * carries none of it.
 *
 * @example
 * const presence = PresenceClient.of(lease, channels);
 * const here = presence.enter("room:42", { nick: "ada" }, (view) => render(view.members));
 * here.update({ nick: "ada", typing: true });
 * here.leave();
 */
export class PresenceClient implements Attachment {
  readonly #channels: ChannelClient;
  readonly #present = new Map<string, Present>();
  readonly #detach: () => void;
  // One participant for as long as the connection lives, so a reconnect is the same member.
  readonly #key: string;

  constructor(channels: ChannelClient, options: { key?: string } = {}) {
    const { key = randomKey() } = options;
    if (typeof key !== "string" || key === "" || key.length > 128) {
      throw new TypeError("PresenceClient: `key` must be a string of 1 to 128 characters.");
    }
    this.#channels = channels;
    this.#key = key;
    this.#detach = channels.extend({
      open: () => {
        for (const channel of this.#present.keys()) this.#sendEnter(channel);
      },
      frame: (frame) => this.#onFrame(frame),
    });
  }

  /**
   * Becomes present in `channel` with `data` (any JSON value), or shares the member already
   * there and sets its data. `listener` hears the channel's view after every change.
   */
  enter(
    channel: string,
    data: unknown,
    listener: (view: PresenceView) => void = () => {},
  ): PresenceHandle {
    if (typeof channel !== "string" || channel === "") {
      throw new TypeError("PresenceClient.enter: `channel` must be a non-empty string.");
    }
    let present = this.#present.get(channel);
    if (present === undefined) {
      present = {
        shares: new Set(),
        data,
        members: new Map(),
        view: EMPTY_PRESENCE_VIEW,
      };
      this.#present.set(channel, present);
    }
    const held = present;
    const share = (view: PresenceView) => listener(view);
    held.shares.add(share);
    this.#setData(channel, held, data);
    return {
      update: (next) => {
        if (held.shares.has(share)) this.#setData(channel, held, next);
      },
      leave: () => {
        if (!held.shares.delete(share)) return;
        // StrictMode unmounts and mounts again in one go: wait a microtask before leaving, so
        // the others never see this member leave and join again.
        queueMicrotask(() => {
          if (held.shares.size > 0 || this.#present.get(channel) !== held) return;
          this.#present.delete(channel);
          this.#channels.sendControl({ type: "presence-leave", channel });
        });
      },
    };
  }

  /** The view of `channel`, as its listeners last heard it. */
  view(channel: string): PresenceView {
    return this.#present.get(channel)?.view ?? EMPTY_PRESENCE_VIEW;
  }

  dispose(): void {
    this.#detach();
    this.#present.clear();
  }

  #setData(channel: string, present: Present, data: unknown): void {
    const sent = JSON.stringify(present.data ?? null);
    const first = present.shares.size === 1 && present.view === EMPTY_PRESENCE_VIEW;
    present.data = data;
    // The latest data is all the server needs: an unchanged one is not sent again.
    if (first || JSON.stringify(data ?? null) !== sent) this.#sendEnter(channel);
  }

  #sendEnter(channel: string): void {
    const present = this.#present.get(channel);
    if (present === undefined) return;
    this.#channels.sendControl({
      type: "presence-enter",
      channel,
      data: present.data ?? null,
      key: this.#key,
    });
  }

  #onFrame(frame: ServerFrame): boolean {
    if (frame.type === "error") {
      if (!frame.frame?.startsWith("presence-") || frame.channel === undefined) return false;
      const present = this.#present.get(frame.channel);
      if (present !== undefined) {
        this.#publish(present, { ...present.view, error: new ChannelServerError(frame) });
      }
      return true;
    }
    if (frame.type !== "presence" && frame.type !== "presence-diff") return false;
    // Frames for a channel this client has left since are on their way out: nothing to show.
    const present = this.#present.get(frame.channel);
    if (present === undefined) return true;
    if (frame.type === "presence") {
      present.members = new Map(frame.members.map((member) => [member.id, member]));
      this.#publish(present, {
        members: [...present.members.values()],
        self: frame.self,
        error: null,
      });
      return true;
    }
    for (const member of frame.join ?? []) present.members.set(member.id, member);
    for (const id of frame.leave ?? []) present.members.delete(id);
    this.#publish(present, { ...present.view, members: [...present.members.values()] });
    return true;
  }

  #publish(present: Present, view: PresenceView): void {
    present.view = Object.freeze(view);
    callEach(present.shares, present.view);
  }
}
