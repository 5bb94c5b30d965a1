// The reconnect storm: many clients dropped at the same instant (a server restart, a deploy)
// must not come back at the same instant. Simulated on a virtual clock with the real
// Connection and its default backoff; only the transport is a stand-in.

import { Connection, ConnectionError, exponentialBackoff } from "@wirekit/core";
import { createPageLifecycleControls, createVirtualClock, seededRandom } from "@wirekit/testing";

const WINDOW = 100;

/**
 * @typedef {object} StormResult
 * @property {number} clients
 * @property {number} downtime Milliseconds the server stayed down after the drop.
 * @property {number} worstShare Largest share of the successful reconnects in any 100 ms window (sliding).
 * @property {number} worstAttemptShare The same for every attempt, failed ones included.
 * @property {number} medianReconnect Milliseconds after the drop when half the clients were back.
 * @property {number} lastReconnect Milliseconds after the drop when the last client was back.
 */

/**
 * @param {{ clients: number, downtime: number, seed: number }} options
 * @returns {StormResult}
 */
export function reconnectStorm({ clients, downtime, seed }) {
  const clock = createVirtualClock();
  const page = createPageLifecycleControls();
  const random = seededRandom(seed);
  let serverUpAt = 0;
  /** @type {number[]} */
  const attempts = [];
  /** @type {number[]} */
  const reconnects = [];
  /** @type {Array<(error: ConnectionError) => void>} */
  const drops = [];
  let dropAt = Number.POSITIVE_INFINITY;

  /** @type {import("@wirekit/core").Transport} */
  const transport = {
    open(callbacks) {
      const at = clock.now();
      if (at >= dropAt) attempts.push(at - dropAt);
      clock.setTimeout(() => {
        if (clock.now() < serverUpAt) {
          callbacks.onClose(new ConnectionError("network", "connection refused"));
          return;
        }
        if (at >= dropAt) reconnects.push(at - dropAt);
        drops.push((error) => callbacks.onClose(error));
        callbacks.onOpen();
      }, 0);
      return { send() {}, close() {} };
    },
  };

  const connections = Array.from(
    { length: clients },
    () =>
      new Connection({
        transport,
        clock,
        lifecycle: page,
        retryDelay: exponentialBackoff({ random }),
      }),
  );
  for (const connection of connections) connection.connect();
  clock.advance(10_000);

  dropAt = clock.now();
  serverUpAt = dropAt + downtime;
  const open = drops.splice(0);
  for (const drop of open)
    drop(new ConnectionError("closed", "abnormal closure", { closeCode: 1006 }));
  clock.advance(2 * 60_000);
  for (const connection of connections) connection.close();

  if (reconnects.length !== clients) {
    throw new Error(`only ${reconnects.length} of ${clients} clients reconnected`);
  }
  return {
    clients,
    downtime,
    worstShare: worstWindow(reconnects) / clients,
    worstAttemptShare: worstWindow(attempts) / attempts.length,
    medianReconnect: [...reconnects].sort((a, b) => a - b)[clients >> 1] ?? Number.NaN,
    lastReconnect: Math.max(...reconnects),
  };
}

/**
 * The most events in any half-open window [t, t + 100 ms).
 * @param {number[]} times
 */
function worstWindow(times) {
  const sorted = [...times].sort((a, b) => a - b);
  let worst = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (/** @type {number} */ (sorted[start]) <= /** @type {number} */ (sorted[end]) - WINDOW)
      start++;
    worst = Math.max(worst, end - start + 1);
  }
  return worst;
}
