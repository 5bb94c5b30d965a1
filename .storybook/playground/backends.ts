// Scripted servers for the stories, on the playground's in-memory server. Each keeps a history
// and replays after the client's last event id, as a real server should, so a visitor sees a
// drop recovered without a gap. Each returns the function that stops it.

import type { FakeServerStream } from "@wirekit/testing";
import { every, type Playground } from "./playground.js";

/** The id a client resumes from: the header, or wirekit's query parameter for native EventSource. */
function resumeFrom(stream: FakeServerStream): number {
  const fromQuery = new URL(stream.url).searchParams.get("lastEventId");
  return Number(fromQuery ?? stream.lastEventId) || 0;
}

/**
 * A stream that replays its history after the client's last event id, then goes on live with
 * whatever `publish` sends: the shape of most event-stream backends.
 */
function replayingStream(playground: Playground, path: string, historySize = 1000) {
  const history: Array<{ id: number; event: string; data: string }> = [];
  const live = new Set<FakeServerStream>();
  let nextId = 1;
  const stop = playground.server.onRequest((stream) => {
    if (new URL(stream.url).pathname !== path) return;
    const after = resumeFrom(stream);
    for (const entry of history) {
      if (entry.id > after) stream.event({ ...entry, id: String(entry.id) });
    }
    live.add(stream);
    stream.onClose(() => live.delete(stream));
  });
  return {
    publish(event: string, data: string) {
      const entry = { id: nextId++, event, data };
      history.push(entry);
      if (history.length > historySize) history.shift();
      for (const stream of live) stream.event({ ...entry, id: String(entry.id) });
    },
    stop,
  };
}

/** `/ticks`: numbered messages ("tick 1", "tick 2", …) at the playground's rate. */
export function ticksBackend(playground: Playground): () => void {
  const stream = replayingStream(playground, "/ticks");
  let n = 0;
  const stopTicking = every(playground.rate, (count) => {
    for (let i = 0; i < count; i++) stream.publish("message", `tick ${++n}`);
  });
  return () => {
    stopTicking();
    stream.stop();
  };
}

/** `/metrics`: `cpu` and `memory` samples, a random walk each. */
export function metricsBackend(playground: Playground): () => void {
  const stream = replayingStream(playground, "/metrics", 200);
  let cpu = 35;
  let memory = 60;
  const walk = (value: number, spread: number) =>
    Math.min(100, Math.max(0, value + (Math.random() - 0.5) * spread));
  const stopTicking = every(playground.rate, (count) => {
    for (let i = 0; i < count; i++) {
      cpu = walk(cpu, 12);
      memory = walk(memory, 3);
      stream.publish("cpu", JSON.stringify({ t: Date.now(), value: cpu }));
      stream.publish("memory", JSON.stringify({ t: Date.now(), value: memory }));
    }
  });
  return () => {
    stopTicking();
    stream.stop();
  };
}

/** `/logs`: log lines at the playground's rate (hundreds a second is the point). */
export function logsBackend(playground: Playground): () => void {
  const stream = replayingStream(playground, "/logs", 5000);
  const levels = ["INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"];
  const paths = ["/api/orders", "/api/users/42", "/healthz", "/api/search?q=<script>"];
  let n = 0;
  const stopTicking = every(playground.rate, (count) => {
    for (let i = 0; i < count; i++) {
      n += 1;
      const level = levels[n % levels.length];
      const path = paths[n % paths.length];
      stream.publish("message", `${level} req=${n} GET ${path} ${(n * 7) % 300}ms`);
    }
  });
  return () => {
    stopTicking();
    stream.stop();
  };
}

/** `/notifications`: a notification now and then, replayable by id. */
export function notificationsBackend(playground: Playground): () => void {
  const stream = replayingStream(playground, "/notifications");
  const titles = ["Build passed", "New comment", "Deploy finished", "Invoice paid"];
  let n = 0;
  const stopTicking = every(playground.rate, (count) => {
    for (let i = 0; i < count; i++) {
      n += 1;
      const data = { title: titles[n % titles.length], body: `Event #${n}` };
      stream.publish("notification", JSON.stringify(data));
    }
  });
  return () => {
    stopTicking();
    stream.stop();
  };
}

const ANSWER =
  "Server-Sent Events are a plain HTTP response that never ends. Every event can carry an id, " +
  "so a client that loses the connection asks again with Last-Event-ID and the server continues " +
  "where it stopped — which is why this answer survives the Drop connection button.";

/**
 * `/chat` (POST): streams a canned answer word by word at the playground's rate, resuming after
 * Last-Event-ID when the same request comes again.
 */
export function assistantBackend(playground: Playground): () => void {
  const words = ANSWER.split(/(?<= )/);
  const streams = new Set<() => void>();
  const stop = playground.server.onRequest((stream) => {
    if (new URL(stream.url).pathname !== "/chat") return;
    if (stream.method !== "POST") {
      stream.fail(405);
      return;
    }
    let next = resumeFrom(stream);
    const stopTicking = every(playground.rate, (count) => {
      for (let i = 0; i < count && !stream.closed; i++) {
        next += 1;
        const word = words[next - 1];
        const data = word === undefined ? { type: "done" } : { type: "token", text: word };
        stream.event({ id: String(next), data: JSON.stringify(data) });
        if (word === undefined) stopTicking();
      }
    });
    streams.add(stopTicking);
    stream.onClose(() => {
      stopTicking();
      streams.delete(stopTicking);
    });
  });
  return () => {
    stop();
    for (const stopTicking of streams) stopTicking();
  };
}

/** `/jobs/export`: a job that advances a step per tick, then completes. */
export function jobBackend(playground: Playground): () => void {
  const stream = replayingStream(playground, "/jobs/export");
  const steps = ["Collecting rows", "Encoding", "Compressing", "Uploading"];
  let percent = 0;
  const stopTicking = every(playground.rate, (count) => {
    for (let i = 0; i < count && percent < 100; i++) {
      percent = Math.min(100, percent + 5);
      if (percent < 100) {
        const message = steps[Math.floor((percent / 100) * steps.length)];
        stream.publish("message", JSON.stringify({ type: "progress", percent, message }));
      } else {
        const result = "https://example.com/exports/report.zip";
        stream.publish("message", JSON.stringify({ type: "done", result }));
      }
    }
  });
  return () => {
    stopTicking();
    stream.stop();
  };
}

/** Chat channels: a bot who is present in `room` and says something now and then. */
export function chatBackend(playground: Playground, room = "lobby"): () => void {
  const { channels } = playground;
  const channel = `chat:${room}`;
  // Present from the start, as the server tracks her: a newcomer sees her at once.
  const grace = (typing: boolean) =>
    channels.addMember(channel, { id: "grace", data: { user: "grace", typing } });
  grace(false);
  const lines = ["Anyone tried the new build?", "Deploying in five.", "LGTM <b>ship it</b>"];
  let n = 0;
  const stopTicking = every(playground.rate, (count) => {
    for (let i = 0; i < count; i++) {
      n += 1;
      if (n % 3 === 1) grace(true);
      else {
        const text = lines[n % lines.length] ?? "";
        grace(false);
        channels.publish(channel, {
          key: `grace-${n}`,
          user: "grace",
          text,
          at: Date.now(),
        });
      }
    }
  });
  return () => {
    stopTicking();
    channels.removeMember(channel, "grace");
  };
}
