/**
 * The operators' port (METRICS_PORT), apart from the public Slack and webhook port so health and
 * metrics never ride on the public ingress:
 *   GET /healthz  200 while the process answers (liveness: restart it when this fails)
 *   GET /readyz   200 or 503, with JSON saying which check is not ready and why
 *   GET /metrics  Prometheus text format
 * Nothing else; no request body is read.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from '../log.js';
import type { PrometheusMetrics } from './prometheus.js';
import type { Readiness } from './readiness.js';

export interface OpsServerOptions {
  port: number;
  /** Default: every interface (a container's HEALTHCHECK and Prometheus must reach it). */
  host?: string;
  readiness: Readiness;
  metrics: PrometheusMetrics;
  log: Logger;
}

export interface OpsServer {
  /** The port listened on (0 in the options picks a free one). */
  port: number;
  close(): Promise<void>;
}

export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const { readiness, metrics, log } = options;
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    answer(request, response).catch((error: unknown) => {
      log.error('health/metrics request failed', { error });
      if (!response.headersSent) send(response, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else response.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    request.resume();
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('allow', 'GET, HEAD');
      send(response, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
      return;
    }
    switch (path) {
      case '/healthz':
        send(response, 200, 'application/json', `${JSON.stringify({ status: 'ok' })}\n`);
        return;
      case '/readyz': {
        const report = await readiness.report();
        send(response, report.ready ? 200 : 503, 'application/json', `${JSON.stringify(report)}\n`);
        return;
      }
      case '/metrics':
        send(response, 200, metrics.contentType, await metrics.render());
        return;
      default:
        send(response, 404, 'text/plain; charset=utf-8', 'not found: try /healthz, /readyz or /metrics\n');
    }
  }

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
  log.info('health and metrics listening', { port, paths: ['/healthz', '/readyz', '/metrics'] });
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

function send(response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}
