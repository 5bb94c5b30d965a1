// Real loopback servers on port 0, closed with their connections when the test ends.
import { createServer, get, type IncomingMessage, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type Broker,
  createEventStreamHandler,
  createMemoryBroker,
  type EventStreamHandlerOptions,
} from "@wirekit/server";
import { onTestFinished, vi } from "vitest";

export async function listen(handler: RequestListener): Promise<{ origin: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}` };
}

/** `createEventStreamHandler` on its own server; its streams are at `url`. */
export async function startStream<User = unknown>(
  options: Partial<EventStreamHandlerOptions<User>> & { broker?: Broker } = {},
) {
  const broker = options.broker ?? createMemoryBroker({ epoch: 0 });
  const handler = createEventStreamHandler({ ...options, broker });
  onTestFinished(() => handler.close());
  const { origin } = await listen(handler);
  return { broker, handler, origin, url: `${origin}/stream` };
}

/** A raw GET whose body is collected as text; `response.pause()` makes it a slow reader. */
export async function openStream(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ response: IncomingMessage; text: () => string; ended: Promise<void> }> {
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const request = get(url, { headers }, resolve);
    request.on("error", reject);
    onTestFinished(() => {
      request.destroy();
    });
  });
  let text = "";
  response.setEncoding("utf8");
  response.on("data", (chunk: string) => {
    text += chunk;
  });
  const ended = new Promise<void>((resolve) => {
    response.on("end", () => resolve());
    response.on("close", () => resolve());
  });
  return { response, text: () => text, ended };
}

/** Waits until `read()` contains `needle`. */
export function untilContains(read: () => string, needle: string): Promise<void> {
  return vi.waitFor(() => {
    if (!read().includes(needle)) throw new Error(`still waiting for ${JSON.stringify(needle)}`);
  });
}
