import { loadavg } from "node:os";
import type { Broker } from "@wirekit/server";

/** The dashboard's named events, one channel each. */
export const METRIC_CHANNELS = ["load", "memory", "requests", "events"] as const;
export type MetricChannel = (typeof METRIC_CHANNELS)[number];

/** What every metric event carries: when it was sampled, and the value. */
export interface MetricSample {
  readonly t: number;
  readonly value: number;
}

/** Ticks per second the dashboard may ask for. */
export const TICK_RATES = [1, 2, 5, 10, 20] as const;

export interface Metrics {
  /** Ticks per second: each tick publishes one event on every metric channel. */
  readonly rate: number;
  setRate(perSecond: number): void;
  /** The stream id of the newest metric event. */
  readonly lastSeq: number;
  /** Counts one HTTP request toward `requests`. */
  countRequest(): void;
  stop(): void;
}

export interface MetricsOptions {
  /**
   * Ticks per second to start with.
   * @default 2
   */
  initialRate?: number;
  /**
   * Asked on every tick: whether this process publishes it. Several demo processes on one broker
   * agree on one of them (see `cluster.ts`).
   * @default () => true
   */
  ticking?: () => boolean;
}

/**
 * Samples the process and publishes one event per metric channel per tick: the 1-minute load
 * average, the resident memory in MiB, HTTP requests per second, and the events per second this
 * stream itself carries. Real numbers, so the charts move when you load the server.
 */
export function startMetrics(broker: Broker, options: MetricsOptions = {}): Metrics {
  const { initialRate = 2, ticking = () => true } = options;
  let rate = initialRate;
  let timer: NodeJS.Timeout | undefined;
  let requests = 0;
  let requestsPerSecond = 0;
  let published = 0;
  let eventsPerSecond = 0;
  let lastSeq = 0;

  const second = setInterval(() => {
    requestsPerSecond = requests;
    eventsPerSecond = published;
    requests = 0;
    published = 0;
  }, 1000);

  const tick = () => {
    if (!ticking()) return;
    const t = Date.now();
    const values: Record<MetricChannel, number> = {
      load: round(loadavg()[0] ?? 0),
      memory: round(process.memoryUsage.rss() / 2 ** 20),
      requests: requestsPerSecond,
      events: eventsPerSecond,
    };
    for (const channel of METRIC_CHANNELS) {
      published++;
      // Publishes are sequenced by the broker; a failure (disk full) must not stop the ticker.
      broker
        .publish(channel, { t, value: values[channel] } satisfies MetricSample)
        .then(({ seq }) => {
          lastSeq = Math.max(lastSeq, seq);
        }, report);
    }
  };

  const start = () => {
    clearInterval(timer);
    timer = setInterval(tick, 1000 / rate);
  };
  start();

  return {
    get rate() {
      return rate;
    },
    get lastSeq() {
      return lastSeq;
    },
    setRate(perSecond) {
      rate = perSecond;
      start();
    },
    countRequest() {
      requests++;
    },
    stop() {
      clearInterval(timer);
      clearInterval(second);
    },
  };
}

const round = (value: number) => Math.round(value * 100) / 100;

function report(error: unknown) {
  console.error("demo: a metric was not published:", error);
}
