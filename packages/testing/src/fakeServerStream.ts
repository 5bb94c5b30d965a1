import type { EventSourceClientEnd, EventSourceRequest } from "./fakeEventSource.js";

/** One event for `stream.event`. */
export interface FakeServerEvent {
  data: string;
  /** The event type; "" or none is `message`. */
  event?: string;
  /** Becomes the client's last event id, sent back as `Last-Event-ID` when it reconnects. */
  id?: string;
}

/** The response head for `stream.respond`. */
export interface FakeServerResponse {
  /** @default 200 */
  status?: number;
  /** @default "text/event-stream" */
  contentType?: string;
}

/**
 * The server's end of one event-stream request, handed to `server.onRequest` handlers. Unless the
 * handler answers otherwise (`respond`, `fail`), the stream opens when the handler returns.
 */
export interface FakeServerStream {
  /** The URL the client requested. */
  readonly url: string;
  /** The `Last-Event-ID` the client sent: "" when it sent none. */
  readonly lastEventId: string;
  readonly withCredentials: boolean;
  /** The request method: always "GET" from an `EventSource`; `server.fetch` sends any. */
  readonly method: string;
  /**
   * The request headers, names in lower case: `{}` from an `EventSource`, whose browser headers
   * are not modelled; what the client set through `server.fetch`.
   */
  readonly headers: Readonly<Record<string, string>>;
  /** The request body as text: "" when there is none. */
  readonly body: string;
  /** True once the response is over, however it ended. */
  readonly closed: boolean;
  /** Sends one event. */
  event(event: FakeServerEvent): void;
  /** Sends a comment, as servers do to keep a connection alive; an `EventSource` ignores it. */
  comment(text?: string): void;
  /** Sets the client's reconnection time, in milliseconds. */
  retry(milliseconds: number): void;
  /** Ends the response; the client reconnects after its reconnection time. */
  end(): void;
  /** Kills the connection: what is in flight is lost; the client reconnects, as after `end()`. */
  drop(): void;
  /**
   * Answers with this status and content type: in the `onRequest` handler, or later after
   * `hold()`. Anything but a 200 `text/event-stream` fails the connection: the client closes for
   * good. Throws if the request was answered already.
   */
  respond(response?: FakeServerResponse): void;
  /** Answers with a failing status, as `respond({ status })`: 204 is how a server says "stop". */
  fail(status: number): void;
  /** Calls `listener` once the response is over. Returns an unsubscribe. */
  onClose(listener: () => void): () => void;
  /**
   * Leaves the request unanswered when the handler returns, as a server that accepts the
   * connection and never sends headers: the client stays CONNECTING. Call the returned function
   * to open the stream, or answer later with `respond`, `fail`, `event` or `drop`.
   */
  hold(): () => void;
}

/** What a stream needs from its server. */
export interface ServerStreamWiring {
  /** Runs `arrive` once the latency has passed. */
  deliver(arrive: () => void): void;
  closed(): void;
}

/**
 * The implementation, with the methods the server calls: `handled` once the `onRequest` handlers
 * have returned, and `receiveAbort` when the client's abort arrives.
 */
export class ServerStream implements FakeServerStream {
  readonly url: string;
  readonly lastEventId: string;
  readonly withCredentials: boolean;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  #state: "unanswered" | "open" | "closed" = "unanswered";
  #answered = false;
  #held = false;
  #dropped = false;
  readonly #client: EventSourceClientEnd;
  readonly #wiring: ServerStreamWiring;
  readonly #closeListeners = new Set<() => void>();

  constructor(
    request: EventSourceRequest,
    client: EventSourceClientEnd,
    wiring: ServerStreamWiring,
  ) {
    this.url = request.url;
    this.lastEventId = request.lastEventId;
    this.withCredentials = request.withCredentials;
    this.method = request.method ?? "GET";
    this.headers = request.headers ?? {};
    this.body = request.body ?? "";
    this.#client = client;
    this.#wiring = wiring;
  }

  get closed(): boolean {
    return this.#state === "closed";
  }

  respond({ status = 200, contentType = "text/event-stream" }: FakeServerResponse = {}): void {
    if (this.#answered) {
      throw new Error("FakeServerStream.respond: this request was already answered.");
    }
    // The client went away first: nobody hears the answer.
    if (this.#state === "closed") return;
    this.#answered = true;
    if (status === 200 && isEventStream(contentType)) {
      this.#state = "open";
      this.#toClient((client) => client.open());
      return;
    }
    this.#close();
    this.#toClient((client) => client.fail({ status, contentType }));
  }

  fail(status: number): void {
    if (status === 200) {
      throw new RangeError(
        "FakeServerStream.fail: 200 opens the stream; pass a failing status such as 204 or 503, or use respond() for a wrong content type.",
      );
    }
    this.respond({ status });
  }

  event({ data, event = "", id }: FakeServerEvent): void {
    this.#write((client) => client.event(event === "" ? "message" : event, data, id));
  }

  comment(_text?: string): void {
    this.#write(() => {});
  }

  retry(milliseconds: number): void {
    // The field carries ASCII digits only.
    if (!Number.isInteger(milliseconds) || milliseconds < 0) {
      throw new RangeError("FakeServerStream.retry: pass a whole number of milliseconds ≥ 0.");
    }
    this.#write((client) => client.retry(milliseconds));
  }

  end(): void {
    if (this.#state === "closed") return;
    this.#open();
    this.#close();
    this.#toClient((client) => client.lost("ended"));
  }

  drop(): void {
    if (this.#state === "closed") return;
    this.#dropped = true;
    this.#close();
    this.#wiring.deliver(() => this.#client.lost("network"));
  }

  onClose(listener: () => void): () => void {
    this.#closeListeners.add(listener);
    return () => {
      this.#closeListeners.delete(listener);
    };
  }

  hold(): () => void {
    if (this.#state === "unanswered") this.#held = true;
    return () => this.#open();
  }

  handled(): void {
    if (!this.#held) this.#open();
  }

  receiveAbort(): void {
    if (this.#state !== "closed") this.#close();
  }

  #write(arrive: (client: EventSourceClientEnd) => void): void {
    if (this.#state === "closed") return;
    this.#open();
    this.#toClient(arrive);
  }

  /** Sends the response head, unless the request was answered already. */
  #open(): void {
    if (this.#state === "unanswered") this.respond();
  }

  #toClient(arrive: (client: EventSourceClientEnd) => void): void {
    // What was in flight when the connection was dropped never arrives.
    this.#wiring.deliver(() => {
      if (!this.#dropped) arrive(this.#client);
    });
  }

  #close(): void {
    this.#state = "closed";
    this.#wiring.closed();
    for (const listener of [...this.#closeListeners]) listener();
  }
}

/** The MIME type's essence, before any parameters, compared case-insensitively (SSE-SPEC 13). */
function isEventStream(contentType: string): boolean {
  const semicolon = contentType.indexOf(";");
  const essence = semicolon === -1 ? contentType : contentType.slice(0, semicolon);
  return essence.trim().toLowerCase() === "text/event-stream";
}
