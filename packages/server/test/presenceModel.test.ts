// Model-based: random sequences of enters, data changes, leaves, dropped connections,
// reconnects and time passing, for a few participants of one channel, against the server's
// per-connection presence (channelPresence.ts) on the memory store, on a virtual clock. After
// every command a watching participant's view — built only from the frames it received — must
// equal the model's members, and it must have heard exactly the joins and leaves the model
// expects: a reconnect within the grace is neither a leave nor a join.
//
// A failure prints its seed and path and shrinks; replay it with
// PRESENCE_SEED=… PRESENCE_PATH=… npx vitest run packages/server/test/presenceModel.test.ts

import { createMemoryPresence, type PresenceMember, type PresenceStore } from "@wirekit/server";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type ChannelPresence, createChannelPresence } from "../src/channelPresence.js";
import type { PresenceChange } from "../src/presenceStore.js";

const RUNS = Number(process.env["PRESENCE_RUNS"] ?? 200);
const SEED = process.env["PRESENCE_SEED"];
const PATH = process.env["PRESENCE_PATH"];
const GRACE = 5000;
const CHANNEL = "room";
const PARTICIPANTS = ["ada", "bob", "cy"] as const;
type Name = (typeof PARTICIPANTS)[number];

interface ParticipantModel {
  /** Has an open connection. */
  connected: boolean;
  /** That connection entered the channel and did not leave. */
  entered: boolean;
  /** Listed by the server: entered and connected, or dropped less than the grace ago. */
  listed: boolean;
  data: number;
  /** When the dropped connection's grace ends, while it runs. */
  graceEndsAt: number | undefined;
}

interface Model {
  now: number;
  readonly participants: Record<Name, ParticipantModel>;
  /** What the watcher must have heard so far, per member id: joins and leaves. */
  joins: number;
  leaves: number;
}

/** The system under test: one store, a connection per participant at a time, and a watcher. */
class Real {
  readonly store: PresenceStore = createMemoryPresence();
  readonly connections = new Map<Name, ChannelPresence>();
  readonly view = new Map<string, PresenceMember>();
  readonly heard = { joins: 0, leaves: 0, snapshots: 0 };
  readonly errors: unknown[] = [];
  #holders = 0;

  constructor() {
    const watcher = this.connect(
      (frame) => {
        if (frame.type !== "presence") return;
        this.heard.snapshots += 1;
        this.view.clear();
        for (const member of frame.members) this.view.set(member.id, member);
      },
      (change) => {
        if (change.type === "join") {
          this.heard.joins += 1;
          this.view.set(change.member.id, change.member);
        } else {
          this.heard.leaves += 1;
          this.view.delete(change.id);
        }
      },
    );
    watcher.enter(CHANNEL, "watching", "watcher");
  }

  connect(
    onFrame: (frame: { type: string; members: PresenceMember[] }) => void = () => {},
    onChange: (change: PresenceChange) => void = () => {},
  ): ChannelPresence {
    return createChannelPresence({
      store: this.store,
      grace: GRACE,
      maxDataSize: 1024,
      maxChannels: 10,
      holder: `h${++this.#holders}`,
      user: () => undefined,
      mayEnter: undefined,
      send: (frame) => {
        if (frame.type === "error") this.errors.push(frame);
        else onFrame(frame as { type: string; members: PresenceMember[] });
      },
      // The diff frame is the change itself here: what a socket would carry, before encoding.
      write: (frame) => onChange(JSON.parse(frame.toString()) as PresenceChange),
      diffFrame: (change) => Buffer.from(JSON.stringify(change)),
    });
  }

  /** Who the watcher sees, itself left out, as `name=data`. */
  members(): string[] {
    return [...this.view.values()]
      .filter((member) => member.data !== "watching")
      .map(
        (member) =>
          `${String((member.data as { name: string }).name)}=${(member.data as { n: number }).n}`,
      )
      .sort();
  }
}

type Command = fc.AsyncCommand<Model, Real>;

const listedAfter = (participant: ParticipantModel, now: number) =>
  participant.entered && (participant.connected || (participant.graceEndsAt ?? 0) > now);

/** Brings the model's `listed` up to date, counting the leaves of graces that ran out. */
function expire(model: Model) {
  for (const participant of Object.values(model.participants)) {
    if (participant.listed && !listedAfter(participant, model.now)) {
      participant.listed = false;
      participant.entered = false;
      participant.graceEndsAt = undefined;
      model.leaves += 1;
    }
  }
}

async function settle() {
  // Stores resolve in microtasks and timers fire on the virtual clock: let both run.
  await vi.advanceTimersByTimeAsync(0);
}

async function check(model: Model, real: Real) {
  await settle();
  const expected = PARTICIPANTS.filter((name) => model.participants[name].listed)
    .map((name) => `${name}=${model.participants[name].data}`)
    .sort();
  expect(real.members()).toEqual(expected);
  expect({ joins: real.heard.joins, leaves: real.heard.leaves }).toEqual({
    joins: model.joins,
    leaves: model.leaves,
  });
  expect(real.heard.snapshots).toBe(1);
  expect(real.errors).toEqual([]);
}

class Enter implements Command {
  constructor(
    readonly name: Name,
    readonly data: number,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const participant = model.participants[this.name];
    let connection = real.connections.get(this.name);
    if (connection === undefined) {
      connection = real.connect();
      real.connections.set(this.name, connection);
      participant.connected = true;
    }
    connection.enter(CHANNEL, { name: this.name, n: this.data }, this.name);
    // Absent before, or listed with other data: everyone hears a join.
    if (!participant.listed || participant.data !== this.data) model.joins += 1;
    participant.entered = true;
    participant.listed = true;
    participant.graceEndsAt = undefined;
    participant.data = this.data;
    await check(model, real);
  }
  toString = () => `enter(${this.name}, ${this.data})`;
}

class Leave implements Command {
  constructor(readonly name: Name) {}
  check = (model: Readonly<Model>) => model.participants[this.name].connected;
  async run(model: Model, real: Real) {
    real.connections.get(this.name)?.leave(CHANNEL);
    const participant = model.participants[this.name];
    // Only the member this connection holds leaves; one still in a grace is not held by it.
    if (participant.entered && participant.graceEndsAt === undefined) {
      participant.entered = false;
      participant.listed = false;
      model.leaves += 1;
    }
    await check(model, real);
  }
  toString = () => `leave(${this.name})`;
}

class Drop implements Command {
  constructor(readonly name: Name) {}
  check = (model: Readonly<Model>) => model.participants[this.name].connected;
  async run(model: Model, real: Real) {
    real.connections.get(this.name)?.close();
    real.connections.delete(this.name);
    const participant = model.participants[this.name];
    participant.connected = false;
    if (participant.entered && participant.graceEndsAt === undefined) {
      participant.graceEndsAt = model.now + GRACE;
    }
    await check(model, real);
  }
  toString = () => `drop(${this.name})`;
}

class Wait implements Command {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(model: Model, real: Real) {
    await vi.advanceTimersByTimeAsync(this.ms);
    model.now += this.ms;
    expire(model);
    await check(model, real);
  }
  toString = () => `wait(${this.ms})`;
}

const name = fc.constantFrom(...PARTICIPANTS);
const commands = [
  fc.tuple(name, fc.integer({ min: 1, max: 3 })).map(([who, n]) => new Enter(who, n)),
  name.map((who) => new Leave(who)),
  name.map((who) => new Drop(who)),
  // Around the grace's edge on both sides, and well within it.
  fc.constantFrom(1, GRACE - 1, GRACE, GRACE + 1, 2 * GRACE).map((ms) => new Wait(ms)),
  fc.integer({ min: 0, max: 2 * GRACE }).map((ms) => new Wait(ms)),
];

function initialModel(): Model {
  const participant = (): ParticipantModel => ({
    connected: false,
    entered: false,
    listed: false,
    data: 0,
    graceEndsAt: undefined,
  });
  return {
    now: 0,
    participants: { ada: participant(), bob: participant(), cy: participant() },
    joins: 0,
    leaves: 0,
  };
}

describe("presence on the server, against a model", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("lists exactly who is connected or within the grace, and is heard joining and leaving only when that changes", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.commands(commands, { maxCommands: 40, size: "max" }),
        async (sequence) => {
          const real = new Real();
          await settle();
          await fc.asyncModelRun(() => ({ model: initialModel(), real }), sequence);
          for (const connection of real.connections.values()) connection.close();
        },
      ),
      {
        numRuns: RUNS,
        ...(SEED === undefined ? {} : { seed: Number(SEED) }),
        ...(PATH === undefined ? {} : { path: PATH }),
        endOnFailure: false,
      },
    );
  }, 120_000);
});
