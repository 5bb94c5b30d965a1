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
  readonly channel: string;
  // A share is its own listener, a function made for it: one listener entered twice is two
  // shares, and each hears every view until it leaves.
  readonly shares: Set<(view: PresenceView) => void>;
  /** What the member carries, `null` for nothing. */
  data: unknown;
  /** Whether an enter went out for it. */
  entered: boolean;
  view: PresenceView;
}

/** Members by id, in the order they joined: a later entry for an id replaces it in place. */
function byId(members: readonly PresenceMember[]): PresenceMember[] {
  return [...new Map(members.map((member) => [member.id, member])).values()];
}

/**
 * Presence over a `ChannelClient` (PROTOCOL.md section 11): one member per channel for the whole
 * connection, however many components share it, entered again on every reconnect with the same
 * key and the latest data, so the server sees one participant across drops. It rides on the
 * channel client as an extension and is its own module: an app that never shows presence
 * carries none of it.
 *
 * @example
 * const presence = lease.attachment(PresenceClient, () => new PresenceClient(channels));
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

  constructor(channels: ChannelClient, options: { key?: string | undefined } = {}) {
    const { key = globalThis.crypto.randomUUID() } = options;
    if (typeof key !== "string" || key === "" || key.length > 128) {
      throw new TypeError("PresenceClient: `key` must be a string of 1 to 128 characters.");
    }
    this.#channels = channels;
    this.#key = key;
    this.#detach = channels.extend({
      open: () => {
        for (const present of this.#present.values()) this.#sendEnter(present);
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
    const held = this.#present.get(channel) ?? {
      channel,
      shares: new Set(),
      data: null,
      entered: false,
      view: EMPTY_PRESENCE_VIEW,
    };
    this.#present.set(channel, held);
    const share = (view: PresenceView) => listener(view);
    held.shares.add(share);
    this.#setData(held, data);
    return {
      update: (next) => {
        if (held.shares.has(share)) this.#setData(held, next);
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

  #setData(present: Present, data: unknown): void {
    // The latest data is all the server needs: an unchanged one is not sent again, also to a
    // share that left and entered again at once (StrictMode), whose leave never went out.
    // The first enter always goes: it is what makes the member present.
    const changed = JSON.stringify(data ?? null) !== JSON.stringify(present.data);
    present.data = data ?? null;
    if (changed || !present.entered) this.#sendEnter(present);
  }

  #sendEnter(present: Present): void {
    const { channel, data } = present;
    present.entered = true;
    this.#channels.sendControl({
      type: "presence-enter",
      channel,
      data,
      key: this.#key,
    });
  }

  #onFrame(frame: ServerFrame): boolean {
    if (frame.type === "error") {
      if (!frame.frame?.startsWith("presence-") || frame.channel === undefined) return false;
      this.#show(frame.channel, (view) => ({ ...view, error: new ChannelServerError(frame) }));
    } else if (frame.type === "presence") {
      this.#show(frame.channel, () => ({
        members: byId(frame.members),
        self: frame.self,
        error: null,
      }));
    } else if (frame.type === "presence-diff") {
      this.#show(frame.channel, (view) => ({
        ...view,
        members: byId([...view.members, ...(frame.join ?? [])]).filter(
          (member) => !frame.leave?.includes(member.id),
        ),
      }));
    } else {
      return false;
    }
    return true;
  }

  /** Tells the listeners of `channel` its next view. */
  #show(channel: string, next: (view: PresenceView) => PresenceView): void {
    // Frames for a channel this client has left since are on their way out: nothing to show.
    const present = this.#present.get(channel);
    if (present === undefined) return;
    present.view = Object.freeze(next(present.view));
    callEach(present.shares, present.view);
  }
}
