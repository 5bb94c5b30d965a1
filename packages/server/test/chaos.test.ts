// Model-based chaos: random sequences of publishes, subscriptions, kill -9 and restarts of a
// real @wirekit/server process, dropped sockets, offline and hidden pages, reloads and floods,
// against real @wirekit/core clients. After every sequence: each channel delivered exactly once
// and in order to each subscriber, every publish settled once with a typed outcome, every acked
// publish stored once, nothing left behind. A failure prints its seed and path, and shrinks to a
// minimal sequence; replay it with CHAOS_SEED, CHAOS_PATH and CHAOS_REPLAY (its replayPath).
//
// `npm test` runs a few sequences (CHAOS_RUNS, default 20); `npm run chaos` runs a thousand.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chaosCommands, initialModel } from "./chaos/chaosCommands.js";
import { ChaosSystem } from "./chaos/chaosSystem.js";
import { launchServerProcess, type ServerProcess } from "./support/serverProcess.js";

const RUNS = Number(process.env["CHAOS_RUNS"] ?? 20);
const SEED = process.env["CHAOS_SEED"];
const PATH = process.env["CHAOS_PATH"];
// The replayPath fast-check prints with a counterexample: it picks the shrunk commands again.
const REPLAY = process.env["CHAOS_REPLAY"];
const MAX_COMMANDS = Number(process.env["CHAOS_COMMANDS"] ?? 30);

describe("chaos", () => {
  let directory: string;
  let server: ServerProcess;
  let run = 0;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), "wirekit-chaos-"));
    // One process for the whole file, with a journal that keeps everything: each sequence uses
    // channels of its own, and a kill -9 must lose nothing, so any gap is a bug.
    server = await launchServerProcess({
      journal: join(directory, "journal.jsonl"),
      historySize: 100_000,
    });
  });

  afterAll(async () => {
    await server?.kill();
    rmSync(directory, { recursive: true, force: true });
  });

  it(
    "delivers every message exactly once, in order, through kills, drops, reloads and floods",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.commands(chaosCommands, {
            maxCommands: MAX_COMMANDS,
            size: "max",
            ...(REPLAY === undefined ? {} : { replayPath: REPLAY }),
          }),
          async (commands) => {
            if (!server.running) await server.start();
            const system = new ChaosSystem(server, ++run);
            try {
              await fc.asyncModelRun(() => ({ model: initialModel(), real: system }), commands);
              await system.settle();
              expect(await system.violations()).toEqual([]);
            } finally {
              const leaks = await system.leaks();
              expect(leaks).toEqual([]);
            }
          },
        ),
        {
          numRuns: RUNS,
          ...(SEED === undefined ? {} : { seed: Number(SEED) }),
          ...(PATH === undefined ? {} : { path: PATH }),
          endOnFailure: false,
        },
      );
    },
    // The ceiling a slow machine needs, not a measure of speed: each run settles within 30 s.
    RUNS * 90_000,
  );
});
