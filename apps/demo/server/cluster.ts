import { randomUUID } from "node:crypto";
import type { Broker } from "@wirekit/server";

/** What the demo's instances say to each other, on a channel no page may subscribe to. */
const CLUSTER_CHANNEL = "cluster:instances";

export interface ClusterOptions {
  /**
   * Milliseconds between this instance's "still here" notes.
   * @default 1000
   */
  beat?: number;
  /**
   * Milliseconds after its last note that an instance counts as gone, and that a newcomer
   * listens before it may lead.
   * @default 3000
   */
  lease?: number;
  /** Called with the metric rate a visitor picked on any instance. */
  onRate: (perSecond: number) => void;
}

export interface Cluster {
  /**
   * Whether this instance ticks the dashboard's metrics: the oldest instance heard from within
   * the lease does, so the dashboard gets one series at the rate picked, and the next oldest
   * takes over when it dies.
   */
  readonly leading: boolean;
  /** Tells every instance (this one too) the metric rate a visitor picked. */
  shareRate(perSecond: number): Promise<void>;
  leave(): void;
}

interface Note {
  readonly from?: unknown;
  readonly rate?: unknown;
}

/**
 * Several demo processes on one Redis: each would otherwise tick the metrics on its own, three
 * interleaved series at three times the rate. They agree on one ticker over the broker they
 * already share, with nothing but messages: a note every `beat` from each, the oldest one alive
 * leads.
 */
export function joinCluster(broker: Broker, options: ClusterOptions): Cluster {
  const { beat = 1000, lease = 3000, onRate } = options;
  const joinedAt = Date.now();
  // Sorted by start time first (base 36 keeps one width for centuries), so the oldest leads and
  // a newcomer never takes over from a live leader.
  const id = `${joinedAt.toString(36)}-${randomUUID()}`;
  const heardFrom = new Map<string, number>();

  const stop = broker.subscribe(CLUSTER_CHANNEL, (message) => {
    const note = (message.data ?? {}) as Note;
    if (typeof note.from === "string") heardFrom.set(note.from, Date.now());
    if (typeof note.rate === "number") onRate(note.rate);
  });
  const announce = () => {
    broker.publish(CLUSTER_CHANNEL, { from: id }).catch((error: unknown) => {
      console.error("demo: the cluster note was not published:", error);
    });
  };
  announce();
  const timer = setInterval(announce, beat);

  return {
    get leading() {
      const now = Date.now();
      // A newcomer first hears who is there, so two never tick at once.
      if (now - joinedAt < lease) return false;
      for (const [other, at] of heardFrom) if (now - at > lease) heardFrom.delete(other);
      return [...heardFrom.keys(), id].sort()[0] === id;
    },
    async shareRate(perSecond) {
      await broker.publish(CLUSTER_CHANNEL, { rate: perSecond });
    },
    leave() {
      clearInterval(timer);
      stop();
    },
  };
}
