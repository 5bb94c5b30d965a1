export type {
  EventSourceErrorCode,
  EventStreamParseErrorCode,
} from "./errors.js";
export { EventSourceError, EventStreamParseError } from "./errors.js";
export type {
  EventStreamMessage,
  EventStreamParser,
  EventStreamParserHandlers,
  EventStreamParserOptions,
} from "./eventStreamParser.js";
export { createEventStreamParser, DEFAULT_MAX_EVENT_SIZE } from "./eventStreamParser.js";
export type {
  FetchEventSourceErrorEvent,
  FetchEventSourceEvent,
  FetchEventSourceEventMap,
  FetchEventSourceInit,
  FetchEventSourceListener,
  FetchEventSourceMessageEvent,
} from "./fetchEventSource.js";
export { FetchEventSource } from "./fetchEventSource.js";
export type { RetryContext, RetryPolicy, RetryPolicyOptions } from "./retryPolicy.js";
export { createRetryPolicy, parseRetryAfter } from "./retryPolicy.js";
export type { Clock } from "./clock.js";
export { systemClock } from "./clock.js";
export type { PageLifecycle, PageSignal } from "./pageLifecycle.js";
export { createBrowserPageLifecycle } from "./pageLifecycle.js";
