export type { PageLifecycleControls } from "./pageLifecycleControls.js";
export { createPageLifecycleControls } from "./pageLifecycleControls.js";
export type { VirtualClock } from "./virtualClock.js";
export { createVirtualClock } from "./virtualClock.js";
