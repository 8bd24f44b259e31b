/** Turns for post-ack work: replies ready at the same moment go out one per event-loop iteration. */
import { once } from 'node:events';
import { type AddressInfo, createServer, connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createTurns } from '../../adapters/slack/turns.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A connected TCP pair on 127.0.0.1: what the client writes arrives as I/O on the server side. */
async function socketPair(): Promise<{ client: Socket; server: Socket }> {
  const listener = createServer();
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const accepted = once(listener, 'connection') as Promise<[Socket]>;
  const client = connect((listener.address() as AddressInfo).port, '127.0.0.1');
  const [[server]] = await Promise.all([accepted, once(client, 'connect')]);
  cleanups.push(() => {
    client.destroy();
    server.destroy();
    listener.close();
  });
  return { client, server };
}

/** CPU work standing in for rendering a reply and starting its HTTP request. */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

describe('createTurns', () => {
  it('lets pending I/O run between two turns, and keeps their order', async () => {
    const { client, server } = await socketPair();
    const takeTurn = createTurns();
    const order: string[] = [];
    const read = new Promise<void>((resolve) =>
      server.once('data', () => {
        order.push('request read');
        resolve();
      }),
    );
    const replies = Array.from({ length: 30 }, async (_, i) => {
      await takeTurn();
      order.push(`reply ${i}`);
      if (i === 0) client.write('x'); // a new request arrives while replies are going out
      busy(2);
    });
    await Promise.all(replies);
    await read;
    expect(order.filter((o) => o.startsWith('reply'))).toEqual(
      Array.from({ length: 30 }, (_, i) => `reply ${i}`),
    );
    // Without turns the 30 replies would run in one go and the request would be read after all of them.
    expect(order.indexOf('request read')).toBeGreaterThan(0);
    expect(order.indexOf('request read')).toBeLessThan(10);
  });

  it('gives a turn at once when nothing else waits, and keeps working after going idle', async () => {
    const takeTurn = createTurns();
    await takeTurn();
    await takeTurn();
    const both = await Promise.all([takeTurn().then(() => 'a'), takeTurn().then(() => 'b')]);
    expect(both).toEqual(['a', 'b']);
  });
});
