import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "..", "..", "..", "..");
const READY = /ready at (http:\/\/localhost:(\d+))/;

export interface DemoProcess {
  readonly url: string;
  readonly port: number;
  /** Kills the whole process tree at once (SIGKILL): no goodbye to any client. */
  kill(): Promise<void>;
}

/**
 * Starts the demo the way the README says, `npm run demo`, with `PORT` (0 picks a free one) and
 * a data directory of its own, and resolves once it prints its URL. `built` skips the build
 * (`DEMO_BUILT=1`): a restart serves what the first start built.
 */
export async function startDemo(
  port: number,
  dataDir: string,
  { built = false }: { built?: boolean } = {},
): Promise<DemoProcess> {
  const child = spawn("npm", ["run", "demo"], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      DEMO_DATA_DIR: dataDir,
      ...(built ? { DEMO_BUILT: "1" } : {}),
    },
    // Its own process group, so npm, the shell and node die together.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const ready = new Promise<RegExpExecArray>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = READY.exec(output);
      if (match !== null) resolve(match);
    };
    child.stdout?.on("data", read);
    child.stderr?.on("data", read);
    child.once("exit", (code) => reject(new Error(`npm run demo exited with ${code}:\n${output}`)));
  });
  const match = await ready;
  return {
    url: match[1] as string,
    port: Number(match[2]),
    kill: () => killTree(child),
  };
}

async function killTree(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = once(child, "exit");
  process.kill(-child.pid, "SIGKILL");
  await exited;
}
