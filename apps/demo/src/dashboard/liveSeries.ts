/** A sliding window of (time, value) points that a chart reads without React rendering. */
export interface LiveSeries {
  /** Seconds since the epoch, then values: the column layout uPlot draws from. */
  readonly data: [number[], number[]];
  push(time: number, value: number): void;
  /** Calls `listener` at most once per animation frame after new points arrive. */
  subscribe(listener: () => void): () => void;
}

export function createLiveSeries(windowSeconds: number): LiveSeries {
  const times: number[] = [];
  const values: number[] = [];
  const listeners = new Set<() => void>();
  let frame: number | undefined;
  return {
    data: [times, values],
    push(time, value) {
      times.push(time);
      values.push(value);
      const oldest = time - windowSeconds;
      let drop = 0;
      while (drop < times.length && (times[drop] ?? 0) < oldest) drop++;
      if (drop > 0) {
        times.splice(0, drop);
        values.splice(0, drop);
      }
      if (frame === undefined) {
        frame = requestAnimationFrame(() => {
          frame = undefined;
          for (const listener of listeners) listener();
        });
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
