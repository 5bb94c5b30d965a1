// How the benchmarks tell a slow server from a busy machine: this is a shared 2-core VM, and
// other people's work takes cores away at any moment. Read from /proc, from outside the process
// measured, so that one too busy to answer a message is still measured at the moment asked.

import { readdirSync, readFileSync } from "node:fs";

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
 * Microseconds of CPU a process has used so far, every thread of it, user plus system: the sum
 * of its threads' time on a core (`/proc/<pid>/task/<tid>/schedstat`, in nanoseconds, where
 * /proc/<pid>/stat counts in 10 ms ticks).
 * @param {number} pid
 * @returns {number}
 */
export function processCpu(pid) {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ", 1)[0]);
    } catch {
      // A thread that ended since the directory was read.
    }
  }
  return total / 1000;
}

/**
 * Bytes of a process's resident set now (`/proc/<pid>/status`).
 * @param {number} pid
 * @returns {number}
 */
export function residentBytes(pid) {
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return Number(kib ?? 0) * 1024;
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
