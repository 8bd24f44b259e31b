/**
 * Reading a request body with a cap, for the routes on the bot's HTTP server that verify a signature
 * over the exact bytes (RealtimeKit webhooks, Discord interactions).
 */
import type { IncomingMessage } from 'node:http';

/** Past this much, an oversized body is no longer read to its end: the connection is cut. */
const MAX_DISCARDED_BYTES = 1024 * 1024;

/**
 * The body, or 'too-large' past `max` bytes. A declared Content-Length over the limit is refused without
 * reading; an undeclared one is read to its end (kept up to `max`) so the answer reaches the sender,
 * unless it runs past MAX_DISCARDED_BYTES, when the connection is cut ('aborted', as when the sender
 * goes away mid-body: there is no one left to answer).
 */
export async function readBody(
  request: IncomingMessage,
  max: number,
): Promise<Buffer | 'too-large' | 'aborted'> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) {
    request.resume();
    return 'too-large';
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of request) {
      const buffer = chunk as Buffer;
      size += buffer.length;
      if (size <= max) chunks.push(buffer);
      else if (size > MAX_DISCARDED_BYTES) {
        request.destroy();
        return 'aborted';
      }
    }
  } catch {
    return 'aborted'; // the sender went away mid-body
  }
  return size > max ? 'too-large' : Buffer.concat(chunks);
}
