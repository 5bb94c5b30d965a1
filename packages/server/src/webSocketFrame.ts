/**
 * One whole WebSocket frame as a server sends it (RFC 6455 section 5.2: FIN set, no mask, no
 * extension bits): a text frame for a string, a binary frame for bytes.
 *
 * Written to the connection's socket as it is, one frame serves every subscriber of a message.
 * `ws.send` would frame the payload again for each socket (a header buffer and two writes); `ws`
 * has a static `Sender.frame`, but no public way to write its result, and the private one
 * (`_sender.sendFrame`) may change in any release, while this layout cannot.
 */
export function webSocketFrame(payload: string | Uint8Array): Buffer {
  const text = typeof payload === "string";
  const length = text ? Buffer.byteLength(payload) : payload.byteLength;
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x80 | (text ? 0x1 : 0x2);
  if (header === 2) {
    frame[1] = length;
  } else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  if (text) frame.write(payload, header);
  else frame.set(payload, header);
  return frame;
}
