// The nginx config of docs/scaling.md, run by real nginx in front of two server processes on one Redis:
// Server-Sent Events must come through as they are written, WebSocket channels must work.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { clientFor, listenTo } from "./support/channels.js";
import { openStream } from "./support/listen.js";
import { startNginx } from "./support/nginxServer.js";
import { type RedisServer, startRedisServer } from "./support/redisServer.js";
import { startServerProcess } from "./support/serverProcess.js";

const SCALING = join(import.meta.dirname, "..", "..", "..", "docs", "scaling.md");
// Polled often, so a wait ends soon after what it waits for; its ceiling is test/patience.ts's.
const UNTIL = { interval: 20 };

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(() => redis?.stop());

/** The documented block, pointed at `backends` and listening on 127.0.0.1:`port`. */
async function readmeConfig(backends: readonly number[], port: number): Promise<string> {
  const page = await readFile(SCALING, "utf8");
  const block = /```nginx\n([\s\S]*?)```/.exec(page);
  if (block?.[1] === undefined) throw new Error("docs/scaling.md: no nginx block");
  const servers = backends.map((backend) => `    server 127.0.0.1:${backend};`).join("\n");
  const config = block[1]
    .replace(/(upstream wirekit \{)[^}]*\}/, `$1\n${servers}\n}`)
    .replace("listen 80;", `listen 127.0.0.1:${port};`);
  expect(config).toContain(servers);
  expect(config).toContain(`listen 127.0.0.1:${port};`);
  // The server asks nginx not to buffer its streams (X-Accel-Buffering: no); ignoring that here
  // leaves the config alone to prove it, as for a backend that does not send the header.
  return `proxy_ignore_headers X-Accel-Buffering;\n${config}`;
}

async function startBehindNginx() {
  const prefix = `nginx${Math.random().toString(36).slice(2)}:`;
  const instances = await Promise.all(
    [0, 1].map(() => startServerProcess({ redis: redis.path, prefix })),
  );
  const nginx = await startNginx((port) =>
    readmeConfig(
      instances.map((instance) => instance.port),
      port,
    ),
  );
  return { instances, origin: `127.0.0.1:${nginx.port}` };
}

describe("the documented nginx config, in real nginx", () => {
  it("passes each Server-Sent Event on as it is written, while the stream stays open", async () => {
    const { instances, origin } = await startBehindNginx();
    const stream = await openStream(`http://${origin}/stream?channels=news`);
    expect(stream.response.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
    // A fresh stream's first event says where it stands (PROTOCOL.md section 9).
    await vi.waitFor(() => expect(stream.text()).toContain("event: wirekit-position"), UNTIL);

    for (const [i, instance] of instances.entries()) {
      await instance.publish("news", `from instance ${i}`);
      await vi.waitFor(() => expect(stream.text()).toContain(`data: from instance ${i}\n`), UNTIL);
    }
    expect(stream.response.complete).toBe(false);
    expect(stream.response.destroyed).toBe(false);
  });

  it("passes a slow reader's backpressure on, so the server cuts it instead of nginx buffering for it", async () => {
    const { instances, origin } = await startBehindNginx();
    const stream = await openStream(`http://${origin}/stream?channels=bulk`);
    await vi.waitFor(() => expect(stream.text()).toContain("event: wirekit-position"), UNTIL);
    // The client stops reading. Buffering nginx would take everything into memory and temp
    // files and the server would never know; unbuffered, the sockets fill up and the server's
    // maxBufferedBytes (1 MiB) is what decides.
    stream.response.pause();
    const cut = async () => {
      const counts = await Promise.all(instances.map((instance) => instance.counts()));
      return counts.reduce((sum, count) => sum + count.slowClientsCut, 0);
    };
    const chunk = "x".repeat(256 * 1024);
    // 64 MiB at most: far over what loopback socket buffers hold.
    for (let i = 0; i < 256 && (await cut()) === 0; i++) await instances[0]?.publish("bulk", chunk);
    expect(await cut()).toBe(1);
  });

  it("carries WebSocket channels: subscribe, messages from every instance, publish with ack", async () => {
    const { instances, origin } = await startBehindNginx();
    const client = clientFor(`ws://${origin}/channels`);
    listenTo(client, "room");
    await vi.waitFor(() => expect(client.events).toHaveLength(1), UNTIL);
    expect(client.events[0]).toMatchObject({ type: "subscribed", recovered: true });

    for (const [i, instance] of instances.entries()) await instance.publish("room", `from ${i}`);
    const { id } = await client.channels.publish("room", "from the client");
    const data = () =>
      client.events.flatMap((event) => (event.type === "message" ? [event.data] : []));
    await vi.waitFor(() => expect(data()).toHaveLength(3), UNTIL);
    expect(data()).toEqual(["from 0", "from 1", "from the client"]);
    expect(client.events.at(-1)).toMatchObject({ id });
  });
});
