import { createFakeServer, createVirtualClock } from "@wirekit/testing";
import { describe, expect, it } from "vitest";

describe("FakeServer.setLatency", () => {
  it("changes how long later deliveries take", () => {
    const clock = createVirtualClock();
    const server = createFakeServer({ clock, latency: 10 });
    expect(server.latency).toBe(10);
    server.onConnection((socket) => socket.onMessage((data) => socket.send(`echo ${data}`)));
    const socket = new server.WebSocket("ws://fake/");
    const seen: string[] = [];
    socket.onmessage = (event) => seen.push(`${event.data} at ${clock.now() - start}`);
    const start = clock.now();
    clock.advance(20); // open after a round trip
    server.setLatency(200);
    expect(server.latency).toBe(200);
    socket.send("slow");
    clock.advance(399);
    expect(seen).toEqual([]);
    clock.advance(1);
    expect(seen).toEqual(["echo slow at 420"]);
  });

  it("never lets a message overtake one sent before it when the latency drops", () => {
    const clock = createVirtualClock();
    const server = createFakeServer({ clock });
    server.onRequest((stream) => {
      server.setLatency(500);
      stream.event({ data: "first" });
      server.setLatency(0);
      stream.event({ data: "second" });
    });
    const source = new server.EventSource("http://fake/events");
    const seen: string[] = [];
    source.onmessage = (event) => seen.push(event.data);
    clock.advance(499);
    expect(seen).toEqual([]);
    clock.advance(1);
    expect(seen).toEqual(["first", "second"]);
  });

  it("refuses a latency that is not a finite number ≥ 0", () => {
    const server = createFakeServer();
    expect(() => server.setLatency(-1)).toThrow(RangeError);
    expect(() => server.setLatency(Number.NaN)).toThrow(RangeError);
    expect(() => createFakeServer({ latency: Number.POSITIVE_INFINITY })).toThrow(RangeError);
    expect(server.latency).toBe(0);
  });
});
