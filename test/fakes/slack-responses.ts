/**
 * Stands in for Slack's response_url endpoint: each slash command a test sends gets its own
 * `http://127.0.0.1:PORT/commands/<id>` URL, and `next(id)` resolves with the JSON the bot posted there.
 * `fail(id, status)` makes the next post to that URL fail, as an expired or refused response_url would.
 */
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedResponse {
  id: string;
  body: Record<string, unknown>;
  status: number;
  contentType: string | undefined;
  at: number;
}

export interface ResponseRecorder {
  urlFor(id: string): string;
  readonly responses: RecordedResponse[];
  /** Resolves with the `n`-th (1-based, default 1) response posted for `id`, past or future. */
  next(id: string, n?: number, timeoutMs?: number): Promise<RecordedResponse>;
  /** The next post for `id` is answered with this status (Slack says 404 for an expired URL). */
  fail(id: string, status: number): void;
  close(): Promise<void>;
}

export async function startResponseRecorder(): Promise<ResponseRecorder> {
  const responses: RecordedResponse[] = [];
  const failures = new Map<string, number[]>();
  const waiters = new Set<() => void>();
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const id = decodeURIComponent((req.url ?? '').replace(/^\/commands\//, ''));
      const status = failures.get(id)?.shift() ?? 200;
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        body = { unparsable: Buffer.concat(chunks).toString('utf8') };
      }
      responses.push({ id, body, status, contentType: req.headers['content-type'], at: Date.now() });
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status === 200 ? 'ok' : 'failed');
      for (const waiter of waiters) waiter();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    urlFor: (id) => `http://127.0.0.1:${port}/commands/${encodeURIComponent(id)}`,
    responses,
    next(id, n = 1, timeoutMs = 5_000) {
      const find = () => responses.filter((r) => r.id === id)[n - 1];
      const found = find();
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = () => {
          const hit = find();
          if (!hit) return;
          waiters.delete(waiter);
          clearTimeout(timer);
          resolve(hit);
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no response #${n} for ${id} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    fail(id, status) {
      failures.set(id, [...(failures.get(id) ?? []), status]);
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
