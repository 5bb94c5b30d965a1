// How the benchmarks tell a slow server from a busy machine: this is a shared 2-core VM, and
// other people's work takes cores away at any moment.

import { readFileSync } from "node:fs";

// Linux reports /proc/stat in USER_HZ, 100 a second on every architecture Node runs on.
const TICKS_PER_SECOND = 100;

/**
 * A thread's time on a core, and its time ready to run but waiting for one (its run queue
 * delay), in microseconds so far: `/proc/<pid>/schedstat`, whose pid is a process's main
 * thread, the one that runs its JavaScript (or redis-server's commands).
 * @param {number | "self"} [pid]
 * @returns {{ ran: number, waited: number }}
 */
export function scheduling(pid = "self") {
  const [ran = 0, waited = 0] = readFileSync(`/proc/${pid}/schedstat`, "utf8")
    .trim()
    .split(/\s+/)
    .map(Number);
  return { ran: ran / 1000, waited: waited / 1000 };
}

/**
 * Microseconds of CPU time the whole machine has spent busy so far, every core and process
 * together (`/proc/stat`).
 * @returns {number}
 */
export function machineBusy() {
  const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "";
  const [, user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line
    .trim()
    .split(/\s+/)
    .map(Number);
  return ((user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND) * 1e6;
}
