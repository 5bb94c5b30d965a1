// `npm run demo` will start the reference server and the demo app (an SSE dashboard and a
// WebSocket chat) in one command. The app is not in this version yet; until it is, this says so.
console.error(
  [
    "The wirekit demo app (SSE dashboard + WebSocket chat) is not in this version yet.",
    "What exists: @wirekit/core, @wirekit/react, @wirekit/testing and @wirekit/server;",
    "see README.md, and run `npm test`.",
  ].join("\n"),
);
process.exitCode = 1;
