// Model-based: random interleavings of what an app, a server, the network and the page do to a
// Connection, on a virtual clock, checked after every step against what must always hold: one
// session at most, a status that matches it, nothing opened while at rest, offline means paused,
// and never paused with nothing to wait for.
// A failure names its visibility policy, prints its seed, path and the commands' replayPath, and
// shrinks; replay it with CONNECTION_MODEL_VISIBILITY, CONNECTION_MODEL_SEED, CONNECTION_MODEL_PATH
// and CONNECTION_MODEL_REPLAY. CONNECTION_MODEL_RUNS sets how many sequences (300 per policy).
import { Connection, ConnectionError, type VisibilityPolicy } from "@wirekit/core";
import {
  createPageLifecycleControls,
  createVirtualClock,
  type PageLifecycleControls,
  type VirtualClock,
} from "@wirekit/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ScriptedSession, scriptedTransport } from "./support/scriptedTransport.js";

const RUNS = Number(process.env["CONNECTION_MODEL_RUNS"] ?? 300);
const SEED = process.env["CONNECTION_MODEL_SEED"];
const PATH = process.env["CONNECTION_MODEL_PATH"];
const REPLAY = process.env["CONNECTION_MODEL_REPLAY"];
const POLICIES = (process.env["CONNECTION_MODEL_VISIBILITY"]?.split(",") ?? [
  "keep",
  "pause",
  "close",
]) as VisibilityPolicy[];

/** What the test knows that the connection does not tell: which sessions it may still use. */
interface Model {
  readonly visibility: VisibilityPolicy;
  /** `connect()` was called, and no `close()` or failure since. */
  started: boolean;
  online: boolean;
  visible: boolean;
  /**
   * The session of a `reconnect()` while the connection must wait: the "retry now" button tries
   * whatever the page says, and the connection waits again once that session ends.
   */
  forced: ScriptedSession | undefined;
}

interface Real {
  readonly connection: Connection;
  readonly clock: VirtualClock;
  readonly page: PageLifecycleControls;
  readonly transport: ReturnType<typeof scriptedTransport>;
  /** Sessions the server ended. */
  readonly dropped: Set<ScriptedSession>;
  readonly opened: Set<ScriptedSession>;
}

/** A session neither side has ended. */
function liveSessions(real: Real): ScriptedSession[] {
  return real.transport.sessions.filter(
    (session) => !session.closedByClient && !real.dropped.has(session),
  );
}

/**
 * Whether the connection must be waiting for the page: offline, or hidden under "close". (Under
 * "pause" a hidden page lets go after a grace period, which this does not follow.)
 */
function mustWait(model: Model): boolean {
  return !model.online || (model.visibility === "close" && !model.visible);
}

function checkInvariants(model: Model, real: Real): void {
  const { status, nextRetryAt, attempt } = real.connection.getSnapshot();
  const live = liveSessions(real);
  expect(live.length, "sessions in use").toBeLessThanOrEqual(1);
  if (status === "open") {
    expect(live, "an open connection's session").toHaveLength(1);
    expect(real.opened.has(live[0] as ScriptedSession), "its session opened").toBe(true);
  }
  if (status === "idle" || status === "closed" || status === "failed" || status === "paused") {
    expect(live, `sessions while ${status}`).toEqual([]);
  }
  if (nextRetryAt !== null) expect(status).toBe("reconnecting");
  expect(attempt).toBeGreaterThanOrEqual(0);
  if (!model.started) expect(["idle", "closed", "failed"]).toContain(status);
  // Nothing to wait for: it is not stuck waiting.
  else if (model.online && (model.visible || model.visibility === "keep")) {
    expect(status, "nothing to wait for").not.toBe("paused");
  } else if (mustWait(model) && !(model.forced !== undefined && live.includes(model.forced))) {
    expect(status, "waiting for the page").toBe("paused");
  }
}

/** One thing that happens, by name; after it, what must always hold is checked. */
class Step implements fc.Command<Model, Real> {
  constructor(
    readonly name: string,
    readonly act: (model: Model, real: Real) => void,
  ) {}
  check(_model: Readonly<Model>): boolean {
    return true;
  }
  run(model: Model, real: Real): void {
    this.act(model, real);
    // A connection that failed for good is at rest, as after close(); 1008 is fatal, and so is a
    // refusal with no auth hook.
    if (real.connection.getSnapshot().status === "failed") model.started = false;
    checkInvariants(model, real);
  }
  toString(): string {
    return this.name;
  }
}

/** What the app calls; after it, the connection is meant to run unless it was `close()`. */
const appCall = (method: "connect" | "close" | "reconnect") =>
  new Step(`${method}()`, (model, real) => {
    real.connection[method]();
    model.started = method !== "close";
    if (method === "reconnect" && mustWait(model)) model.forced = real.transport.sessions.at(-1);
  });

/** The server answers the attempt under way. */
const serverOpens = new Step("server opens", (_model, real) => {
  const [session] = liveSessions(real);
  if (session === undefined || real.opened.has(session)) return;
  real.opened.add(session);
  session.open();
});

/** The server or the network ends the session in use. */
const serverDrops = (closeCode: number) =>
  new Step(`server drops (${closeCode})`, (_model, real) => {
    const [session] = liveSessions(real);
    if (session === undefined) return;
    real.dropped.add(session);
    session.drop(new ConnectionError("closed", "", { closeCode }));
  });

/** The server's close frame arrived: writes throw until the close event. */
const serverClosing = new Step("server closing", (_model, real) => {
  liveSessions(real)[0]?.closing();
});

/** Something arrived: a message, a pong. */
const activity = new Step("activity", (_model, real) => {
  const [session] = liveSessions(real);
  if (session !== undefined && real.opened.has(session)) session.activity();
});

const send = new Step("send", (_model, real) => {
  real.connection.send("hello");
});

const advance = (milliseconds: number) =>
  new Step(`advance ${milliseconds} ms`, (model, real) => {
    const before = real.transport.sessions.length;
    real.clock.advance(milliseconds);
    // At rest, time alone opens nothing.
    if (!model.started) expect(real.transport.sessions).toHaveLength(before);
  });

/** The machine sleeps, and the wall clock jumps on waking. */
const sleep = new Step("sleep 30 min", (_model, real) => real.clock.sleep(30 * 60_000));

const page = (signal: "hide" | "show" | "offline" | "online") =>
  new Step(`page ${signal}`, (model, real) => {
    if (signal === "hide" || signal === "show") {
      model.visible = signal === "show";
      real.page[signal]();
    } else {
      model.online = signal === "online";
      real.page[signal === "online" ? "goOnline" : "goOffline"]();
    }
  });

const steps = [
  fc.constantFrom("connect", "close", "reconnect" as const).map(appCall),
  fc.constant(serverOpens),
  fc.constantFrom(1006, 1008, 4401).map(serverDrops),
  fc.constant(serverClosing),
  fc.constant(activity),
  fc.constant(send),
  fc.constantFrom(1, 999, 1000, 2000, 5000, 20_000, 60_000).map(advance),
  fc.constant(sleep),
  fc.constantFrom("hide", "show", "offline", "online" as const).map(page),
];

describe("Connection, model-based", () => {
  it.each(POLICIES)(
    "keeps one session at most, a status that matches it, and nothing open at rest (visibility %s)",
    (visibility: VisibilityPolicy) => {
      fc.assert(
        fc.property(
          fc.commands(steps, {
            maxCommands: 60,
            // Sequences as long as allowed: most need a few steps to reach an open connection.
            size: "max",
            ...(REPLAY === undefined ? {} : { replayPath: REPLAY }),
          }),
          (commands) => {
            const clock = createVirtualClock();
            const page = createPageLifecycleControls();
            const transport = scriptedTransport("websocket", { interval: 5000, deadline: 2000 });
            const connection = new Connection({
              transport,
              clock,
              lifecycle: page,
              visibility,
              retryDelay: () => 1000,
              hello: () => "hello",
            });
            const real: Real = {
              connection,
              clock,
              page,
              transport,
              dropped: new Set(),
              opened: new Set(),
            };
            const model: Model = {
              visibility,
              started: false,
              online: true,
              visible: true,
              forced: undefined,
            };
            fc.modelRun(() => ({ model, real }), commands);
            connection.close();
            expect(liveSessions(real)).toEqual([]);
          },
        ),
        {
          numRuns: RUNS,
          ...(SEED === undefined ? {} : { seed: Number(SEED) }),
          ...(PATH === undefined ? {} : { path: PATH }),
        },
      );
    },
  );
});
