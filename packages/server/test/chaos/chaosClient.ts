// One user of the system under chaos: a real @wirekit/core client (channels over WebSocket, or
// over one event stream) with its own page, which it can take offline, hide and reload. It
// writes down everything its channels hear, so the invariants can be checked afterwards.
import {
  type ChannelClient,
  type ChannelEvent,
  type Clock,
  ConnectionManager,
  EventStreamChannels,
  eventStreamChannels,
  exponentialBackoff,
  PublishError,
  systemClock,
  webSocketChannels,
} from "@wirekit/core";
import { FetchEventSource } from "@wirekit/core/event-source";
import { createPageLifecycleControls, type PageLifecycleControls } from "@wirekit/testing";
import { WebSocket } from "ws";

export type ClientKind = "ws" | "sse";

/** One stretch of a channel's subscription: from `subscribe` until `unsubscribe` or the end. */
export interface Interval {
  /** Where delivery started (the first `subscribed` position); every later id must follow. */
  start: string | undefined;
  readonly ids: string[];
  /** `subscribed` events with `recovered: false`. */
  readonly gaps: string[];
  /** Each later `subscribed`: where it resumed, and where the client stood when it heard it. */
  readonly resumes: Array<{ readonly position: string | undefined; readonly cursor: string }>;
  ended: boolean;
}

/** A publish and what became of it. */
export interface PublishRecord {
  readonly channel: string;
  readonly token: string;
  outcome: "pending" | "acked" | `PublishError ${string}` | "untyped";
}

/** A clock that counts the timers it holds, so a test can see that none is left behind. */
export function countingClock(): Clock & { readonly live: number } {
  const live = new Set<unknown>();
  return {
    now: () => systemClock.now(),
    setTimeout(callback, delay) {
      const handle = systemClock.setTimeout(() => {
        live.delete(handle);
        callback();
      }, delay);
      live.add(handle);
      return handle;
    },
    clearTimeout(handle) {
      live.delete(handle);
      systemClock.clearTimeout(handle);
    },
    get live() {
      return live.size;
    },
  };
}

interface Session {
  readonly manager: ConnectionManager;
  readonly clock: ReturnType<typeof countingClock>;
  readonly page: PageLifecycleControls;
  readonly ws: ChannelClient | undefined;
  readonly sse: EventStreamChannels | undefined;
  readonly stops: Map<string, () => void>;
  release(): void;
}

export class ChaosClient {
  readonly name: string;
  readonly kind: ClientKind;
  readonly intervals = new Map<string, Interval[]>();
  readonly publishes: PublishRecord[] = [];
  readonly #server: { readonly channelsUrl: string; readonly streamUrl: string };
  #online = true;
  #visible = true;
  #session: Session;
  #tokens = 0;

  constructor(
    name: string,
    kind: ClientKind,
    server: { readonly channelsUrl: string; readonly streamUrl: string },
  ) {
    this.name = name;
    this.kind = kind;
    this.#server = server;
    this.#session = this.#open(new Map());
  }

  /** The channels this client is subscribed to now. */
  get channels(): string[] {
    return [...this.#session.stops.keys()];
  }

  /** Timers the client's connections still hold. */
  get liveTimers(): number {
    return this.#session.clock.live;
  }

  /** Page listeners (visibility, network) its connections still hold. */
  get pageListeners(): number {
    return this.#session.page.listenerCount;
  }

  /** Publishes not settled yet, by the channel client's own count. */
  get pending(): number {
    return this.#session.ws?.pending ?? 0;
  }

  subscribe(channel: string): void {
    if (this.#session.stops.has(channel)) return;
    const interval: Interval = { start: undefined, ids: [], gaps: [], resumes: [], ended: false };
    const list = this.intervals.get(channel) ?? [];
    list.push(interval);
    this.intervals.set(channel, list);
    this.#listen(this.#session, channel, undefined);
  }

  unsubscribe(channel: string): void {
    const stop = this.#session.stops.get(channel);
    if (stop === undefined) return;
    stop();
    this.#session.stops.delete(channel);
    const interval = this.intervals.get(channel)?.at(-1);
    if (interval !== undefined) interval.ended = true;
  }

  /** Publishes a token on `channel` over the WebSocket (queued while it is down). */
  publish(channel: string): PublishRecord {
    const channels = this.#session.ws;
    if (channels === undefined) throw new Error("an event stream cannot publish");
    const record: PublishRecord = {
      channel,
      token: `${this.name}#${++this.#tokens}`,
      outcome: "pending",
    };
    this.publishes.push(record);
    channels.publish(channel, { token: record.token }).then(
      () => {
        record.outcome = "acked";
      },
      (error: unknown) => {
        record.outcome = error instanceof PublishError ? `PublishError ${error.code}` : "untyped";
      },
    );
    return record;
  }

  setOnline(online: boolean): void {
    this.#online = online;
    if (online) this.#session.page.goOnline();
    else this.#session.page.goOffline();
  }

  setVisible(visible: boolean): void {
    this.#visible = visible;
    if (visible) this.#session.page.show();
    else this.#session.page.hide();
  }

  /**
   * A page load: the old page goes away with what it held in memory; the new one starts from
   * what the old one stored, as `sessionStorage` would keep it.
   */
  reload(): void {
    const old = this.#session;
    const stored = new Map<string, string | undefined>();
    for (const channel of old.stops.keys()) {
      stored.set(channel, this.kind === "ws" ? old.ws?.lastId(channel) : old.sse?.lastId());
    }
    old.release();
    this.#session = this.#open(stored);
  }

  /** Lets go of everything; the last lease closes the connection at once (no linger). */
  dispose(): void {
    this.#session.release();
  }

  #open(stored: ReadonlyMap<string, string | undefined>): Session {
    const clock = countingClock();
    const page = createPageLifecycleControls({ online: this.#online, visible: this.#visible });
    const manager = new ConnectionManager({ clock, lifecycle: page, linger: 0 });
    const settings = {
      retryDelay: exponentialBackoff({ initialDelay: 20, maxDelay: 100 }),
      visibilityGrace: 20,
    };
    const streamResume = [...stored.values()].find((id) => id !== undefined && id !== "");
    let ws: ChannelClient | undefined;
    let sse: EventStreamChannels | undefined;
    let release: () => void;
    if (this.kind === "ws") {
      const source = webSocketChannels({
        url: `${this.#server.channelsUrl}?client=${this.name}`,
        WebSocket,
        ...settings,
      });
      const lease = manager.acquire(source.endpoint);
      ws = source.channelsOf(lease);
      release = lease.release;
    } else {
      const source = eventStreamChannels({
        url: `${this.#server.streamUrl}?client=${this.name}`,
        FetchEventSource,
        ...settings,
        ...(streamResume === undefined ? {} : { lastEventId: streamResume }),
      });
      const lease = manager.acquire(source.endpoint);
      const channels = source.channelsOf(lease);
      if (!(channels instanceof EventStreamChannels)) throw new Error("not a stream's channels");
      sse = channels;
      release = lease.release;
    }
    const session: Session = {
      manager,
      clock,
      page,
      ws,
      sse,
      stops: new Map(),
      release: () => {
        for (const stop of session.stops.values()) stop();
        release();
        manager.closeAll();
      },
    };
    for (const [channel, resumeFrom] of stored) this.#listen(session, channel, resumeFrom);
    return session;
  }

  #listen(session: Session, channel: string, resumeFrom: string | undefined): void {
    const interval = () => this.intervals.get(channel)?.at(-1) as Interval;
    const listener = (event: ChannelEvent) => {
      const current = interval();
      if (event.type === "message") current.ids.push(event.id);
      else if (event.type === "subscribed") {
        if (!event.recovered) current.gaps.push(event.position ?? "");
        if (current.start === undefined) current.start = event.position;
        else {
          const cursor = current.ids.at(-1) ?? current.start;
          current.resumes.push({ position: event.position, cursor });
        }
      }
    };
    const stop =
      session.ws !== undefined
        ? session.ws.subscribe(channel, listener, resumeFrom === undefined ? {} : { resumeFrom })
        : (session.sse as EventStreamChannels).subscribe(channel, listener);
    session.stops.set(channel, stop);
  }
}
