// Debian's nginx for one test, in a fresh temporary directory: its pid, logs and temp files stay
// there, it listens on a free 127.0.0.1 port, and it is stopped and removed when the test ends.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onTestFinished, vi } from "vitest";

// Debian's package, which .ci/run installs; the test must not pass without it.
const NGINX = "/usr/sbin/nginx";
// Another process may take the free port between our look and nginx's bind: try a few.
const ATTEMPTS = 3;

export interface NginxServer {
  readonly port: number;
}

/** Starts nginx with `http(port)` as the body of its `http {}` block, listening on `port`. */
export async function startNginx(
  http: (port: number) => string | Promise<string>,
): Promise<NginxServer> {
  if (!existsSync(NGINX)) {
    throw new Error(`${NGINX} is missing: install Debian's nginx (apt-get install nginx).`);
  }
  const dir = await mkdtemp(join(tmpdir(), "wirekit-nginx-"));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const errorLog = join(dir, "error.log");
  let failure = "";
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = await freePort();
    await writeFile(join(dir, "nginx.conf"), mainConfig(dir, await http(port)));
    const child = spawn(
      NGINX,
      ["-p", dir, "-c", join(dir, "nginx.conf"), "-e", errorLog, "-g", "daemon off;"],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    onTestFinished(() => stop(child));
    if (await listening(child, port)) return { port };
    const log = await readFile(errorLog, "utf8").catch(() => "");
    failure = `${stderr}${log}`;
    if (!/Address already in use/.test(failure)) break;
  }
  throw new Error(`nginx did not start:\n${failure}`);
}

function mainConfig(dir: string, http: string): string {
  // One process and every path inside the directory: no root, no system files touched.
  return `master_process off;
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "error.log")} warn;
events {
  worker_connections 256;
}
http {
  access_log off;
  client_body_temp_path ${join(dir, "client_body")};
  proxy_temp_path ${join(dir, "proxy")};
  fastcgi_temp_path ${join(dir, "fastcgi")};
  uwsgi_temp_path ${join(dir, "uwsgi")};
  scgi_temp_path ${join(dir, "scgi")};
${http}
}
`;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Whether nginx accepts connections on `port` before it exits or the ceiling passes. */
async function listening(child: ChildProcess, port: number): Promise<boolean> {
  try {
    await vi.waitFor(
      async () => {
        if (child.exitCode !== null) return;
        await new Promise<void>((resolve, reject) => {
          const socket = createConnection({ port, host: "127.0.0.1" }, () => {
            socket.destroy();
            resolve();
          });
          socket.once("error", reject);
        });
      },
      { interval: 20 },
    );
  } catch {
    return false;
  }
  return child.exitCode === null;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  // SIGTERM is nginx's fast shutdown; with master_process off there is no worker to orphan.
  child.kill("SIGTERM");
  await exited;
}
