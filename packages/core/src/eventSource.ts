// `@wirekit/core/event-source`: FetchEventSource, the event-stream parser under it with its
// error, and the browser's retry rules it follows. An entry of its own, so that only an app that
// imports it carries them: a stream that needs headers, a method or a body is given the class.

export { eventSourceShouldRetry, parseRetryAfter, reconnectionDelay } from "./eventSourceRetry.js";
export type {
  EventSourceMembers,
  FetchEventSourceErrorEvent,
  FetchEventSourceEvent,
  FetchEventSourceEventMap,
  FetchEventSourceListener,
  FetchEventSourceMessageEvent,
} from "./eventSourceTarget.js";
export type { EventStreamParseErrorCode } from "./eventStreamParseError.js";
export { EventStreamParseError } from "./eventStreamParseError.js";
export type {
  EventStreamMessage,
  EventStreamParser,
  EventStreamParserHandlers,
  EventStreamParserOptions,
} from "./eventStreamParser.js";
export { createEventStreamParser, DEFAULT_MAX_EVENT_SIZE } from "./eventStreamParser.js";
export type { FetchEventSourceInit } from "./fetchEventSource.js";
export { FetchEventSource } from "./fetchEventSource.js";
