export type {
  FakeChannelMessage,
  FakeChannelPublish,
  FakeChannelServer,
  FakeChannelServerOptions,
} from "./fakeChannelServer.js";
export { createFakeChannelServer } from "./fakeChannelServer.js";
export type { FakeEventSourceEventMap, FakeEventSourceInit } from "./fakeEventSource.js";
export { FakeEventSource } from "./fakeEventSource.js";
export type {
  FakeCloseEvent,
  FakeEvent,
  FakeEventHandler,
  FakeEventTarget,
  FakeListener,
  FakeMessageEvent,
} from "./fakeEventTarget.js";
export type { FakeFetch } from "./fakeFetch.js";
export type { FakeServer, FakeServerMessage, FakeServerOptions } from "./fakeServer.js";
export { createFakeServer } from "./fakeServer.js";
export type { FakeCloseInfo, FakeServerSocket } from "./fakeServerSocket.js";
export type { FakeServerEvent, FakeServerResponse, FakeServerStream } from "./fakeServerStream.js";
export type { FakeWebSocketEventMap, FakeWebSocketInit } from "./fakeWebSocket.js";
export { FakeWebSocket } from "./fakeWebSocket.js";
export type { PageLifecycleControls } from "./pageLifecycleControls.js";
export { createPageLifecycleControls } from "./pageLifecycleControls.js";
export { seededRandom } from "./seededRandom.js";
export type { VirtualClock } from "./virtualClock.js";
export { createVirtualClock } from "./virtualClock.js";
export type { GlobalsWatch } from "./watchGlobals.js";
export { watchGlobals } from "./watchGlobals.js";
