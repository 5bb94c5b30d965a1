// A real redis-server for one test file: on a unix socket in a fresh temporary directory, without
// TCP and without persistence, killed and removed by `stop`. Nothing is shared between files.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "redis";
import { PATIENCE } from "../../../../test/patience.js";

function connect(path: string) {
  // Retrying quickly while the server starts is the connection's own business; the test waits
  // on the connection being ready, never on a sleep.
  return createClient({ socket: { path, tls: false, reconnectStrategy: 20 } });
}

export interface RedisServer {
  /** The unix socket it listens on; it stays the same across `restart`. */
  readonly path: string;
  /** A connection for the test's own commands (`FLUSHALL`, `CLIENT KILL`…). */
  readonly admin: ReturnType<typeof connect>;
  /** Kills it (a crash: nothing is kept) and starts a new one on the same socket. */
  restart(): Promise<void>;
  /** Kills it and removes its directory. */
  stop(): Promise<void>;
}

// Debian's package, which .ci/run installs.
const REDIS_SERVER = "redis-server";

export async function startRedisServer(): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), "wirekit-redis-"));
  const path = join(dir, "redis.sock");
  let child = await launch(dir, path);
  const admin = connect(path);
  admin.on("error", () => {});
  await ready(child, admin.connect());

  return {
    path,
    admin,
    async restart() {
      await kill(child);
      const back = new Promise<void>((resolve) => admin.once("ready", () => resolve()));
      child = await launch(dir, path);
      await ready(child, back);
    },
    async stop() {
      admin.destroy();
      await kill(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function launch(dir: string, path: string): Promise<ChildProcess> {
  const child = spawn(
    REDIS_SERVER,
    [
      "--port",
      "0",
      "--unixsocket",
      path,
      "--unixsocketperm",
      "700",
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      dir,
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  await once(child, "spawn");
  return child;
}

/** Resolves when `connected` does; rejects if the server exits first or takes too long. */
async function ready(child: ChildProcess, connected: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const failed = new Promise<never>((_, reject) => {
    child.once("exit", (code) => reject(new Error(`redis-server exited with ${code}`)));
    timer = setTimeout(
      () => reject(new Error(`redis-server was not ready within ${PATIENCE} ms`)),
      PATIENCE,
    );
  });
  try {
    await Promise.race([connected, failed]);
  } finally {
    clearTimeout(timer);
  }
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGKILL");
  await exited;
}
