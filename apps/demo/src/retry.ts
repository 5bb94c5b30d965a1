import { exponentialBackoff } from "@wirekit/core";

/**
 * The demo's server is on this machine, so it retries sooner than the default (full jitter over
 * 1 s, doubling to 5 s, instead of 4 s to 30 s): a restarted server has its clients back within
 * seconds. Keep the defaults for a server many clients share.
 */
export const demoRetryDelay = exponentialBackoff({ initialDelay: 1000, maxDelay: 5000 });
