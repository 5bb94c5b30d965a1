export type {
  Authenticate,
  Authenticated,
  Authorize,
  AuthRefusal,
  ChannelAction,
  ServerAuth,
} from "./auth.js";
export type {
  Broker,
  BrokerGap,
  BrokerMessage,
  ReplayResult,
  SubscribeOptions,
} from "./broker.js";
export { compareIds, isMessageId } from "./broker.js";
export type {
  ChannelErrorCode,
  ClientFrame,
  PresenceMember,
  ServerFrame,
} from "./channelFrames.js";
export { decodeClientFrame, encodeServerFrame } from "./channelFrames.js";
export { presenceMemberId } from "./channelPresence.js";
export type {
  ChannelConnection,
  ChannelServer,
  ChannelServerCounts,
  ChannelServerOptions,
} from "./channelServer.js";
export { CHANNEL_SUBPROTOCOL, createChannelServer } from "./channelServer.js";
export type { ServerErrorCode } from "./errors.js";
export { WirekitServerError } from "./errors.js";
export type { EventStreamHandler, EventStreamHandlerOptions } from "./eventStreamHandler.js";
export { createEventStreamHandler } from "./eventStreamHandler.js";
export type { Journal, JournalOptions } from "./fileJournal.js";
export { openJournal } from "./fileJournal.js";
export type { MemoryBrokerOptions } from "./memoryBroker.js";
export { createMemoryBroker } from "./memoryBroker.js";
export { createMemoryPresence } from "./memoryPresence.js";
export type { AllowedOrigins } from "./originPolicy.js";
export { isOriginAllowed } from "./originPolicy.js";
export type { PresenceOptions } from "./presenceOptions.js";
export type { PresenceChange, PresenceStore, PresenceWatcher } from "./presenceStore.js";
export type { RateLimit, RateVerdict } from "./rateLimiter.js";
export { createRateLimiter } from "./rateLimiter.js";
