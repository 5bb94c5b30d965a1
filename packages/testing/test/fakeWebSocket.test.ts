import {
  createFakeServer,
  createVirtualClock,
  type FakeCloseInfo,
  type FakeServerOptions,
  type FakeServerSocket,
  FakeWebSocket,
} from "@wirekit/testing";
import { describe, expect, it } from "vitest";

function setup(options: Omit<FakeServerOptions, "clock"> = {}) {
  const clock = createVirtualClock();
  const server = createFakeServer({ clock, ...options });
  const sockets: FakeServerSocket[] = [];
  server.onConnection((socket) => {
    sockets.push(socket);
  });
  return { clock, server, sockets };
}

/** What the client saw, one line per event. */
function record(socket: FakeWebSocket): string[] {
  const events: string[] = [];
  socket.addEventListener("open", () => events.push("open"));
  socket.addEventListener("message", (event) => {
    const { data } = event;
    events.push(`message ${typeof data === "string" ? data : data.constructor.name}`);
  });
  socket.addEventListener("error", () => events.push("error"));
  socket.addEventListener("close", (event) =>
    events.push(`close ${event.code} ${event.reason} ${event.wasClean ? "clean" : "unclean"}`),
  );
  return events;
}

function errorName(action: () => void): string | undefined {
  try {
    action();
  } catch (error) {
    return (error as Error).name;
  }
  return undefined;
}

describe("FakeWebSocket", () => {
  it("has the WebSocket constants and starts CONNECTING", () => {
    const { server } = setup();
    const socket = new server.WebSocket("http://fake/chat?room=1");
    expect([
      FakeWebSocket.CONNECTING,
      FakeWebSocket.OPEN,
      FakeWebSocket.CLOSING,
      FakeWebSocket.CLOSED,
    ]).toEqual([0, 1, 2, 3]);
    expect([socket.CONNECTING, socket.OPEN, socket.CLOSING, socket.CLOSED]).toEqual([0, 1, 2, 3]);
    expect(server.WebSocket.OPEN).toBe(1);
    expect(socket).toBeInstanceOf(FakeWebSocket);
    expect(socket.readyState).toBe(FakeWebSocket.CONNECTING);
    expect(socket.url).toBe("ws://fake/chat?room=1");
    expect(socket.protocol).toBe("");
    expect(socket.extensions).toBe("");
    expect(socket.bufferedAmount).toBe(0);
    expect(socket.binaryType).toBe("blob");
  });

  it("needs a server to connect to", () => {
    expect(() => new FakeWebSocket("ws://fake/")).toThrow(TypeError);
  });

  it("throws a SyntaxError where browsers do", () => {
    const { server } = setup();
    expect(errorName(() => new server.WebSocket("not a url"))).toBe("SyntaxError");
    expect(errorName(() => new server.WebSocket("ftp://fake/"))).toBe("SyntaxError");
    expect(errorName(() => new server.WebSocket("ws://fake/#top"))).toBe("SyntaxError");
    expect(errorName(() => new server.WebSocket("ws://fake/", ["v1", "v1"]))).toBe("SyntaxError");
    expect(errorName(() => new server.WebSocket("ws://fake/", "not a token"))).toBe("SyntaxError");
  });

  it("opens a round trip after it was created, on the clock and never synchronously", () => {
    const { clock, server, sockets } = setup({ latency: 10 });
    const socket = new server.WebSocket("ws://fake/chat");
    const events = record(socket);
    clock.advance(9);
    expect(sockets).toHaveLength(0);
    clock.advance(1);
    expect(sockets).toHaveLength(1);
    expect(server.openConnections).toBe(1);
    expect(socket.readyState).toBe(FakeWebSocket.CONNECTING);
    clock.advance(9);
    expect(events).toEqual([]);
    clock.advance(1);
    expect(socket.readyState).toBe(FakeWebSocket.OPEN);
    expect(events).toEqual(["open"]);
  });

  it("carries messages both ways, in order, each after the latency", () => {
    const { clock, server } = setup({ latency: 5 });
    const heard: unknown[] = [];
    server.onConnection((socket) => {
      socket.send("welcome");
      socket.onMessage((data) => {
        heard.push(data);
        if (data === "ping") socket.send("pong");
      });
    });
    const socket = new server.WebSocket("ws://fake/chat");
    const events = record(socket);
    const messages: unknown[] = [];
    socket.onmessage = (event) => messages.push(event);
    socket.onopen = () => {
      socket.send("ping");
      const bytes = new Uint8Array([1, 2, 3]);
      socket.send(bytes.subarray(1));
      // The bytes were copied when sent.
      bytes.fill(9);
    };
    clock.advance(10);
    expect(events).toEqual(["open", "message welcome"]);
    expect(messages).toEqual([
      expect.objectContaining({ type: "message", data: "welcome", origin: "ws://fake" }),
    ]);
    clock.advance(4);
    expect(heard).toEqual([]);
    clock.advance(1);
    expect(heard).toEqual(["ping", new Uint8Array([2, 3])]);
    expect(server.received).toEqual([
      { url: "ws://fake/chat", data: "ping" },
      { url: "ws://fake/chat", data: new Uint8Array([2, 3]) },
    ]);
    clock.advance(5);
    expect(events).toEqual(["open", "message welcome", "message pong"]);
  });

  it("offers subprotocols, and the server picks the first it was offered", () => {
    const { clock, server, sockets } = setup();
    const socket = new server.WebSocket("ws://fake/", ["v2", "v1"]);
    clock.advance(0);
    expect(sockets[0]?.protocols).toEqual(["v2", "v1"]);
    expect(sockets[0]?.protocol).toBe("v2");
    expect(socket.protocol).toBe("v2");
  });

  it("lets the server choose the subprotocol", () => {
    const { clock, server, sockets } = setup({
      selectProtocol: (offered, url) => (url.endsWith("/new") ? (offered.at(-1) ?? "") : ""),
    });
    const socket = new server.WebSocket("ws://fake/new", ["v1", "v2"]);
    clock.advance(0);
    expect(sockets[0]?.protocol).toBe("v2");
    expect(socket.protocol).toBe("v2");
  });

  it("fails the handshake when the server picks a subprotocol the client did not offer", () => {
    for (const [offered, picked] of [
      [["v1"], "v3"],
      [["v1"], ""],
      [[], "v1"],
    ] as const) {
      const { clock, server } = setup({ selectProtocol: () => picked });
      const socket = new server.WebSocket("ws://fake/", [...offered]);
      const events = record(socket);
      clock.advance(0);
      expect(events).toEqual(["error", "close 1006  unclean"]);
      expect(server.totalConnections).toBe(0);
    }
  });

  it("shows the server the handshake headers passed in the init object", () => {
    const { clock, server, sockets } = setup();
    new server.WebSocket("ws://fake/", { protocols: "v1", headers: { Authorization: "Bearer t" } });
    clock.advance(0);
    expect(sockets[0]?.headers).toEqual({ Authorization: "Bearer t" });
    expect(sockets[0]?.protocol).toBe("v1");
  });

  it("delivers binary as a Blob by default and as an ArrayBuffer when asked", async () => {
    const { clock, server, sockets } = setup();
    const socket = new server.WebSocket("ws://fake/");
    const received: unknown[] = [];
    socket.onmessage = (event) => received.push(event.data);
    clock.advance(0);
    // Garbage: not valid UTF-8, not what the client expects.
    sockets[0]?.send(new Uint8Array([0xff, 0x00, 0xfe]));
    clock.advance(0);
    socket.binaryType = "arraybuffer";
    socket.binaryType = "nonsense" as "blob";
    expect(socket.binaryType).toBe("arraybuffer");
    sockets[0]?.send(new Uint8Array([0xff, 0x00, 0xfe]).buffer);
    clock.advance(0);
    const [blob, buffer] = received;
    expect(blob).toBeInstanceOf(Blob);
    expect(new Uint8Array(await (blob as Blob).arrayBuffer())).toEqual(
      new Uint8Array([0xff, 0x00, 0xfe]),
    );
    expect(buffer).toBeInstanceOf(ArrayBuffer);
    expect(new Uint8Array(buffer as ArrayBuffer)).toEqual(new Uint8Array([0xff, 0x00, 0xfe]));
  });

  it("throws an InvalidStateError on send while CONNECTING, and drops data once closing", () => {
    const { clock, server } = setup();
    const socket = new server.WebSocket("ws://fake/");
    expect(errorName(() => socket.send("too early"))).toBe("InvalidStateError");
    clock.advance(0);
    socket.close();
    expect(() => socket.send("too late")).not.toThrow();
    clock.advance(0);
    expect(server.received).toEqual([]);
  });

  it("validates close codes and reasons as browsers do", () => {
    const { clock, server } = setup();
    const socket = new server.WebSocket("ws://fake/");
    clock.advance(0);
    for (const code of [999, 1001, 1005, 1006, 2999, 5000]) {
      expect(errorName(() => socket.close(code))).toBe("InvalidAccessError");
    }
    expect(errorName(() => socket.close(1000, "é".repeat(62)))).toBe("SyntaxError");
    expect(socket.readyState).toBe(FakeWebSocket.OPEN);
    for (const code of [1000, 3000, 4999]) {
      const other = new server.WebSocket("ws://fake/");
      clock.advance(0);
      other.close(code, "é".repeat(61));
      expect(other.readyState).toBe(FakeWebSocket.CLOSING);
    }
  });

  it("closes cleanly from the client: CLOSING at once, CLOSED once the server echoes", () => {
    const { clock, server, sockets } = setup({ latency: 10 });
    const socket = new server.WebSocket("ws://fake/");
    const events = record(socket);
    clock.advance(20);
    const serverSide: FakeCloseInfo[] = [];
    sockets[0]?.onClose((info) => serverSide.push(info));
    socket.close(4000, "done");
    expect(socket.readyState).toBe(FakeWebSocket.CLOSING);
    clock.advance(10);
    expect(serverSide).toEqual([{ code: 4000, reason: "done", wasClean: true }]);
    expect(sockets[0]?.closed).toBe(true);
    expect(server.openConnections).toBe(0);
    expect(socket.readyState).toBe(FakeWebSocket.CLOSING);
    clock.advance(10);
    expect(socket.readyState).toBe(FakeWebSocket.CLOSED);
    expect(events).toEqual(["open", "close 4000 done clean"]);
  });

  it("reports 1005 to both ends when close() has no code", () => {
    const { clock, server, sockets } = setup();
    const socket = new server.WebSocket("ws://fake/");
    const events = record(socket);
    clock.advance(0);
    const serverSide: FakeCloseInfo[] = [];
    sockets[0]?.onClose((info) => serverSide.push(info));
    socket.close();
    clock.advance(0);
    expect(serverSide).toEqual([{ code: 1005, reason: "", wasClean: true }]);
    expect(events).toEqual(["open", "close 1005  clean"]);
  });

  it("closes cleanly from the server, after the messages it sent before", () => {
    const { clock, server } = setup({ latency: 3 });
    server.onConnection((socket) => {
      socket.send("last words");
      socket.close(1000, "bye");
      socket.send("after close");
    });
    const socket = new server.WebSocket("ws://fake/");
    const events = record(socket);
    clock.advance(9);
    expect(events).toEqual(["open", "message last words", "close 1000 bye clean"]);
    expect(socket.readyState).toBe(FakeWebSocket.CLOSED);
    expect(server.openConnections).toBe(0);
  });

  it("refuses a server close code that cannot be sent", () => {
    const { clock, server, sockets } = setup();
    new server.WebSocket("ws://fake/");
    clock.advance(0);
    expect(() => sockets[0]?.close(1006)).toThrow(RangeError);
    expect(sockets[0]?.closed).toBe(false);
  });

  it("fails the connection when closed while CONNECTING; the server never sees it", () => {
    const { clock, server } = setup({ latency: 10 });
    const socket = new server.WebSocket("ws://fake/");
    const events = record(socket);
    socket.close();
    expect(socket.readyState).toBe(FakeWebSocket.CLOSING);
    expect(events).toEqual([]);
    clock.advance(0);
    expect(events).toEqual(["error", "close 1006  unclean"]);
    clock.advance(100);
    expect(server.totalConnections).toBe(0);
    expect(events).toEqual(["error", "close 1006  unclean"]);
  });

  it("drop(): every open connection closes with 1006, uncleanly, losing what was in flight", () => {
    const { clock, server, sockets } = setup({ latency: 10 });
    const first = new server.WebSocket("ws://fake/a");
    const second = new server.WebSocket("ws://fake/b");
    const firstEvents = record(first);
    const secondEvents = record(second);
    clock.advance(20);
    const serverSide: FakeCloseInfo[] = [];
    sockets[0]?.onClose((info) => serverSide.push(info));
    sockets[0]?.send("in flight");
    first.send("in flight too");
    server.drop();
    expect(server.openConnections).toBe(0);
    expect(serverSide).toEqual([{ code: 1006, reason: "", wasClean: false }]);
    clock.advance(10);
    expect(firstEvents).toEqual(["open", "close 1006  unclean"]);
    expect(secondEvents).toEqual(["open", "close 1006  unclean"]);
    expect(first.readyState).toBe(FakeWebSocket.CLOSED);
    expect(server.received).toEqual([]);
  });

  it("stop() refuses new connections with error and close 1006 until start()", () => {
    const { clock, server } = setup({ latency: 10 });
    const before = new server.WebSocket("ws://fake/");
    clock.advance(20);
    server.stop();
    expect(server.running).toBe(false);
    const refused = new server.WebSocket("ws://fake/");
    const refusedEvents = record(refused);
    clock.advance(19);
    expect(refusedEvents).toEqual([]);
    clock.advance(1);
    expect(refusedEvents).toEqual(["error", "close 1006  unclean"]);
    expect(before.readyState).toBe(FakeWebSocket.OPEN);
    expect(server.totalConnections).toBe(1);
    server.start();
    const after = new server.WebSocket("ws://fake/");
    clock.advance(20);
    expect(after.readyState).toBe(FakeWebSocket.OPEN);
    expect(server.totalConnections).toBe(2);
  });

  it("counts open connections and every connection ever opened", () => {
    const { clock, server } = setup();
    const sockets = [1, 2, 3].map(() => new server.WebSocket("ws://fake/"));
    expect(server.openConnections).toBe(0);
    clock.advance(0);
    expect(server.openConnections).toBe(3);
    sockets[0]?.close();
    clock.advance(0);
    expect(server.openConnections).toBe(2);
    expect(server.totalConnections).toBe(3);
  });

  it("holds a handshake the server never answers, until it answers or drops it", () => {
    const { clock, server, sockets } = setup({ latency: 10 });
    const releases: Array<() => void> = [];
    server.onConnection((socket) => {
      releases.push(socket.hold());
    });
    const answered = new server.WebSocket("ws://fake/");
    const dropped = new server.WebSocket("ws://fake/");
    const answeredEvents = record(answered);
    const droppedEvents = record(dropped);
    clock.advance(600_000);
    expect(answered.readyState).toBe(FakeWebSocket.CONNECTING);
    expect(server.openConnections).toBe(2);
    releases[0]?.();
    sockets[1]?.drop();
    clock.advance(10);
    expect(answeredEvents).toEqual(["open"]);
    expect(droppedEvents).toEqual(["error", "close 1006  unclean"]);
  });

  it("holds a connection the server accepts and never speaks on", () => {
    const { clock, server } = setup();
    const socket = new server.WebSocket("ws://fake/");
    const events = record(socket);
    clock.advance(600_000);
    expect(events).toEqual(["open"]);
    expect(server.openConnections).toBe(1);
  });

  it("runs on-handlers among listeners in order, and honours once, signal and removal", () => {
    const { clock, server, sockets } = setup();
    const socket = new server.WebSocket("ws://fake/");
    const calls: string[] = [];
    const removed = () => calls.push("removed");
    const controller = new AbortController();
    socket.addEventListener("message", () => calls.push("first"));
    socket.onmessage = () => calls.push("replaced");
    socket.onmessage = () => calls.push("handler");
    socket.addEventListener("message", () => calls.push("once"), { once: true });
    socket.addEventListener("message", () => calls.push("aborted"), { signal: controller.signal });
    socket.addEventListener("message", () => calls.push("aborted before"), {
      signal: AbortSignal.abort(),
    });
    socket.addEventListener("message", removed);
    socket.addEventListener("message", { handleEvent: () => calls.push("object") });
    socket.removeEventListener("message", removed);
    controller.abort();
    clock.advance(0);
    sockets[0]?.send("a");
    sockets[0]?.send("b");
    clock.advance(0);
    expect(calls).toEqual(["first", "handler", "once", "object", "first", "handler", "object"]);
    socket.onmessage = null;
    expect(socket.onmessage).toBeNull();
    sockets[0]?.send("c");
    clock.advance(0);
    expect(calls.slice(7)).toEqual(["first", "object"]);
  });
});
