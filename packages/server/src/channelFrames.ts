import type {
  ChannelErrorCode,
  ClientFrame,
  PresenceMember,
  ServerFrame,
} from "@wirekit/core/protocol";

export type { ChannelErrorCode, ClientFrame, PresenceMember, ServerFrame };

/** A frame that could not be read, with what to answer. */
export interface FrameError {
  readonly code: "bad-frame" | "unknown-type";
  readonly reason: string;
  readonly frame?: string;
  readonly channel?: string;
  readonly ack?: string;
}

export type DecodeResult =
  | { readonly ok: true; readonly frame: ClientFrame }
  | { readonly ok: false; readonly error: FrameError };

const fail = (
  code: FrameError["code"],
  reason: string,
  extra: { frame?: string; channel?: string; ack?: string } = {},
): DecodeResult => ({ ok: false, error: { code, reason, ...extra } });

const optionalString = (value: unknown): value is string | undefined =>
  value === undefined || typeof value === "string";

/** Reads one WebSocket message from a client; never throws. */
export function decodeClientFrame(data: Buffer, isBinary: boolean): DecodeResult {
  let raw: unknown;
  let payload: Uint8Array | undefined;
  try {
    if (isBinary) {
      // PROTOCOL.md section 5: a u32 header length, the JSON header without `data`, the bytes.
      if (data.length < 4) return fail("bad-frame", "binary frame shorter than its header length");
      const headerLength = data.readUInt32BE(0);
      if (4 + headerLength > data.length) return fail("bad-frame", "binary header overruns frame");
      raw = JSON.parse(data.subarray(4, 4 + headerLength).toString("utf8"));
      payload = new Uint8Array(data.subarray(4 + headerLength));
    } else {
      raw = JSON.parse(data.toString("utf8"));
    }
  } catch {
    return fail("bad-frame", "not JSON");
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return fail("bad-frame", "not a JSON object");
  }
  const object = raw as Record<string, unknown>;
  const type = object["type"];
  if (typeof type !== "string") return fail("bad-frame", "no `type` string");
  const channel = object["channel"];
  const ack = object["ack"];
  const hasChannel = typeof channel === "string" && channel !== "";
  if (payload !== undefined && type !== "publish") {
    return fail("bad-frame", "a binary frame must be a publish", { frame: type });
  }
  switch (type) {
    case "subscribe": {
      const resume = object["resume"];
      if (!hasChannel || !optionalString(resume)) {
        return fail("bad-frame", "subscribe needs a `channel` and an optional `resume` string", {
          frame: type,
        });
      }
      return { ok: true, frame: { type, channel, ...(resume === undefined ? {} : { resume }) } };
    }
    case "unsubscribe":
      if (!hasChannel) return fail("bad-frame", "unsubscribe needs a `channel`", { frame: type });
      return { ok: true, frame: { type, channel } };
    case "publish": {
      const ackString = typeof ack === "string" ? { ack } : {};
      if (!hasChannel || !optionalString(ack) || (payload === undefined && !("data" in object))) {
        return fail("bad-frame", "publish needs a `channel`, `data` and an optional `ack` string", {
          frame: type,
          ...ackString,
        });
      }
      return {
        ok: true,
        frame: {
          type,
          channel,
          data: payload ?? object["data"],
          ...(ack === undefined ? {} : { ack }),
        },
      };
    }
    case "auth": {
      const token = object["token"];
      if (typeof token !== "string") {
        return fail("bad-frame", "auth needs a `token` string", { frame: type });
      }
      return { ok: true, frame: { type, token } };
    }
    case "ping":
    case "pong": {
      const nonce = object["nonce"];
      if (!optionalString(nonce))
        return fail("bad-frame", "`nonce` must be a string", { frame: type });
      return { ok: true, frame: nonce === undefined ? { type } : { type, nonce } };
    }
    case "presence-enter": {
      const key = object["key"];
      const keyOk =
        key === undefined || (typeof key === "string" && key !== "" && key.length <= 128);
      if (!hasChannel || !keyOk) {
        return fail(
          "bad-frame",
          "presence-enter needs a `channel` and an optional `key` of 1 to 128 characters",
          {
            frame: type,
            ...(hasChannel ? { channel } : {}),
          },
        );
      }
      const data = object["data"];
      return {
        ok: true,
        frame: {
          type,
          channel,
          ...(data === undefined ? {} : { data }),
          ...(key === undefined ? {} : { key }),
        },
      };
    }
    case "presence-leave":
      if (!hasChannel)
        return fail("bad-frame", "presence-leave needs a `channel`", { frame: type });
      return { ok: true, frame: { type, channel } };
    default:
      return fail("unknown-type", `unknown frame type ${JSON.stringify(type.slice(0, 64))}`, {
        frame: type.slice(0, 64),
        ...(typeof ack === "string" ? { ack } : {}),
      });
  }
}

/** One frame for the socket: JSON text, or a binary frame when `data` is bytes. */
export function encodeServerFrame(frame: ServerFrame): string | Buffer {
  if (frame.type !== "message" || !(frame.data instanceof Uint8Array)) {
    return JSON.stringify(frame);
  }
  const { data, ...header } = frame;
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(json.length);
  return Buffer.concat([length, json, data]);
}
