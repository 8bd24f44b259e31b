/**
 * A fake Slack Web API on 127.0.0.1: `POST /api/{method}` with the url-encoded form web-api sends.
 * Records every call (method, params with JSON values decoded, headers) and answers from per-method
 * scripts, else from defaults good enough to start Bolt (auth.test) and post messages.
 * Point `SLACK_API_URL` (SlackConfig.apiUrl) at `apiUrl`.
 * Files go the way files.uploadV2 sends them: files.getUploadURLExternal hands out an upload URL on this
 * server, the bytes arrive there (multipart, as web-api posts them) and are kept in `uploads`, and
 * files.completeUploadExternal shares only files whose bytes arrived, with the length announced.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface SlackApiCall {
  method: string;
  params: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  at: number;
}

export interface SlackApiAnswer {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Close the connection instead of answering (after reading the whole request). */
  drop?: boolean;
  /**
   * Answer this many ms later. The call is recorded at once (Slack took it; only its answer is slow): a
   * client that goes away meanwhile gets nothing.
   */
  delayMs?: number;
}

export type SlackApiResponder = (call: SlackApiCall) => SlackApiAnswer;

/** A file's bytes as they reached the upload URL. */
export interface SlackUpload {
  fileId: string;
  /** The filename and length given to files.getUploadURLExternal, and its alt text. */
  filename: string;
  length: number;
  altText: string | null;
  bytes: Uint8Array;
}

export interface FakeSlackWebApi {
  /** `http://127.0.0.1:PORT/api`: SLACK_API_URL. */
  readonly apiUrl: string;
  readonly calls: SlackApiCall[];
  /** Every file whose bytes reached its upload URL, in order. */
  readonly uploads: SlackUpload[];
  /** Answers the next `times` calls of `method` (default 1); later calls fall back to the default. */
  script(method: string, answer: SlackApiAnswer | SlackApiResponder, times?: number): void;
  /** Resolves with the first call (past or future) of `method` that matches. */
  waitForCall(
    method: string,
    match?: (call: SlackApiCall) => boolean,
    timeoutMs?: number,
  ): Promise<SlackApiCall>;
  close(): Promise<void>;
}

export const FAKE_BOT = { userId: 'U0BOT', botId: 'B0BOT', teamId: 'T0FAKE' } as const;

/** The upload side of the fake: URLs handed out, and the files whose bytes arrived. */
interface FileStore {
  origin: string;
  nextId: () => string;
  announced: Map<string, { filename: string; length: number; altText: string | null }>;
  uploads: SlackUpload[];
}

function defaultAnswer(call: SlackApiCall, nextTs: () => string, files: FileStore): SlackApiAnswer {
  switch (call.method) {
    case 'files.getUploadURLExternal': {
      const { filename, length, alt_text: altText } = call.params;
      if (typeof filename !== 'string' || !/^\d+$/.test(String(length)))
        return { body: { ok: false, error: 'invalid_arguments' } };
      const fileId = files.nextId();
      files.announced.set(fileId, {
        filename,
        length: Number(length),
        altText: typeof altText === 'string' ? altText : null,
      });
      return { body: { ok: true, upload_url: `${files.origin}/upload/v1/${fileId}`, file_id: fileId } };
    }
    case 'files.completeUploadExternal': {
      const shared = Array.isArray(call.params.files) ? (call.params.files as { id?: unknown }[]) : [];
      const channel = call.params.channel_id;
      if (channel !== undefined && !/^[CGDZ][A-Z0-9]+$/.test(String(channel)))
        return { body: { ok: false, error: 'invalid_arguments' } };
      const uploaded = (id: unknown) => files.uploads.some((upload) => upload.fileId === id);
      if (shared.length === 0 || !shared.every((file) => uploaded(file.id)))
        return { body: { ok: false, error: 'file_not_found' } };
      return { body: { ok: true, files: shared.map((file) => ({ ...file, name: 'file' })) } };
    }
    case 'auth.test':
      return {
        body: {
          ok: true,
          url: 'https://fake.slack.com/',
          team: 'Fake',
          user: 'livestream',
          team_id: FAKE_BOT.teamId,
          user_id: FAKE_BOT.userId,
          bot_id: FAKE_BOT.botId,
        },
      };
    case 'chat.postMessage':
      return {
        body: { ok: true, channel: call.params.channel, ts: nextTs(), message: { text: call.params.text } },
      };
    case 'chat.update':
      return { body: { ok: true, channel: call.params.channel, ts: call.params.ts, text: call.params.text } };
    default:
      return { body: { ok: false, error: 'unknown_method' } };
  }
}

function decodeParams(body: string): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    // web-api sends arrays and objects (blocks) as JSON strings.
    if (value.startsWith('[') || value.startsWith('{')) {
      try {
        params[key] = JSON.parse(value);
        continue;
      } catch {
        // Not JSON after all: keep the text.
      }
    }
    params[key] = value;
  }
  return params;
}

export async function startFakeSlackWebApi(): Promise<FakeSlackWebApi> {
  const calls: SlackApiCall[] = [];
  let fileCounter = 0;
  const files: FileStore = {
    origin: '',
    nextId: () => `F0FAKE${String(++fileCounter).padStart(4, '0')}`,
    announced: new Map(),
    uploads: [],
  };
  const scripts = new Map<string, { answer: SlackApiAnswer | SlackApiResponder; remaining: number }[]>();
  const waiters = new Set<(call: SlackApiCall) => void>();
  const sockets = new Set<Socket>();
  /** Answers waiting out their `delayMs`. */
  const delayed = new Set<NodeJS.Timeout>();
  let ts = 1_700_000_000;
  const nextTs = () => `${ts++}.000100`;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if ((req.url ?? '').startsWith('/upload/')) {
        void receiveUpload(req.url ?? '', req.headers, Buffer.concat(chunks), files).then((status) =>
          res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'OK' : 'Bad'),
        );
        return;
      }
      const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0] ?? '';
      const call: SlackApiCall = {
        method,
        params: decodeParams(Buffer.concat(chunks).toString('utf8')),
        headers: req.headers,
        at: Date.now(),
      };
      calls.push(call);
      const queue = scripts.get(method);
      const scripted = queue?.[0];
      if (scripted) {
        scripted.remaining -= 1;
        if (scripted.remaining <= 0) queue.shift();
      }
      const answer = scripted
        ? typeof scripted.answer === 'function'
          ? scripted.answer(call)
          : scripted.answer
        : defaultAnswer(call, nextTs, files);
      for (const waiter of waiters) waiter(call);
      const respond = () => {
        if (answer.drop) {
          req.socket.destroy();
          return;
        }
        if (res.destroyed) return; // the client went away while the answer was delayed
        const body = JSON.stringify(answer.body ?? { ok: true });
        res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
        res.end(body);
      };
      if (!answer.delayMs) {
        respond();
        return;
      }
      const timer = setTimeout(() => {
        delayed.delete(timer);
        respond();
      }, answer.delayMs);
      delayed.add(timer);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  files.origin = `http://127.0.0.1:${port}`;

  return {
    apiUrl: `http://127.0.0.1:${port}/api`,
    calls,
    uploads: files.uploads,
    script(method, answer, times = 1) {
      const queue = scripts.get(method) ?? [];
      queue.push({ answer, remaining: times });
      scripts.set(method, queue);
    },
    waitForCall(method, match = () => true, timeoutMs = 5_000) {
      const test = (call: SlackApiCall) => call.method === method && match(call);
      const past = calls.find(test);
      if (past) return Promise.resolve(past);
      return new Promise((resolve, reject) => {
        const waiter = (call: SlackApiCall) => {
          if (!test(call)) return;
          waiters.delete(waiter);
          clearTimeout(timer);
          resolve(call);
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no ${method} call within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    async close() {
      for (const timer of delayed) clearTimeout(timer);
      delayed.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/**
 * The bytes posted to an upload URL, as web-api sends them (multipart/form-data, one file part): kept
 * when the URL was handed out and the length matches what was announced; 200 then, like Slack.
 */
async function receiveUpload(
  url: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
  files: FileStore,
): Promise<number> {
  const fileId = /^\/upload\/v1\/([A-Z0-9]+)$/.exec(url)?.[1];
  const announced = fileId ? files.announced.get(fileId) : undefined;
  if (!fileId || !announced) return 404;
  let bytes: Uint8Array;
  try {
    const form = await new Response(body, {
      headers: { 'content-type': String(headers['content-type'] ?? '') },
    }).formData();
    const part = [...form.values()].find((value) => typeof value !== 'string');
    if (part === undefined || typeof part === 'string') return 400;
    bytes = new Uint8Array(await part.arrayBuffer());
  } catch {
    return 400;
  }
  if (bytes.length !== announced.length) return 400;
  files.uploads.push({ fileId, ...announced, bytes });
  return 200;
}
