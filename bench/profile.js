// Runs only one side of one benchmark in a loop, for a profiler:
//   node --cpu-prof --cpu-prof-dir=.cpuprofile bench/profile.js parser tokens
//   node --cpu-prof --cpu-prof-dir=.cpuprofile bench/profile.js source small
// Arguments: what (`parser` | `source`, default `parser`), workload (`small` | `large` |
// `tokens`, default `small`), side (`ours` | `theirs`, default `ours`), rounds (default 30).

import { PARSERS, SOURCES } from "./contenders.js";
import { largeJsonEvents, llmTokenEvents, smallJsonEvents } from "./workloads.js";

const [what = "parser", key = "small", side = "ours", rounds = "30"] = process.argv.slice(2);
const makers = { small: smallJsonEvents, large: largeJsonEvents, tokens: llmTokenEvents };
if (!(key in makers) || (what !== "parser" && what !== "source")) {
  throw new Error(
    `usage: bench/profile.js [parser|source] [small|large|tokens] [ours|theirs] [rounds]`,
  );
}
if (side !== "ours" && side !== "theirs") throw new Error(`unknown side ${side}`);
const workload = makers[/** @type {keyof typeof makers} */ (key)]();
const contender = (what === "parser" ? PARSERS : SOURCES)[side];

let total = 0;
for (let round = 0; round < Number(rounds); round++) {
  const result = await contender.run(workload.chunks);
  if (result.events !== workload.events) throw new Error(`got ${result.events} events`);
  total += result.ms;
}
console.log(
  `${contender.name} on ${key}: ${(total / Number(rounds)).toFixed(1)} ms per run, ${rounds} runs`,
);
