// `npm run demo:cluster`: the demo as it runs scaled out. A local redis-server (a temporary
// directory, no persistence), three demo instances on it, and a round-robin proxy on the demo's
// port (PORT, 5173 when unset) standing in for the load balancer. Kill an instance and watch the
// pages carry on: their connections move to the others and resume there.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildDemo } from "./buildDemo.js";
import { startRoundRobinProxy } from "./roundRobinProxy.js";

const INSTANCES = 3;
const READY = /ready at http:\/\/localhost:(\d+)/;
const port = process.env["PORT"] === undefined ? 5173 : Number(process.env["PORT"]);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`demo:cluster: PORT must be a port number, got "${process.env["PORT"]}".`);
  process.exit(1);
}

/** @type {Array<import("node:child_process").ChildProcess>} */
const children = [];
const dir = await mkdtemp(join(tmpdir(), "wirekit-demo-cluster-"));
let stopping = false;
const stop = async () => {
  stopping = true;
  const running = children.filter((child) => child.exitCode === null && child.signalCode === null);
  for (const child of running) child.kill("SIGTERM");
  await Promise.all(running.map((child) => once(child, "exit")));
  await rm(dir, { recursive: true, force: true });
};
/** @param {string} message */
const fail = async (message) => {
  console.error(`demo:cluster: ${message}`);
  await stop();
  process.exit(1);
};

/**
 * Starts a child and resolves with it and the first match of `ready` in what it prints.
 * @param {string} name
 * @param {string} command
 * @param {string[]} args
 * @param {RegExp} ready
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {Promise<{ child: import("node:child_process").ChildProcess, match: RegExpExecArray }>}
 */
const launch = (name, command, args, ready, env = process.env) =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    let output = "";
    /** @param {Buffer} chunk */
    const read = (chunk) => {
      output += chunk.toString();
      const match = ready.exec(output);
      if (match !== null) {
        output = "";
        resolve({ child, match });
      }
    };
    child.stdout?.on("data", read);
    child.stderr?.on("data", (chunk) => process.stderr.write(`[${name}] ${chunk}`));
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      reject(new Error(`${name} exited (${signal ?? code}) before it was ready:\n${output}`));
      if (!stopping)
        console.log(`demo:cluster: ${name} (pid ${child.pid}) exited (${signal ?? code})`);
    });
  });

async function freePort() {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port: free } = /** @type {import("node:net").AddressInfo} */ (server.address());
  await new Promise((resolve) => server.close(resolve));
  return free;
}

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    stop().finally(() => process.exit(0));
  });
}

try {
  console.log("demo:cluster: building the app and the server…");
  await buildDemo();

  const redisPort = await freePort();
  await launch(
    "redis-server",
    "redis-server",
    [
      ...["--bind", "127.0.0.1", "--port", String(redisPort), "--dir", dir],
      ...["--save", "", "--appendonly", "no"],
    ],
    /Ready to accept connections/,
  );
  const redisUrl = `redis://127.0.0.1:${redisPort}`;

  const origins = [`http://localhost:${port}`, `http://127.0.0.1:${port}`];
  const instances = await Promise.all(
    Array.from({ length: INSTANCES }, async (_, i) => {
      const { child, match } = await launch(
        `instance ${i + 1}`,
        process.execPath,
        [join(import.meta.dirname, "demo.js")],
        READY,
        {
          ...process.env,
          PORT: "0",
          REDIS_URL: redisUrl,
          DEMO_BUILT: "1",
          DEMO_ORIGINS: origins.join(","),
        },
      );
      return { pid: child.pid, port: Number(match[1]) };
    }),
  );
  // The instances listen on localhost, which may be ::1 or 127.0.0.1: Node tries both.
  const proxy = await startRoundRobinProxy({
    backends: instances.map((instance) => ({ host: "localhost", port: instance.port })),
    port,
  });
  const url = `http://localhost:${proxy.port}`;
  console.log(`demo:cluster: ${INSTANCES} instances on ${redisUrl}, one address for them all:`);
  for (const [i, instance] of instances.entries()) {
    console.log(`  instance ${i + 1}: pid ${instance.pid}, port ${instance.port}`);
  }
  console.log(`demo:cluster: ready at ${url}  (dashboard: ${url}/dashboard, chat: ${url}/chat)`);
  console.log(
    `demo:cluster: kill one (kill -9 ${instances[0]?.pid}) and watch both pages carry on; Ctrl+C stops all.`,
  );
} catch (error) {
  await fail(error instanceof Error ? error.message : String(error));
}
