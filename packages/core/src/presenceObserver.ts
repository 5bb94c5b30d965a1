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
  readonly key?: string | undefined;
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
  readonly #options: PresenceObserverOptions;
  readonly #store = new SnapshotStore({ view: EMPTY_PRESENCE_VIEW });
  #data: unknown;
  // The latest mount's share; one let go ignores updates.
  #handle: PresenceHandle | undefined;

  constructor(manager: ConnectionManager, options: PresenceObserverOptions) {
    this.#manager = manager;
    this.#options = { ...options };
    this.#data = options.data;
  }

  readonly subscribe = this.#store.subscribe;

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
    const { source, channel, key } = this.#options;
    const lease = this.#manager.acquire(source.endpoint);
    const channels = source.channelsOf(lease);
    if (!(channels instanceof ChannelClient)) {
      lease.release();
      throw new TypeError(
        "wirekit: presence needs WebSocket channels (`webSocketChannels`, or `endpoint={{ url }}`); an event stream is one-way.",
      );
    }
    const presence = lease.attachment(PresenceClient, () => new PresenceClient(channels, { key }));
    const show = (view: PresenceView) => this.#store.update({ view });
    const handle = presence.enter(channel, this.#data, show);
    this.#handle = handle;
    show(presence.view(channel));
    return () => {
      handle.leave();
      lease.release();
      show(EMPTY_PRESENCE_VIEW);
    };
  }
}
