/**
 * A fake Socket Mode endpoint: the URL that `apps.connections.open` hands out. It greets each
 * connection with `hello` (which is what makes Bolt's start() resolve), delivers envelopes, and
 * resolves each delivery with the client's ack `{ envelope_id, payload }`.
 * Mind pitfall S5: wait for `closed` before closing the server, or the client's close handshake hangs 30 s.
 */
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

export interface SocketAck {
  envelope_id: string;
  payload?: unknown;
  at: number;
}

export interface FakeSocketModeServer {
  /** `ws://127.0.0.1:PORT/socket?ticket=…` */
  readonly url: string;
  /** Resolves when a client has connected and was sent `hello`. */
  readonly connected: Promise<void>;
  /** Resolves when the client's connection has closed (after its close handshake). */
  readonly closed: Promise<void>;
  /** Sends an envelope to the connected client; resolves with its ack. */
  deliver(args: {
    type: string;
    payload: unknown;
    envelopeId?: string;
    retryAttempt?: number;
  }): Promise<SocketAck>;
  close(): Promise<void>;
}

let envelopes = 0;

export async function startFakeSocketModeServer(): Promise<FakeSocketModeServer> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/socket' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const pending = new Map<string, (ack: SocketAck) => void>();
  let client: WebSocket | null = null;
  let markConnected: () => void = () => {};
  let markClosed: () => void = () => {};
  const connected = new Promise<void>((resolve) => {
    markConnected = resolve;
  });
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });

  server.on('connection', (socket) => {
    client = socket;
    socket.on('message', (data) => {
      let message: { envelope_id?: unknown; payload?: unknown };
      try {
        message = JSON.parse(String(data)) as typeof message;
      } catch {
        return;
      }
      if (typeof message.envelope_id !== 'string') return;
      const resolve = pending.get(message.envelope_id);
      pending.delete(message.envelope_id);
      resolve?.({ envelope_id: message.envelope_id, payload: message.payload, at: Date.now() });
    });
    socket.on('close', () => markClosed());
    socket.send(
      JSON.stringify({
        type: 'hello',
        num_connections: 1,
        debug_info: { host: 'fake', approximate_connection_time: 3600 },
        connection_info: { app_id: 'A0FAKE' },
      }),
    );
    markConnected();
  });

  return {
    url: `ws://127.0.0.1:${port}/socket?ticket=fake-ticket`,
    connected,
    closed,
    deliver({ type, payload, envelopeId, retryAttempt }) {
      if (!client) return Promise.reject(new Error('no Socket Mode client is connected'));
      envelopes += 1;
      const id = envelopeId ?? `env-${envelopes}`;
      const acked = new Promise<SocketAck>((resolve) => pending.set(id, resolve));
      client.send(
        JSON.stringify({
          envelope_id: id,
          type,
          payload,
          accepts_response_payload: true,
          ...(retryAttempt !== undefined ? { retry_attempt: retryAttempt, retry_reason: 'timeout' } : {}),
        }),
      );
      return acked;
    },
    async close() {
      for (const socket of server.clients) socket.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
