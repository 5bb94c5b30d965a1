// A unix socket in front of redis-server that a test breaks on purpose, as a network would:
// `stall` stops passing the clients' bytes on, `cut` drops connections and refuses them until
// `mend`.
import { once } from "node:events";
import { createConnection, createServer, type Socket } from "node:net";
import { onTestFinished } from "vitest";

/** Which connections a cut drops: all, or those that sent a SUBSCRIBE. */
export type Cut = "all" | "subscribers";

export interface RedisLink {
  readonly path: string;
  /** Holds back what clients send from now on; resolves once something was held back. */
  stall(): Promise<void>;
  cut(which?: Cut): void;
  mend(): void;
}

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
  subscriber: boolean;
}

export async function openLink(
  target: string,
  path: string,
  { cut = false }: { cut?: boolean } = {},
): Promise<RedisLink> {
  let refused: Cut | undefined = cut ? "all" : undefined;
  let stalled = false;
  const pairs = new Set<Pair>();
  const held = new EventTarget();
  const drop = (pair: Pair) => {
    pair.client.destroy();
    pair.upstream.destroy();
    pairs.delete(pair);
  };
  const server = createServer((client) => {
    if (refused === "all") {
      client.destroy();
      return;
    }
    const pair: Pair = { client, upstream: createConnection(target), subscriber: false };
    pairs.add(pair);
    for (const socket of [pair.client, pair.upstream]) {
      socket.on("error", () => {});
      socket.on("close", () => drop(pair));
    }
    client.on("data", (chunk: Buffer) => {
      if (/subscribe/i.test(chunk.toString("latin1"))) pair.subscriber = true;
      if (refused === "subscribers" && pair.subscriber) drop(pair);
      else if (stalled) held.dispatchEvent(new Event("held"));
      else pair.upstream.write(chunk);
    });
    pair.upstream.pipe(client);
  });
  server.listen(path);
  await once(server, "listening");
  const cutNow = (which: Cut = "all") => {
    refused = which;
    stalled = false;
    for (const pair of [...pairs]) if (which === "all" || pair.subscriber) drop(pair);
  };
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        cutNow();
        server.close(() => resolve());
      }),
  );
  return {
    path,
    async stall() {
      stalled = true;
      await once(held, "held");
    },
    cut: cutNow,
    mend() {
      refused = undefined;
    },
  };
}
