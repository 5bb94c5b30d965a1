export { binaryChannelProtocol } from "./binaryChannelProtocol.js";
export type { ChannelClientOptions } from "./channelClient.js";
export { ChannelClient } from "./channelClient.js";
export type { ChannelProtocolErrorCode, PublishErrorCode } from "./channelErrors.js";
export { ChannelProtocolError, ChannelServerError, PublishError } from "./channelErrors.js";
export type { ChannelExtension } from "./channelExtension.js";
export type { ChannelProtocol } from "./channelProtocol.js";
export { jsonChannelProtocol } from "./channelProtocol.js";
export type {
  ChannelEvent,
  ChannelSource,
  ChannelSubscriber,
  SubscribeOptions,
} from "./channelSource.js";
export { channelSubscription } from "./channelSubscription.js";
export type { Clock } from "./clock.js";
export { systemClock } from "./clock.js";
export { Connection } from "./connection.js";
export type { ConnectionLease, ConnectionManagerOptions } from "./connectionManager.js";
export { ConnectionManager, getDefaultConnectionManager } from "./connectionManager.js";
export type {
  ConnectionOptions,
  ConnectionSnapshot,
  ConnectionStatus,
} from "./connectionOptions.js";
export { IDLE_CONNECTION_SNAPSHOT } from "./connectionOptions.js";
export type { AuthHook } from "./credentials.js";
export type {
  Attachment,
  ConnectionEnvironment,
  ConnectionSettings,
  Endpoint,
} from "./endpoint.js";
export type { ConnectionErrorCode } from "./errors.js";
export { ConnectionError, WirekitError } from "./errors.js";
export type {
  EventSourceConstructor,
  EventSourceTransport,
  EventSourceTransportOptions,
} from "./eventSourceTransport.js";
export { eventSourceTransport } from "./eventSourceTransport.js";
export type { EventStreamChannelsOptions } from "./eventStreamChannels.js";
export { EventStreamChannels, eventStreamChannels } from "./eventStreamChannels.js";
export type { EventStreamEndpointOptions } from "./eventStreamEndpoint.js";
export { eventStreamEndpoint, streamPosition } from "./eventStreamEndpoint.js";
// The class is exported by `@wirekit/core/event-source`, with the parser that makes it: exported
// here, it would load with every app, since FetchEventSource shares it.
export type { EventStreamParseError, EventStreamParseErrorCode } from "./eventStreamParseError.js";
export type { Dynamic } from "./eventStreamSession.js";
export { scheduleFrame } from "./frameScheduler.js";
export type { Heartbeat, HeartbeatOptions } from "./heartbeat.js";
export { heartbeat } from "./heartbeat.js";
export type { ProbeOptions, SessionProbe } from "./liveness.js";
export { MessageError } from "./messageError.js";
export type {
  DropReason,
  Frame,
  OutboxOptions,
  OutgoingQueueOptions,
  Pace,
  QueueFullPolicy,
  SendHandlers,
} from "./outbox.js";
export { Outbox } from "./outbox.js";
export type { PageLifecycle, PageSignal } from "./pageLifecycle.js";
export { createBrowserPageLifecycle } from "./pageLifecycle.js";
export type { PresenceHandle, PresenceMember, PresenceView } from "./presenceClient.js";
export { EMPTY_PRESENCE_VIEW, PresenceClient } from "./presenceClient.js";
export type { PresenceObserverOptions } from "./presenceObserver.js";
export { PresenceObserver } from "./presenceObserver.js";
export type { ChannelErrorCode, ClientFrame, ServerFrame } from "./protocol.js";
export {
  CHANNEL_SUBPROTOCOL,
  CLOSE_CODES,
  compareIds,
  isMessageId,
  isNewerId,
  STREAM_ERROR_EVENT,
  STREAM_EXPIRED_EVENT,
  STREAM_EXPIRING_EVENT,
  STREAM_GAP_EVENT,
  STREAM_POSITION_EVENT,
} from "./protocol.js";
export type {
  Delivery,
  MessageInfo,
  OpenSource,
  Parse,
  RealtimeError,
  RealtimeObserverOptions,
  RealtimeSnapshot,
  RealtimeSource,
  SourceSink,
  Subscription,
} from "./realtimeObserver.js";
export { IDLE_REALTIME_SNAPSHOT, RealtimeObserver } from "./realtimeObserver.js";
export type {
  BackoffOptions,
  RetryDecision,
  RetryDelay,
  RetryDelayContext,
  ShouldRetry,
} from "./retry.js";
export {
  AUTH_CLOSE_CODES,
  exponentialBackoff,
  FATAL_CLOSE_CODES,
  FATAL_HTTP_STATUSES,
  retryByCloseCode,
  retryByHttpStatus,
  shouldRetry,
} from "./retry.js";
export type { StandardSchema } from "./standardSchema.js";
export { json } from "./standardSchema.js";
export { streamSource } from "./streamSource.js";
export { MAX_TIMER_DELAY } from "./timers.js";
export type { SendRate } from "./tokenBucket.js";
export { TokenBucket } from "./tokenBucket.js";
export type {
  Transport,
  TransportCallbacks,
  TransportMessage,
  TransportSession,
} from "./transport.js";
export type { VisibilityPolicy } from "./visibility.js";
export { Watchdog } from "./watchdog.js";
export type { WebSocketChannelSource, WebSocketChannelsOptions } from "./webSocketChannels.js";
export { webSocketChannels } from "./webSocketChannels.js";
export type { WebSocketEndpointOptions } from "./webSocketEndpoint.js";
export { webSocketEndpoint } from "./webSocketEndpoint.js";
export type {
  WebSocketConstructor,
  WebSocketLike,
  WebSocketTransportOptions,
} from "./webSocketTransport.js";
export { webSocketTransport } from "./webSocketTransport.js";
