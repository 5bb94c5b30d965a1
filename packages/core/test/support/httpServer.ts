import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { onTestFinished } from "vitest";

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage["headers"];
  readonly body: string;
}

export interface TestServer {
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  /** Every request so far, in arrival order, with its body read. */
  readonly requests: RecordedRequest[];
  url(path: string): string;
  /**
   * Completes one request/response with the server (not recorded, not seen by the handler): by
   * the time it resolves, a request the client sent before has arrived.
   */
  roundTrip(): Promise<void>;
}

const ROUND_TRIP_PATH = "/__round-trip";

type Handler = (
  request: IncomingMessage & { body: string },
  response: ServerResponse,
  index: number,
) => void;

/**
 * A real HTTP server on 127.0.0.1, port 0, closed (with its open connections) when the test ends.
 * `index` counts requests from 0, so a handler can script a sequence of connections.
 */
export async function startServer(handler: Handler): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((request, response) => {
    if (request.url === ROUND_TRIP_PATH) {
      response.writeHead(204).end();
      return;
    }
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const index = requests.length;
      requests.push({
        method: request.method ?? "",
        path: request.url ?? "",
        headers: request.headers,
        body,
      });
      handler(Object.assign(request, { body }), response, index);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    requests,
    url: (path) => `${origin}${path}`,
    roundTrip: async () => {
      await fetch(`${origin}${ROUND_TRIP_PATH}`);
    },
  };
}

/** A loopback port with nothing listening: connections to it are refused. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export const EVENT_STREAM_HEADERS = {
  "Content-Type": "text/event-stream",
  "Cache-Control": "no-cache",
} as const;
