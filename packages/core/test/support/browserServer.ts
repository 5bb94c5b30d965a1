// Vitest globalSetup for the browser project: a real event-stream server on 127.0.0.1, port 0,
// that tests running in Chromium reach over the network. Its origin is provided to the tests as
// `eventStreamServer`.
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";
import { encoder, fixtures } from "./fixtures.js";

declare module "vitest" {
  export interface ProvidedContext {
    eventStreamServer: string;
  }
}

const CORS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Headers": "Last-Event-ID, Authorization, Content-Type",
  "Access-Control-Allow-Methods": "GET, POST",
  "Access-Control-Max-Age": "600",
};

function eventStream(response: ServerResponse): void {
  response.writeHead(200, {
    ...CORS,
    "Content-Type": "text/event-stream",
    "Cache-Control": "no-cache",
  });
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const connectionCounts = new Map<string, { total: number; open: number }>();
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    if (request.method === "OPTIONS") {
      response.writeHead(204, CORS).end();
      return;
    }
    const fixture = /^\/fixture\/(\d+)$/.exec(url.pathname);
    if (fixture) {
      const input = fixtures[Number(fixture[1])]?.input;
      if (input === undefined) {
        response.writeHead(404, CORS).end();
        return;
      }
      eventStream(response);
      response.end(typeof input === "string" ? encoder.encode(input) : input);
      return;
    }
    if (url.pathname === "/counted") {
      // A stream that stays open and counts its connections, per name, for connection budgets.
      const name = url.searchParams.get("name") ?? "";
      const counts = connectionCounts.get(name) ?? { total: 0, open: 0 };
      connectionCounts.set(name, counts);
      counts.total++;
      counts.open++;
      response.on("close", () => counts.open--);
      eventStream(response);
      response.write(`id: 1\ndata: hello ${name}\n\nevent: named\ndata: named ${name}\n\n`);
      return;
    }
    if (url.pathname === "/connections") {
      const counts = connectionCounts.get(url.searchParams.get("name") ?? "") ?? {
        total: 0,
        open: 0,
      };
      response.writeHead(200, { ...CORS, "Content-Type": "application/json" });
      response.end(JSON.stringify(counts));
      return;
    }
    if (url.pathname === "/numbers") {
      // Events 1..total; each connection carries the next `perConnection` events, then cuts the
      // last one in half and ends, so every reconnect must resume from Last-Event-ID.
      const total = Number(url.searchParams.get("total") ?? 100);
      const perConnection = 7;
      // wirekit's native-EventSource transport resumes through a query parameter.
      const resumeFrom = request.headers["last-event-id"] ?? url.searchParams.get("lastEventId");
      const from = Number(resumeFrom ?? 0) + 1;
      const echo = request.headers.authorization ?? "";
      eventStream(response);
      let body = "retry: 1\n\n";
      for (let id = from; id < from + perConnection && id <= total; id++) {
        body += `id: ${id}\ndata: ${id} ${echo}\n\n`;
      }
      if (from + perConnection <= total) body += `id: ${from + perConnection}\ndata: cut`;
      response.end(body);
      return;
    }
    response.writeHead(404, CORS).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  project.provide("eventStreamServer", `http://127.0.0.1:${port}`);
  return async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}
