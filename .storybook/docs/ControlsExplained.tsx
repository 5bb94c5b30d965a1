/**
 * What each playground control does to the connection, and what to watch for: the same panel sits
 * above every story, so every page explains it the same way.
 */
const CONTROLS: ReadonlyArray<readonly [control: string, does: string, watch: string]> = [
  [
    "Drop connection",
    "kills every socket and stream of the in-memory server, as a network drop or a server restart would",
    "the status turns Reconnecting…, the banner counts down to the next attempt (Retry now skips the wait), then Live again, resuming from the last message id with no gap and no repeat",
  ],
  [
    "Hide page / Show page",
    "tells the connection the tab went to the background (visibilitychange), then came back",
    "after a one-second grace it pauses (no socket held open for nobody); on show it reconnects at once and replays what it missed",
  ],
  [
    "Go offline / Go online",
    "fires the browser's offline and online events",
    "it pauses at once instead of burning retries on a dead network, and reconnects the moment the network is back",
  ],
  [
    "Latency (ms)",
    "adds this one-way delay to every frame between the page and the in-memory server",
    "slower opens, and published messages show as sending until the server acknowledges them",
  ],
  [
    "Messages per second",
    "how fast the server publishes",
    "lists and charts keep up without a render per message: renders are batched per animation frame",
  ],
];

export function ControlsExplained() {
  return (
    <table>
      <thead>
        <tr>
          <th>control</th>
          <th>what it does</th>
          <th>what to watch</th>
        </tr>
      </thead>
      <tbody>
        {CONTROLS.map(([control, does, watch]) => (
          <tr key={control}>
            <td>
              <strong>{control}</strong>
            </td>
            <td>{does}</td>
            <td>{watch}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
