/**
 * Streaming UTF-8 decoding, done as whole-buffer decodes: a character cut off at the end of a
 * chunk is held back and decoded with the next one. The output is what a streaming decoder
 * gives, and a whole-buffer decode is several times faster than `{ stream: true }` in V8/Node.
 */
export class Utf8Chunks {
  #decoder: TextDecoder | undefined;
  // The bytes of a character cut off at the end of the last chunk.
  #held: Uint8Array | undefined;

  /** The text of `chunk`, up to the last character it completes. */
  decode(chunk: Uint8Array): string {
    let bytes = chunk;
    if (this.#held !== undefined) {
      bytes = new Uint8Array(this.#held.length + chunk.length);
      bytes.set(this.#held);
      bytes.set(chunk, this.#held.length);
      this.#held = undefined;
    }
    const complete = completeCharacters(bytes);
    if (complete < bytes.length) this.#held = bytes.slice(complete);
    if (complete === 0) return "";
    return this.#text(complete === bytes.length ? bytes : bytes.subarray(0, complete));
  }

  /**
   * Text arrives after bytes: the held bytes of a character the stream never finished become
   * U+FFFD, as a streaming decoder flushes them, followed by `text`.
   */
  append(text: string): string {
    const bytes = this.#held;
    if (bytes === undefined) return text;
    this.#held = undefined;
    return this.#text(bytes) + text;
  }

  /** Forgets a held partial character: the stream ended. */
  reset(): void {
    this.#held = undefined;
  }

  #text(bytes: Uint8Array): string {
    // ignoreBOM keeps the decoder from eating a BOM: the parser strips exactly one itself, for
    // text and bytes alike (a second BOM must survive: WPT format-bom-2).
    this.#decoder ??= new TextDecoder("utf-8", { ignoreBOM: true });
    return this.#decoder.decode(bytes);
  }
}

/**
 * The bytes of a chunk, or undefined when it is not bytes. Bytes from another realm (an iframe,
 * jsdom's TextEncoder, a vm context) fail `instanceof`; they are still bytes.
 */
export function bytesOf(chunk: unknown): Uint8Array | undefined {
  if (chunk instanceof Uint8Array) return chunk;
  if (ArrayBuffer.isView(chunk)) {
    return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
  if (
    chunk instanceof ArrayBuffer ||
    Object.prototype.toString.call(chunk) === "[object ArrayBuffer]"
  ) {
    return new Uint8Array(chunk as ArrayBuffer);
  }
  return undefined;
}

/**
 * How many bytes of `bytes` end on a character boundary: all of them, unless the last UTF-8
 * sequence is shorter than its lead byte announces. Only a sequence that could still complete is
 * cut; invalid bytes decode to U+FFFD the same whichever chunk they are decoded in.
 */
function completeCharacters(bytes: Uint8Array): number {
  const length = bytes.length;
  const last = length - 1;
  if (last < 0 || (bytes[last] as number) < 0x80) return length;
  // Walk back over up to three continuation bytes (10xxxxxx) to the sequence's lead byte.
  let lead = last;
  while (lead > last - 3 && lead > 0 && ((bytes[lead] as number) & 0xc0) === 0x80) lead--;
  const byte = bytes[lead] as number;
  const announced = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
  return length - lead >= announced ? length : lead;
}
