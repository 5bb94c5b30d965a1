// The round-robin TCP proxy of `npm run demo:cluster` (scripts/roundRobinProxy.js, plain
// JavaScript so the script runs on Node without a build), closed when the test ends.
import { onTestFinished } from "vitest";
import { startRoundRobinProxy } from "../../../../scripts/roundRobinProxy.js";

/** One address on 127.0.0.1 in front of `ports`: each new connection goes to the next live one. */
export async function startProxy(ports: readonly number[]): Promise<{ port: number }> {
  const proxy = await startRoundRobinProxy({ backends: ports.map((port) => ({ port })) });
  onTestFinished(() => proxy.close());
  return { port: proxy.port };
}
