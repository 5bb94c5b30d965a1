// What one line of an event stream names: a field the parser knows, and where its value starts.
// Names are matched char by char: cheaper than finding the colon first, and exact, since a name
// must be followed by ":" or the line end ("database: x" is no "data").

export const LF = 0x0a;
export const COLON = 0x3a;
export const LOWER_D = 0x64; // data
export const LOWER_E = 0x65; // event
export const LOWER_I = 0x69; // id
export const LOWER_R = 0x72; // retry
const SPACE = 0x20;
const LOWER_A = 0x61;
const LOWER_T = 0x74;

// What an unfinished line turns out to be, as far as its first characters tell.
export const UNDECIDED = 0;
export const EVENT_FIELD = 1; // `data`, `event` or `id`: it becomes part of the event being built
export const OTHER_LINE = 2; // a comment, `retry` or an unknown field

/**
 * Where the name of a known field (`data`, `id`, `event`, `retry`) that opens the line at `start`
 * would end, or -1 when the line opens with none of them. Whether the name really ends there is
 * `valueAfterName`'s to say. Reading past the line end is safe: the character there is the line
 * end, which matches no letter.
 */
export function knownNameEnd(source: string, start: number): number {
  switch (source.charCodeAt(start)) {
    case LOWER_D:
      return source.charCodeAt(start + 1) === LOWER_A &&
        source.charCodeAt(start + 2) === LOWER_T &&
        source.charCodeAt(start + 3) === LOWER_A
        ? start + 4
        : -1;
    case LOWER_I:
      return source.charCodeAt(start + 1) === LOWER_D ? start + 2 : -1;
    case LOWER_E:
      return source.startsWith("vent", start + 1) ? start + 5 : -1;
    case LOWER_R:
      return source.startsWith("etry", start + 1) ? start + 5 : -1;
    default:
      return -1;
  }
}

/**
 * Where the value starts when a field name ends at `nameEnd`: after the colon and one optional
 * space, or at the line end for a line without a colon. -1 when the name goes on, i.e. the line
 * holds some other field.
 */
export function valueAfterName(source: string, nameEnd: number, end: number): number {
  if (nameEnd === end) return end;
  if (source.charCodeAt(nameEnd) !== COLON) return -1;
  const valueStart = nameEnd + 1;
  return valueStart < end && source.charCodeAt(valueStart) === SPACE ? valueStart + 1 : valueStart;
}

/**
 * Whether an unfinished line (never empty) will join the event being built. Its kind is settled
 * once it goes past a field name: `data`, `event` or `id` followed by a colon; a line that ends
 * right after the name is that field too, which is why a bare name is still undecided.
 */
export function partialLineKind(
  line: string,
): typeof UNDECIDED | typeof EVENT_FIELD | typeof OTHER_LINE {
  for (const name of ["data", "id", "event"]) {
    if (line.startsWith(`${name}:`)) return EVENT_FIELD;
    if (name.startsWith(line)) return UNDECIDED;
  }
  return OTHER_LINE;
}
