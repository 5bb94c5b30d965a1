// The benchmarks run servers, attackers and clients in processes of their own, so that one
// side's work never lands in the event loop that measures another. This is how they talk to
// them: a forked child over IPC, asked a question and answered with a message of a given type.

import { fork } from "node:child_process";
import { setTimeout as delay } from "node:timers/promises";

/**
 * @typedef {object} ForkedChild
 * @property {number} pid For what /proc says about it (bench/schedStat.js).
 * @property {(message: object | undefined, type: string) => Promise<any>} ask Sends `message`
 *   (none when undefined) and resolves with the child's first message of `type` after it;
 *   rejects if the child exits or does not answer within the timeout.
 * @property {() => Promise<void>} stop Disconnects the IPC channel, on which each child exits;
 *   resolves once it has (a caller that stops what the child uses, a redis-server, waits for it).
 */

/**
 * Forks `script`.
 * @param {string} script
 * @param {{ args?: string[], execArgv?: string[], timeout?: number }} [options] `execArgv`: Node
 *   flags besides this process's own; `timeout`: the milliseconds a child has to answer one
 *   question, 30 s unless given.
 * @returns {ForkedChild}
 */
export function startChild(script, options = {}) {
  const { args = [], execArgv = [], timeout = 30_000 } = options;
  // This process's own flags first, so `node --cpu-prof bench/….js` profiles the children too.
  const child = fork(script, args, {
    execArgv: [...process.execArgv, ...execArgv],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  /** @type {Promise<never>} */
  const exited = new Promise((_, reject) => {
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  exited.catch(() => {});
  /** @type {Promise<void>} */
  const gone = new Promise((resolve) => child.once("exit", () => resolve()));
  /**
   * @param {object | undefined} message
   * @param {string} type
   * @returns {Promise<any>}
   */
  const ask = (message, type) => {
    const reply = new Promise((resolve) => {
      /** @param {unknown} raw */
      const listener = (raw) => {
        if (/** @type {{ type: string }} */ (raw).type !== type) return;
        child.off("message", listener);
        resolve(raw);
      };
      child.on("message", listener);
    });
    if (message !== undefined) child.send(message);
    const abort = new AbortController();
    const expired = delay(timeout, undefined, { signal: abort.signal }).then(() => {
      throw new Error(`${script} did not answer ${type} within ${timeout} ms`);
    });
    return Promise.race([reply, exited, expired]).finally(() => abort.abort());
  };
  return {
    pid: child.pid ?? 0,
    ask,
    stop: () => {
      if (child.connected) child.disconnect();
      return gone;
    },
  };
}
