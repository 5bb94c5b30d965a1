import {
  Connection,
  ConnectionError,
  type ConnectionOptions,
  type EventStreamParseError,
  type HeartbeatOptions,
  heartbeat,
  Outbox,
  shouldRetry,
  type Transport,
  type TransportCallbacks,
  type TransportMessage,
  Watchdog,
} from "@wirekit/core";
import { createPageLifecycleControls, createVirtualClock } from "@wirekit/testing";

/** One physical connection the scripted transport opened, driven by the test. */
export interface ScriptedSession {
  readonly sent: unknown[];
  closedByClient: boolean;
  open(): void;
  message(message: TransportMessage): void;
  /** Anything arriving that is not a message: a comment, a pong. */
  activity(): void;
  drop(error: ConnectionError): void;
  /** The server sent its close frame: sends throw until the close event (`drop`) comes. */
  closing(): void;
  badInput(error: EventStreamParseError): void;
  /** The server's `retry:` advice, which the transport keeps for every later retry. */
  advise(retry: number): void;
}

/**
 * A transport for testing connection logic: every `open` is recorded, and the test decides what
 * each session does and when. (Real transports are tested against real servers.) A WebSocket one
 * pings as the real one does when given `pings`.
 */
export function scriptedTransport(
  kind: "sse" | "websocket" = "websocket",
  pings?: HeartbeatOptions,
): Transport & {
  readonly sessions: ScriptedSession[];
  readonly last: ScriptedSession;
} {
  const sessions: ScriptedSession[] = [];
  let serverRetry: number | undefined;
  return {
    // Over a WebSocket the connection can send: it gets an outbox, and pings if asked, as over
    // the real transport; an event stream gets a watchdog. Either fails as both real ones can.
    ...(kind === "websocket"
      ? {
          outbox: (options) => new Outbox(options),
          probe: pings === undefined ? undefined : heartbeat(pings).probe,
        }
      : { probe: (options) => new Watchdog(options) }),
    shouldRetry,
    sessions,
    get serverRetry() {
      return serverRetry;
    },
    get last() {
      const session = sessions.at(-1);
      if (session === undefined) throw new Error("no session was opened");
      return session;
    },
    open(callbacks: TransportCallbacks) {
      let writable = true;
      const session: ScriptedSession = {
        sent: [],
        closedByClient: false,
        open: () => {
          callbacks.onActivity();
          callbacks.onOpen();
        },
        message: (message) => {
          callbacks.onActivity();
          callbacks.onMessage(message);
        },
        activity: () => callbacks.onActivity(),
        drop: (error) => callbacks.onClose(error),
        closing: () => {
          writable = false;
        },
        badInput: (error) => callbacks.onBadInput(error),
        advise: (retry) => {
          serverRetry = retry;
        },
      };
      sessions.push(session);
      return {
        send: (data) => {
          if (!writable) throw new ConnectionError("network", "The WebSocket is not open.");
          session.sent.push(data);
        },
        close: () => {
          session.closedByClient = true;
        },
      };
    },
  };
}

/**
 * A `Connection` over a scripted WebSocket transport, on a virtual clock and page controls, with
 * a fixed retry delay unless `options` says otherwise.
 */
export function scriptedConnection(options: Partial<ConnectionOptions> = {}) {
  const clock = createVirtualClock();
  const transport = scriptedTransport("websocket");
  const connection = new Connection({
    transport,
    clock,
    lifecycle: createPageLifecycleControls(),
    retryDelay: () => 1000,
    ...options,
  });
  return { clock, transport, connection };
}
