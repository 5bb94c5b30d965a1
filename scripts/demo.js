// `npm run demo` will start the reference server and the demo app (an SSE dashboard and a
// WebSocket chat) in one command. They land with the reference server; until then this says so.
console.error(
  [
    "The wirekit demo (SSE dashboard + WebSocket chat) is not in this version yet:",
    "it arrives with @wirekit/server. What exists today is @wirekit/core's",
    "createEventStreamParser and FetchEventSource; see README.md, and run `npm test`.",
  ].join("\n"),
);
process.exitCode = 1;
