import {
  FetchEventSource,
  type FetchEventSourceEventMap,
  type FetchEventSourceInit,
  type FetchEventSourceMessageEvent,
} from "@wirekit/core/event-source";
import { onTestFinished } from "vitest";

/** A source closed when the test ends. */
export function connect(url: string, init?: FetchEventSourceInit): FetchEventSource {
  const source = new FetchEventSource(url, init);
  onTestFinished(() => source.close());
  return source;
}

/** The next event of `type`. */
export function next<K extends keyof FetchEventSourceEventMap>(
  source: FetchEventSource,
  type: K,
): Promise<FetchEventSourceEventMap[K]>;
export function next(source: FetchEventSource, type: string): Promise<FetchEventSourceMessageEvent>;
export function next(source: FetchEventSource, type: string): Promise<unknown> {
  return new Promise((resolve) => source.addEventListener(type, resolve, { once: true }));
}

/** The reasons of every promise rejection nobody handled while the test runs. */
export function unhandledRejections(): unknown[] {
  const reasons: unknown[] = [];
  const record = (reason: unknown) => reasons.push(reason);
  process.on("unhandledRejection", record);
  onTestFinished(() => {
    process.off("unhandledRejection", record);
  });
  return reasons;
}

export const EVENT_STREAM = { "Content-Type": "text/event-stream" } as const;
