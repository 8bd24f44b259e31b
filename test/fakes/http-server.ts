/**
 * A tiny scripted HTTP server for tests: listens on 127.0.0.1, port 0. Answers come from a FIFO queue
 * first, then from routes (first match wins), else a 501 saying nothing was scripted. Every request is
 * recorded (method, url, path, query, headers, body) before it is answered.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface ScriptedResponse {
  /** Default 200. */
  status?: number;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON (with a JSON content type). */
  body?: unknown;
  /** Wait this long before answering (cleared by `close()`). */
  delayMs?: number;
  /**
   * `before-response`: destroy the socket without a byte of answer.
   * `mid-body`: send the headers (with the full Content-Length) and half the body, then destroy.
   * `hang-body`: send the headers and half the body, then never finish (until `close()`).
   */
  destroy?: 'before-response' | 'mid-body' | 'hang-body';
  /** Send the body in chunks of this many bytes without a Content-Length (chunked transfer encoding). */
  chunkBytes?: number;
}

export type Responder = ScriptedResponse | ((request: RecordedRequest) => ScriptedResponse);

export interface FakeHttpServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Answers for the next requests, in order, whatever their path. */
  enqueue(...responses: ScriptedResponse[]): void;
  /** A standing answer for requests whose method and path match (a string matches the path exactly). */
  route(method: string, path: string | RegExp, responder: Responder): void;
  /** Forget queued answers, routes and recorded requests. */
  reset(): void;
  /** Closes the server and every open connection at once. */
  close(): Promise<void>;
}

interface Route {
  method: string;
  path: string | RegExp;
  responder: Responder;
}

export async function startFakeHttpServer(): Promise<FakeHttpServer> {
  const requests: RecordedRequest[] = [];
  const queue: ScriptedResponse[] = [];
  const routes: Route[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const pick = (request: RecordedRequest): ScriptedResponse => {
    const queued = queue.shift();
    if (queued) return queued;
    for (const route of routes) {
      if (route.method.toUpperCase() !== request.method) continue;
      const matches =
        typeof route.path === 'string' ? route.path === request.path : route.path.test(request.path);
      if (matches) return typeof route.responder === 'function' ? route.responder(request) : route.responder;
    }
    return {
      status: 501,
      body: {
        success: false,
        error: { code: 501, message: `nothing scripted for ${request.method} ${request.path}` },
      },
    };
  };

  const send = (res: ServerResponse, scripted: ScriptedResponse): void => {
    if (scripted.destroy === 'before-response') {
      res.socket?.destroy();
      return;
    }
    const isString = typeof scripted.body === 'string';
    const payload =
      scripted.body === undefined ? '' : isString ? (scripted.body as string) : JSON.stringify(scripted.body);
    const bytes = Buffer.from(payload, 'utf8');
    const headers: Record<string, string> = {
      'content-type': isString ? 'text/plain; charset=utf-8' : 'application/json',
      ...(scripted.chunkBytes ? {} : { 'content-length': String(bytes.length) }),
      ...scripted.headers,
    };
    res.writeHead(scripted.status ?? 200, headers);
    if (scripted.chunkBytes) {
      // Written as the client reads: one that stops reading stops the writing too.
      const size = scripted.chunkBytes;
      let offset = 0;
      const pump = () => {
        while (offset < bytes.length && !res.destroyed) {
          const more = res.write(bytes.subarray(offset, offset + size));
          offset += size;
          if (!more) return void res.once('drain', pump);
        }
        if (!res.destroyed) res.end();
      };
      pump();
      return;
    }
    if (scripted.destroy === 'mid-body' || scripted.destroy === 'hang-body') {
      res.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
      if (scripted.destroy === 'mid-body') {
        // Let the partial write reach the client before the socket goes.
        const timer = setTimeout(() => {
          timers.delete(timer);
          res.socket?.destroy();
        }, 10);
        timers.add(timer);
      }
      return;
    }
    res.end(bytes);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = req.url ?? '/';
      const parsed = new URL(url, 'http://127.0.0.1');
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        url,
        path: parsed.pathname,
        query: parsed.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      const scripted = pick(recorded);
      if (scripted.delayMs && scripted.delayMs > 0) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!res.destroyed) send(res, scripted);
        }, scripted.delayMs);
        timers.add(timer);
      } else send(res, scripted);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    enqueue: (...responses) => {
      queue.push(...responses);
    },
    route: (method, path, responder) => {
      routes.push({ method, path, responder });
    },
    reset: () => {
      queue.length = 0;
      routes.length = 0;
      requests.length = 0;
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await closed;
    },
  };
}
