import { ChannelClient } from "./channelClient.js";
import type { ChannelSource } from "./channelSource.js";
import type { ConnectionManager } from "./connectionManager.js";
import {
  EMPTY_PRESENCE_VIEW,
  PresenceClient,
  type PresenceHandle,
  type PresenceView,
} from "./presenceClient.js";
import { SnapshotStore } from "./snapshotStore.js";

export interface PresenceObserverOptions {
  /** WebSocket channels (`webSocketChannels`): presence needs frames both ways. */
  readonly source: ChannelSource;
  readonly channel: string;
  /**
   * What this member carries (a nickname, an avatar): any small JSON value.
   * @default null
   */
  readonly data?: unknown;
  /**
   * What makes this participant the same member on every connection (PROTOCOL.md section 11):
   * one kept in `sessionStorage` makes a reload the same member, so others see no leave and
   * join. The connection's first user sets it.
   * @default a random key for as long as the shared connection lives
   */
  readonly key?: string;
}

/**
 * One component's presence in a channel: enters while mounted (taking a share of the shared
 * connection), leaves when unmounted, and keeps a cached view for `useSyncExternalStore`.
 * Creating one does nothing; `mount()` starts it.
 *
 * @example
 * const observer = new PresenceObserver(manager, { source: webSocketChannels({ url }), channel: "room:42", data: { nick } });
 * const unmount = observer.mount();
 * observer.subscribe(() => render(observer.getSnapshot().members));
 */
export class PresenceObserver {
  readonly #manager: ConnectionManager;
  readonly #source: ChannelSource;
  readonly #channel: string;
  readonly #key: string | undefined;
  readonly #store = new SnapshotStore<{ view: PresenceView }>({ view: EMPTY_PRESENCE_VIEW });
  #data: unknown;
  #handle: PresenceHandle | undefined;

  constructor(manager: ConnectionManager, options: PresenceObserverOptions) {
    const { source, channel, data = null, key } = options;
    this.#key = key;
    this.#manager = manager;
    this.#source = source;
    this.#channel = channel;
    this.#data = data;
  }

  subscribe = (listener: () => void): (() => void) => this.#store.subscribe(listener);

  getSnapshot = (): PresenceView => this.#store.get().view;

  /** Always empty: presence is known only once connected, never while rendering on a server. */
  getServerSnapshot = (): PresenceView => EMPTY_PRESENCE_VIEW;

  /** Changes what this member carries; everyone present hears it. */
  setData(data: unknown): void {
    this.#data = data;
    this.#handle?.update(data);
  }

  /** Enters the channel; the returned function leaves it and lets the connection go. */
  mount(): () => void {
    const lease = this.#manager.acquire(this.#source.endpoint);
    const channels = this.#source.channelsOf(lease);
    if (!(channels instanceof ChannelClient)) {
      lease.release();
      throw new TypeError(
        "wirekit: presence needs WebSocket channels (`webSocketChannels`, or `endpoint={{ url }}`); an event stream is one-way.",
      );
    }
    const key = this.#key;
    const presence = lease.attachment(
      PresenceClient,
      () => new PresenceClient(channels, key === undefined ? {} : { key }),
    );
    const handle = presence.enter(this.#channel, this.#data, (view) =>
      this.#store.update({ view }),
    );
    this.#handle = handle;
    this.#store.update({ view: presence.view(this.#channel) });
    return () => {
      if (this.#handle === handle) this.#handle = undefined;
      handle.leave();
      lease.release();
      this.#store.update({ view: EMPTY_PRESENCE_VIEW });
    };
  }
}
