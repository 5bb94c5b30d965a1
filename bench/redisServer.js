// A real redis-server (Debian's package, which .ci/run installs) for one benchmark run: on a unix
// socket in a fresh temporary directory, without TCP and without persistence, killed and removed
// by `stop` or when this process exits. The same setup as the Redis broker's tests
// (packages/server/test/support), in JavaScript so that the benchmarks run on the built packages
// without a TypeScript loader.

import { spawn } from "node:child_process";
import { once } from "node:events";
import { rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "redis";

const READY_WITHIN = 10_000;

/**
 * @typedef {object} RedisServer
 * @property {string} path The unix socket it listens on.
 * @property {number} pid
 * @property {string} version The redis-server version (`INFO server`).
 * @property {() => Promise<void>} stop Kills it and removes its directory.
 */

/** @returns {Promise<RedisServer>} */
export async function startRedisServer() {
  const dir = await mkdtemp(join(tmpdir(), "wirekit-bench-redis-"));
  const path = join(dir, "redis.sock");
  const child = spawn(
    "redis-server",
    [
      ...["--port", "0", "--unixsocket", path, "--unixsocketperm", "700"],
      ...["--save", "", "--appendonly", "no", "--dir", dir],
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  const exited = once(child, "exit");
  // A harness that exits before stopping it (an error, Ctrl-C) leaves no server or directory.
  const onExit = () => {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", onExit);
  const stop = async () => {
    process.off("exit", onExit);
    admin.destroy();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  // The admin connection retries quickly while the server starts; its being ready is the signal.
  const admin = createClient({ socket: { path, tls: false, reconnectStrategy: 20 } });
  admin.on("error", () => {});
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  const failed = new Promise((_, reject) => {
    exited.then(([code]) => reject(new Error(`redis-server exited with ${code}`)));
    timer = setTimeout(
      () => reject(new Error(`redis-server was not ready within ${READY_WITHIN} ms`)),
      READY_WITHIN,
    );
  });
  try {
    await Promise.race([admin.connect(), failed]);
  } catch (error) {
    await stop();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  const text = String(await admin.sendCommand(["INFO", "server"]));
  const version = /^redis_version:(.*)$/m.exec(text)?.[1]?.trim();
  if (version === undefined) throw new Error("INFO server has no redis_version");
  return {
    path,
    pid: child.pid ?? 0,
    version,
    stop,
  };
}
