// Connections against real servers on loopback that are killed and restarted mid-stream.
import { once } from "node:events";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  Connection,
  eventSourceTransport,
  exponentialBackoff,
  webSocketTransport,
} from "@wirekit/core";
import { FetchEventSource } from "@wirekit/core/event-source";
import { createPageLifecycleControls } from "@wirekit/testing";
import { describe, expect, it, onTestFinished } from "vitest";
import { WebSocket, WebSocketServer } from "ws";

const quickRetry = exponentialBackoff({ initialDelay: 50, maxDelay: 200 });

/** Waits `ms` of real time: only to keep a server down for a moment, never to wait for a result. */
const downtime = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Events 1..total, resumed from Last-Event-ID, written in batches so the stream takes a while. */
function numberedEventServer(total: number) {
  let server: Server | undefined;
  let port = 0;
  const handle = (lastEventId: string | undefined, response: ServerResponse) => {
    let id = Number(lastEventId ?? 0) + 1;
    response.writeHead(200, { "Content-Type": "text/event-stream" });
    const pump = () => {
      if (response.destroyed) return;
      let batch = "";
      for (let count = 0; count < 25 && id <= total; count++, id++) {
        batch += `id: ${id}\ndata: {"n":${id}}\n\n`;
      }
      response.write(batch);
      if (id <= total) setImmediate(pump);
    };
    pump();
  };
  return {
    async start() {
      server = createServer((request, response) =>
        handle(request.headers["last-event-id"] as string | undefined, response),
      );
      server.listen(port, "127.0.0.1");
      await once(server, "listening");
      port = (server.address() as AddressInfo).port;
      return `http://127.0.0.1:${port}/numbers`;
    },
    async kill() {
      const current = server;
      server = undefined;
      if (current === undefined) return;
      current.closeAllConnections();
      await new Promise<void>((resolve) => current.close(() => resolve()));
    },
  };
}

describe("reconnecting through server restarts", () => {
  it("delivers 5,000 events exactly once, in order, while the server is killed and restarted 10 times", async () => {
    const total = 5000;
    const server = numberedEventServer(total);
    onTestFinished(() => server.kill());
    const url = await server.start();
    const connection = new Connection({
      transport: eventSourceTransport({ FetchEventSource, url }),
      lifecycle: createPageLifecycleControls(),
      retryDelay: quickRetry,
    });
    onTestFinished(() => connection.close());

    const ids: number[] = [];
    let kills = 0;
    let opens = 0;
    connection.subscribe(() => {
      if (connection.getSnapshot().status === "open") opens++;
    });
    const done = new Promise<void>((resolve) => {
      connection.onMessage((message) => {
        ids.push(JSON.parse(String(message.data)).n);
        if (ids.length === total) resolve();
        // Kill the server ten times along the way, and bring it back a moment later.
        if (ids.length % 450 === 0 && kills < 10) {
          kills++;
          void server
            .kill()
            .then(() => downtime(30))
            .then(() => server.start());
        }
      });
    });
    connection.connect();
    await done;

    expect(kills).toBe(10);
    expect(opens).toBeGreaterThanOrEqual(11);
    expect(ids).toEqual(Array.from({ length: total }, (_, index) => index + 1));
  });

  it("reconnects a WebSocket through 10 kills and restarts", async () => {
    let port = 0;
    let server: WebSocketServer | undefined;
    const start = async () => {
      server = new WebSocketServer({ host: "127.0.0.1", port });
      await once(server, "listening");
      port = (server.address() as AddressInfo).port;
      server.on("connection", (socket) => socket.send("hello"));
    };
    const kill = async () => {
      const current = server;
      server = undefined;
      if (current === undefined) return;
      for (const socket of current.clients) socket.terminate();
      await new Promise<void>((resolve) => current.close(() => resolve()));
    };
    onTestFinished(kill);
    await start();
    const connection = new Connection({
      transport: webSocketTransport({ url: `ws://127.0.0.1:${port}/`, WebSocket }),
      lifecycle: createPageLifecycleControls(),
      retryDelay: quickRetry,
    });
    onTestFinished(() => connection.close());

    let greetings = 0;
    const allGreeted = new Promise<void>((resolve) => {
      connection.onMessage(() => {
        greetings++;
        if (greetings === 11) resolve();
        else
          void kill()
            .then(() => downtime(30))
            .then(start);
      });
    });
    connection.connect();
    await allGreeted;
    expect(connection.getSnapshot().status).toBe("open");
    expect(greetings).toBe(11);
  });
});
