import { type ChannelServerError, PublishError, type PublishErrorCode } from "./channelErrors.js";
import type { Clock } from "./clock.js";
import type { Connection } from "./connection.js";
import { byteLength } from "./outbox.js";
import { startTimer } from "./timers.js";

export interface PublishesOptions {
  readonly clock: Clock;
  /** Milliseconds to wait for an ack once a publish went out. */
  readonly ackTimeout: number;
  /** How often a publish the server refused as `rate-limited` is sent again. */
  readonly rateLimitedRetries: number;
}

interface Pending {
  readonly channel: string;
  readonly frame: string | ArrayBuffer;
  retries: number;
  readonly resolve: (result: { id: string | undefined }) => void;
  readonly reject: (error: PublishError) => void;
  // Set once the frame reached the socket: the ack is awaited from then on.
  cancelTimeout?: (() => void) | undefined;
}

/**
 * A channel client's publishes until the server answers: each goes through the connection's
 * outgoing queue and settles exactly once — acked with the broker's id, or rejected with a
 * `PublishError` saying why (dropped from the queue, no ack in time, lost with the socket,
 * refused by the server). A refusal for the rate goes out again, behind the queue.
 */
export class Publishes {
  readonly #connection: Connection;
  readonly #options: PublishesOptions;
  readonly #pending = new Map<string, Pending>();
  #nextAck = 0;

  constructor(connection: Connection, options: PublishesOptions) {
    this.#connection = connection;
    this.#options = options;
  }

  /** Publishes not settled yet: queued, or sent and waiting for the server's answer. */
  get size(): number {
    return this.#pending.size;
  }

  /**
   * Publishes on `channel` the frame `encode` makes with the publish's ack id; a frame over
   * `maxFrameSize` is refused here, since the server would close the socket for it.
   */
  publish(
    channel: string,
    encode: (ack: string) => string | ArrayBuffer,
    maxFrameSize: number,
  ): Promise<{ id: string | undefined }> {
    const ack = String(++this.#nextAck);
    return new Promise((resolve, reject) => {
      const frame = encode(ack);
      // `maxFrameSize` counts bytes (PROTOCOL.md section 7a): a text of n UTF-16 code units is
      // at most 3n in UTF-8, so only a text that could be over it is measured.
      const size =
        typeof frame === "string" && frame.length * 3 <= maxFrameSize
          ? frame.length
          : byteLength(frame);
      if (size > maxFrameSize) {
        reject(
          new PublishError("too-large", `Over the server's maxFrameSize (${maxFrameSize}).`, {
            channel,
          }),
        );
        return;
      }
      const pending: Pending = {
        channel,
        frame,
        retries: 0,
        resolve,
        reject,
      };
      this.#pending.set(ack, pending);
      this.#send(ack, pending);
    });
  }

  /** The server acked `ack`; false when no publish awaits it. */
  acked(ack: string, id: string | undefined): boolean {
    const pending = this.#take(ack);
    pending?.resolve({ id });
    return pending !== undefined;
  }

  /** The server refused the publish `ack` with `error`; false when no publish awaits it. */
  refused(ack: string, error: ChannelServerError): boolean {
    const pending = this.#pending.get(ack);
    if (pending === undefined) return false;
    if (error.code === "rate-limited" && pending.retries < this.#options.rateLimitedRetries) {
      // Refused, not accepted: sending it again cannot duplicate it. It goes behind the queue,
      // at the pace.
      pending.retries += 1;
      pending.cancelTimeout?.();
      pending.cancelTimeout = undefined;
      this.#send(ack, pending);
      return true;
    }
    return this.#fail(ack, "server", `The server refused it: ${error.message}`, error);
  }

  /** The socket is gone: publishes sent on it are lost; those still queued go out on the next. */
  lost(): void {
    // Failing deletes from the map as it goes, which its iterator allows.
    for (const [ack, pending] of this.#pending) {
      if (pending.cancelTimeout !== undefined) {
        this.#fail(ack, "disconnected", "Lost before the ack.");
      }
    }
  }

  /** Sends (or queues) a pending publish; every way it can end settles it exactly once. */
  #send(ack: string, pending: Pending): void {
    const { clock, ackTimeout } = this.#options;
    try {
      this.#connection.send(pending.frame, {
        onSent: () => {
          if (this.#pending.get(ack) !== pending) return;
          pending.cancelTimeout = startTimer(clock, ackTimeout, () =>
            this.#fail(ack, "timeout", "No ack in time."),
          );
        },
        onDrop: (reason) => this.#fail(ack, reason, `Dropped from the outgoing queue (${reason}).`),
      });
    } catch (error) {
      // The connection cannot send at all (its queue is off and it is not open).
      this.#fail(ack, "rejected", "Not open, and the queue is off.", error);
    }
  }

  /** Rejects a pending publish with why it was not acknowledged; false when it had ended already. */
  #fail(ack: string, code: PublishErrorCode, message: string, cause?: unknown): boolean {
    const pending = this.#take(ack);
    pending?.reject(new PublishError(code, message, { channel: pending.channel, cause }));
    return pending !== undefined;
  }

  /** Ends a pending publish, once: it is taken out; undefined when it had ended already. */
  #take(ack: string): Pending | undefined {
    const pending = this.#pending.get(ack);
    this.#pending.delete(ack);
    pending?.cancelTimeout?.();
    return pending;
  }
}
