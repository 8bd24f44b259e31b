/**
 * The bot's one HTTP server, on PORT: Slack's HTTP mode (`/slack/events`), Discord interactions over
 * HTTP (`/discord/interactions`) and RealtimeKit webhooks (`/webhooks/realtimekit`) are routes on it,
 * each mounted by the part that serves it. A request is
 * routed by its exact path (the query is ignored); any other path is a 404. It starts when something
 * needs it, and nothing else listens.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.js';

export type RouteHandler = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

export interface HttpServer {
  /** Serves `path` with `handler` (replacing any handler it had); returns what unmounts it again. */
  route(path: string, handler: RouteHandler): () => void;
  /** Listens on `port` (0: a free one) and resolves with the port; an HttpListenError says which. */
  listen(port: number, host?: string): Promise<number>;
  /** The port listened on; null before listen() and after close(). */
  readonly port: number | null;
  /** Stops listening; requests under way get `graceMs` to finish before their connections are cut. */
  close(graceMs?: number): Promise<void>;
}

export class HttpListenError extends Error {
  override readonly name = 'HttpListenError';
  constructor(
    readonly port: number,
    cause: unknown,
  ) {
    const code = (cause as NodeJS.ErrnoException | null)?.code;
    super(`could not listen on port ${port}${code ? ` (${code})` : ''}: set PORT to a free port`, { cause });
  }
}

/** How long a whole request may take to arrive: webhook and Slack bodies are small. */
const REQUEST_TIMEOUT_MS = 30_000;
const DEFAULT_CLOSE_GRACE_MS = 5_000;

export function createHttpServer(options: { log: Logger }): HttpServer {
  const log = options.log.child({ component: 'http' });
  const routes = new Map<string, RouteHandler>();
  let server: Server | null = null;
  let port: number | null = null;

  const serve = (request: IncomingMessage, response: ServerResponse): void => {
    const handler = routes.get(pathOf(request.url));
    if (!handler) {
      request.resume(); // nothing of the body is read: let it drain
      sendText(response, 404, 'Not found');
      return;
    }
    const failed = (error: unknown) => {
      log.error('an HTTP route failed', { path: pathOf(request.url), error });
      if (!response.headersSent) sendText(response, 500, 'Internal error');
      else response.destroy();
    };
    try {
      const result = handler(request, response);
      if (result instanceof Promise) result.catch(failed);
    } catch (error) {
      failed(error);
    }
  };

  return {
    route(path, handler) {
      routes.set(path, handler);
      return () => {
        if (routes.get(path) === handler) routes.delete(path);
      };
    },
    async listen(wanted, host) {
      if (server) throw new Error('the HTTP server is already listening');
      const candidate = createServer(serve);
      candidate.requestTimeout = REQUEST_TIMEOUT_MS;
      try {
        await new Promise<void>((resolve, reject) => {
          candidate.once('error', reject);
          const ready = () => {
            candidate.off('error', reject);
            resolve();
          };
          if (host === undefined) candidate.listen(wanted, ready);
          else candidate.listen(wanted, host, ready);
        });
      } catch (error) {
        throw new HttpListenError(wanted, error);
      }
      candidate.on('error', (error) => log.error('HTTP server error', { error }));
      server = candidate;
      port = (candidate.address() as AddressInfo).port;
      return port;
    },
    get port() {
      return port;
    },
    async close(graceMs = DEFAULT_CLOSE_GRACE_MS) {
      const closing = server;
      server = null;
      port = null;
      if (!closing) return;
      const closed = new Promise<void>((resolve) => closing.close(() => resolve()));
      closing.closeIdleConnections();
      const timer = setTimeout(() => closing.closeAllConnections(), graceMs);
      timer.unref();
      await closed;
      clearTimeout(timer);
    },
  };
}

/** The path of a request target, without its query; `new URL` is avoided so `//x` is not read as a host. */
function pathOf(url: string | undefined): string {
  const target = url ?? '/';
  const query = target.indexOf('?');
  return query === -1 ? target : target.slice(0, query);
}

export function sendText(response: ServerResponse, status: number, text: string): void {
  if (response.headersSent || response.destroyed) return;
  response.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent || response.destroyed) return;
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

/** readBody: past this much, an oversized body is no longer read to its end: the connection is cut. */
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
