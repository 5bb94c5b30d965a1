// The chaos as fast-check commands: each checks against a small model whether it makes sense
// now (a publish needs a live server, an unsubscribe a subscription), then does it to the real
// system without waiting for its consequences — the interleavings are the point.
import fc from "fast-check";
import { CHANNELS, type ChaosSystem, CLIENTS } from "./chaosSystem.js";

/** What the commands need to know about the system to choose what makes sense. */
export interface ChaosModel {
  serverUp: boolean;
  readonly subscribed: Map<string, Set<string>>;
  readonly offline: Set<string>;
  readonly hidden: Set<string>;
}

/** Every client starts subscribed to every channel (see `ChaosSystem`). */
export function initialModel(): ChaosModel {
  return {
    serverUp: true,
    subscribed: new Map(CLIENTS.map(({ name }) => [name, new Set<string>(CHANNELS)])),
    offline: new Set(),
    hidden: new Set(),
  };
}

type Command = fc.AsyncCommand<ChaosModel, ChaosSystem>;

abstract class ChaosCommand implements Command {
  abstract check(model: Readonly<ChaosModel>): boolean;
  abstract run(model: ChaosModel, system: ChaosSystem): Promise<void>;
  abstract toString(): string;
}

class Subscribe extends ChaosCommand {
  constructor(
    readonly client: string,
    readonly channel: string,
  ) {
    super();
  }
  check = (model: Readonly<ChaosModel>) => !model.subscribed.get(this.client)?.has(this.channel);
  async run(model: ChaosModel, system: ChaosSystem) {
    model.subscribed.get(this.client)?.add(this.channel);
    system.client(this.client).subscribe(system.channel(this.channel));
  }
  toString = () => `subscribe(${this.client}, ${this.channel})`;
}

class Unsubscribe extends ChaosCommand {
  constructor(
    readonly client: string,
    readonly channel: string,
  ) {
    super();
  }
  check = (model: Readonly<ChaosModel>) =>
    model.subscribed.get(this.client)?.has(this.channel) === true;
  async run(model: ChaosModel, system: ChaosSystem) {
    model.subscribed.get(this.client)?.delete(this.channel);
    system.client(this.client).unsubscribe(system.channel(this.channel));
  }
  toString = () => `unsubscribe(${this.client}, ${this.channel})`;
}

class ServerPublish extends ChaosCommand {
  constructor(
    readonly channel: string,
    readonly count: number,
  ) {
    super();
  }
  check = (model: Readonly<ChaosModel>) => model.serverUp;
  async run(_model: ChaosModel, system: ChaosSystem) {
    const channel = system.channel(this.channel);
    await Promise.all(Array.from({ length: this.count }, () => system.serverPublish(channel)));
  }
  toString = () => `serverPublish(${this.channel}, ×${this.count})`;
}

class ClientPublish extends ChaosCommand {
  constructor(
    readonly client: string,
    readonly channel: string,
    readonly count: number,
  ) {
    super();
  }
  check = () => true;
  async run(_model: ChaosModel, system: ChaosSystem) {
    const client = system.client(this.client);
    for (let n = 0; n < this.count; n++) client.publish(system.channel(this.channel));
  }
  toString = () => `clientPublish(${this.client}, ${this.channel}, ×${this.count})`;
}

class KillServer extends ChaosCommand {
  check = (model: Readonly<ChaosModel>) => model.serverUp;
  async run(model: ChaosModel, system: ChaosSystem) {
    model.serverUp = false;
    await system.server.kill();
  }
  toString = () => "kill -9 the server";
}

class StartServer extends ChaosCommand {
  check = (model: Readonly<ChaosModel>) => !model.serverUp;
  async run(model: ChaosModel, system: ChaosSystem) {
    model.serverUp = true;
    await system.server.start();
  }
  toString = () => "start the server from its journal";
}

class DropSockets extends ChaosCommand {
  constructor(readonly client: string) {
    super();
  }
  check = (model: Readonly<ChaosModel>) => model.serverUp;
  async run(_model: ChaosModel, system: ChaosSystem) {
    await system.server.drop(system.client(this.client).name);
  }
  toString = () => `drop(${this.client})`;
}

class SetOnline extends ChaosCommand {
  constructor(
    readonly client: string,
    readonly online: boolean,
  ) {
    super();
  }
  check = (model: Readonly<ChaosModel>) => model.offline.has(this.client) === this.online;
  async run(model: ChaosModel, system: ChaosSystem) {
    if (this.online) model.offline.delete(this.client);
    else model.offline.add(this.client);
    system.client(this.client).setOnline(this.online);
  }
  toString = () => `${this.online ? "online" : "offline"}(${this.client})`;
}

class SetVisible extends ChaosCommand {
  constructor(
    readonly client: string,
    readonly visible: boolean,
  ) {
    super();
  }
  check = (model: Readonly<ChaosModel>) => model.hidden.has(this.client) === this.visible;
  async run(model: ChaosModel, system: ChaosSystem) {
    if (this.visible) model.hidden.delete(this.client);
    else model.hidden.add(this.client);
    system.client(this.client).setVisible(this.visible);
  }
  toString = () => `${this.visible ? "show" : "hide"}(${this.client})`;
}

class Reload extends ChaosCommand {
  constructor(readonly client: string) {
    super();
  }
  check = () => true;
  async run(_model: ChaosModel, system: ChaosSystem) {
    system.client(this.client).reload();
  }
  toString = () => `reload(${this.client})`;
}

class Flood extends ChaosCommand {
  constructor(readonly frames: number) {
    super();
  }
  check = (model: Readonly<ChaosModel>) => model.serverUp;
  async run(_model: ChaosModel, system: ChaosSystem) {
    system.flood(this.frames);
  }
  toString = () => `flood(${this.frames})`;
}

/** Waits until every client has caught up: the steady states between the storms. */
class Settle extends ChaosCommand {
  check = () => true;
  async run(model: ChaosModel, system: ChaosSystem) {
    await system.settle();
    model.serverUp = true;
    model.offline.clear();
    model.hidden.clear();
  }
  toString = () => "settle";
}

const client = fc.constantFrom(...CLIENTS.map(({ name }) => name));
const publisher = fc.constantFrom(
  ...CLIENTS.filter(({ kind }) => kind === "ws").map(({ name }) => name),
);
const channel = fc.constantFrom(...CHANNELS);

const burst = fc.integer({ min: 1, max: 20 });

/** Every command, weighted towards traffic: most of what happens is messages. */
export const chaosCommands: Array<fc.Arbitrary<Command>> = [
  fc.tuple(client, channel).map(([who, where]) => new Subscribe(who, where)),
  fc.tuple(client, channel).map(([who, where]) => new Unsubscribe(who, where)),
  fc.tuple(channel, burst).map(([where, count]) => new ServerPublish(where, count)),
  fc.tuple(channel, burst).map(([where, count]) => new ServerPublish(where, count)),
  fc.tuple(channel, burst).map(([where, count]) => new ServerPublish(where, count)),
  fc
    .tuple(publisher, channel, burst)
    .map(([who, where, count]) => new ClientPublish(who, where, count)),
  fc
    .tuple(publisher, channel, burst)
    .map(([who, where, count]) => new ClientPublish(who, where, count)),
  fc.constant(new KillServer()),
  fc.constant(new StartServer()),
  client.map((who) => new DropSockets(who)),
  fc.tuple(client, fc.boolean()).map(([who, online]) => new SetOnline(who, online)),
  fc.tuple(client, fc.boolean()).map(([who, online]) => new SetOnline(who, online)),
  fc.tuple(client, fc.boolean()).map(([who, visible]) => new SetVisible(who, visible)),
  client.map((who) => new Reload(who)),
  fc.integer({ min: 500, max: 5000 }).map((frames) => new Flood(frames)),
  fc.constant(new Settle()),
];
