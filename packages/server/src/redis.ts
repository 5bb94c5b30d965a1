export type { RedisBroker, RedisBrokerOptions } from "./redisBroker.js";
export { createRedisBroker } from "./redisBroker.js";
