// The playground: every story runs against @wirekit/testing's in-memory server, on real timers,
// with controls a visitor (or a play function) uses to break the connection and watch wirekit
// recover — drop it, hide the page, go offline, add latency, change the message rate.

import type { Decorator } from "@storybook/react-vite";
import {
  CHANNEL_SUBPROTOCOL,
  ConnectionManager,
  exponentialBackoff,
  type WebSocketChannelsOptions,
} from "@wirekit/core";
import { RealtimeProvider } from "@wirekit/react";
import {
  createFakeChannelServer,
  createFakeServer,
  createPageLifecycleControls,
  type FakeChannelServer,
  type FakeServer,
  type PageLifecycleControls,
} from "@wirekit/testing";
import {
  createContext,
  type ReactNode,
  StrictMode,
  useContext,
  useEffect,
  useId,
  useState,
  useSyncExternalStore,
} from "react";

/** A message rate a backend reads on every tick, so the slider takes effect at once. */
export interface RateControl {
  get(): number;
  set(perSecond: number): void;
  subscribe(listener: () => void): () => void;
}

export interface Playground {
  readonly server: FakeServer;
  readonly channels: FakeChannelServer;
  readonly page: PageLifecycleControls;
  readonly manager: ConnectionManager;
  readonly rate: RateControl;
}

/** What a story sets up: its scripted backend and the controls' starting values. */
export interface PlaygroundParameters {
  /** Scripts the server; returns what stops it. */
  backend?: (playground: Playground) => () => void;
  /** @default 20 */
  latency?: number;
  /** Messages per second. @default 2 */
  rate?: number;
  /** The rate slider's top. @default 20 */
  maxRate?: number;
}

/**
 * Connection settings for the playground's endpoints: retries within a second or two (the
 * default starts at 4 s) and a short grace before a hidden page pauses, so a visitor sees it.
 */
export const playgroundSettings = {
  retryDelay: exponentialBackoff({ initialDelay: 800, maxDelay: 3000 }),
  visibilityGrace: 1000,
} as const;

export function createPlayground({ latency = 20, rate = 2 }: PlaygroundParameters = {}) {
  const server = createFakeServer({ latency });
  const page = createPageLifecycleControls();
  const manager = new ConnectionManager({ lifecycle: page, linger: 200 });
  const listeners = new Set<() => void>();
  let perSecond = rate;
  const playground: Playground = {
    server,
    channels: createFakeChannelServer(server),
    page,
    manager,
    rate: {
      get: () => perSecond,
      set(value) {
        perSecond = value;
        for (const listener of [...listeners]) listener();
      },
      subscribe(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
  };
  return playground;
}

/**
 * Calls `emit(count)` as time passes, `count` being how many messages are due at the current
 * rate: a rate of 1000 a second becomes a batch per timer tick, not a thousand timers.
 */
export function every(rate: RateControl, emit: (count: number) => void): () => void {
  let owed = 0;
  let last = performance.now();
  let timer: ReturnType<typeof setTimeout>;
  const tick = () => {
    const now = performance.now();
    owed += ((now - last) / 1000) * rate.get();
    last = now;
    const count = Math.floor(owed);
    owed -= count;
    if (count > 0) emit(count);
    timer = setTimeout(tick, Math.max(16, Math.min(250, 1000 / Math.max(rate.get(), 1))));
  };
  timer = setTimeout(tick, 16);
  return () => clearTimeout(timer);
}

const PlaygroundContext = createContext<Playground | null>(null);

/** The story's playground: its server, page, manager and rate. */
export function usePlayground(): Playground {
  const playground = useContext(PlaygroundContext);
  if (playground === null) throw new TypeError("usePlayground: use withPlayground on the story.");
  return playground;
}

/** The playground's channels (PROTOCOL.md over its WebSocket), as channel hooks and templates take them. */
export function usePlaygroundChannels(): WebSocketChannelsOptions {
  const { server } = usePlayground();
  return {
    url: "ws://playground.test/realtime",
    protocols: [CHANNEL_SUBPROTOCOL],
    WebSocket: server.WebSocket,
    ...playgroundSettings,
  };
}

/**
 * The decorator every story uses: a fresh playground per story, its backend running while the
 * story is shown, the controls above it, and the story itself in StrictMode under a provider.
 */
export const withPlayground: Decorator = (Story, context) => {
  const parameters = (context.parameters["playground"] ?? {}) as PlaygroundParameters;
  return (
    <PlaygroundRoot parameters={parameters}>
      <Story />
    </PlaygroundRoot>
  );
};

function PlaygroundRoot({
  parameters,
  children,
}: {
  parameters: PlaygroundParameters;
  children: ReactNode;
}) {
  const [playground] = useState(() => createPlayground(parameters));
  const { backend } = parameters;
  useEffect(() => backend?.(playground), [backend, playground]);
  useEffect(() => () => playground.manager.closeAll(), [playground]);
  return (
    <PlaygroundContext.Provider value={playground}>
      <div style={{ fontFamily: "system-ui, sans-serif", display: "grid", gap: 16 }}>
        <PlaygroundControls maxRate={parameters.maxRate ?? 20} />
        <StrictMode>
          <RealtimeProvider manager={playground.manager}>{children}</RealtimeProvider>
        </StrictMode>
      </div>
    </PlaygroundContext.Provider>
  );
}

/** The panel: every way the playground lets a visitor disturb the connection. */
export function PlaygroundControls({ maxRate }: { maxRate: number }) {
  const { server, page, rate } = usePlayground();
  const [hidden, setHidden] = useState(false);
  const [offline, setOffline] = useState(false);
  const [latency, setLatency] = useState(server.latency);
  const perSecond = useSyncExternalStore(rate.subscribe, rate.get);
  const latencyId = useId();
  const rateId = useId();
  return (
    <fieldset style={panel}>
      <legend>Playground controls</legend>
      <p style={hint}>
        Nothing is clicked or typed for you: break the connection with these and watch it recover.
        (Each story's scripted steps run in <code>npm test</code>.)
      </p>
      <button type="button" onClick={() => server.drop()}>
        Drop connection
      </button>
      <button
        type="button"
        aria-pressed={hidden}
        onClick={() => {
          if (hidden) page.show();
          else page.hide();
          setHidden(!hidden);
        }}
      >
        {hidden ? "Show page" : "Hide page"}
      </button>
      <button
        type="button"
        aria-pressed={offline}
        onClick={() => {
          if (offline) page.goOnline();
          else page.goOffline();
          setOffline(!offline);
        }}
      >
        {offline ? "Go online" : "Go offline"}
      </button>
      <label htmlFor={latencyId}>Latency (ms)</label>
      <input
        id={latencyId}
        type="range"
        min={0}
        max={2000}
        step={10}
        value={latency}
        onChange={(event) => {
          const value = Number(event.target.value);
          server.setLatency(value);
          setLatency(value);
        }}
      />
      <span aria-hidden="true">{latency}</span>
      <label htmlFor={rateId}>Messages per second</label>
      <input
        id={rateId}
        type="range"
        min={0}
        max={maxRate}
        step={Math.max(1, Math.round(maxRate / 100))}
        value={perSecond}
        onChange={(event) => rate.set(Number(event.target.value))}
      />
      <span aria-hidden="true">{perSecond}</span>
    </fieldset>
  );
}

const hint = { flexBasis: "100%", margin: 0, color: "#52525b" } as const;

const panel = {
  display: "flex",
  flexWrap: "wrap",
  alignItems: "center",
  gap: 8,
  border: "1px solid #d4d4d8",
  borderRadius: 8,
  fontSize: 13,
} as const;
