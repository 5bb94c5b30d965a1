import type { Clock, PresenceMember } from "@wirekit/core";
import type { FakeServerSocket } from "./fakeServerSocket.js";

/** Presence as the fake channel server keeps it (PROTOCOL.md section 11), in memory. */
export interface FakePresence {
  enter(socket: FakeServerSocket, channel: string, data: unknown, key: string | undefined): void;
  leave(socket: FakeServerSocket, channel: string): void;
  /** The socket closed: its members leave after the grace, unless entered again meanwhile. */
  closed(socket: FakeServerSocket): void;
  /** A member no socket holds (a bot), entered or changed from the server side. */
  put(channel: string, member: PresenceMember): void;
  /** Removes a member, whoever holds it. */
  remove(channel: string, id: string): void;
  members(channel: string): readonly PresenceMember[];
}

interface Held {
  member: PresenceMember;
  /** The socket that entered it last: only its end starts the grace. None for a bot. */
  socket: FakeServerSocket | undefined;
  cancelGrace: (() => void) | undefined;
}

/**
 * Members per channel, a `presence` answer to the first enter and `presence-diff`s to every
 * socket present after that, and a leave held back for `grace` milliseconds on `clock`. Ids
 * come from the client's key as they are (the reference server hashes them with the user; a
 * fake has no users).
 */
export function createFakePresence(
  send: (socket: FakeServerSocket, frame: object) => void,
  clock: Clock,
  grace: number,
): FakePresence {
  const channels = new Map<string, Map<string, Held>>();
  // Who hears each channel: sockets present in it, with their member's id.
  const listeners = new Map<string, Map<FakeServerSocket, string>>();
  const anonymous = new WeakMap<FakeServerSocket, string>();
  let nextAnonymous = 1;

  const tell = (channel: string, diff: { join?: PresenceMember[]; leave?: string[] }) => {
    const frame = { type: "presence-diff", channel, join: [], leave: [], ...diff };
    for (const socket of listeners.get(channel)?.keys() ?? []) send(socket, frame);
  };
  const remove = (channel: string, id: string) => {
    const members = channels.get(channel);
    const held = members?.get(id);
    held?.cancelGrace?.();
    if (members?.delete(id)) tell(channel, { leave: [id] });
  };
  const membersOf = (channel: string) => {
    let members = channels.get(channel);
    if (members === undefined) {
      members = new Map();
      channels.set(channel, members);
    }
    return members;
  };
  /** Stores `member`, held by `socket`; true when others must hear it. */
  const store = (channel: string, member: PresenceMember, socket: FakeServerSocket | undefined) => {
    const members = membersOf(channel);
    const before = members.get(member.id);
    before?.cancelGrace?.();
    members.set(member.id, { member, socket, cancelGrace: undefined });
    return JSON.stringify(before?.member.data) !== JSON.stringify(member.data);
  };

  const members = (channel: string) =>
    [...(channels.get(channel)?.values() ?? [])].map((held) => held.member);

  return {
    enter(socket, channel, data, key) {
      let id = key === undefined ? anonymous.get(socket) : `key:${key}`;
      if (id === undefined) {
        id = `anonymous:${nextAnonymous++}`;
        anonymous.set(socket, id);
      }
      let hearing = listeners.get(channel);
      if (hearing === undefined) {
        hearing = new Map();
        listeners.set(channel, hearing);
      }
      const member = { id, data: data ?? null };
      const first = !hearing.has(socket);
      if (store(channel, member, socket)) tell(channel, { join: [member] });
      hearing.set(socket, id);
      if (first) send(socket, { type: "presence", channel, members: members(channel), self: id });
    },

    leave(socket, channel) {
      const id = listeners.get(channel)?.get(socket);
      if (id === undefined) return;
      listeners.get(channel)?.delete(socket);
      if (channels.get(channel)?.get(id)?.socket === socket) remove(channel, id);
    },

    closed(socket) {
      for (const [channel, hearing] of listeners) {
        const id = hearing.get(socket);
        if (id === undefined) continue;
        hearing.delete(socket);
        const held = channels.get(channel)?.get(id);
        if (held?.socket !== socket) continue;
        if (grace === 0) remove(channel, id);
        else {
          const timer = clock.setTimeout(() => remove(channel, id), grace);
          held.cancelGrace = () => clock.clearTimeout(timer);
        }
      }
    },

    put(channel, member) {
      if (store(channel, member, undefined)) tell(channel, { join: [member] });
    },

    remove,
    members,
  };
}
