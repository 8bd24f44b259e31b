/** One scripted HTTP server per test file, and the real client pointed at it. */
import { afterAll, afterEach, beforeAll } from 'vitest';
import {
  createRealtimeKitClient,
  type RealtimeKitClient,
  type RealtimeKitClientOptions,
} from '../../src/realtimekit/client.js';
import { type FakeHttpServer, startFakeHttpServer } from '../fakes/http-server.js';

export interface ScriptedApi {
  /** Available inside tests (started in beforeAll, reset after each test). */
  readonly server: FakeHttpServer;
  /** The real client with the file's defaults (short timeout, fast retries), overridden per call. */
  client(options?: Partial<RealtimeKitClientOptions>): RealtimeKitClient;
}

export function useScriptedApi(defaults: Partial<RealtimeKitClientOptions> = {}): ScriptedApi {
  let server: FakeHttpServer | undefined;
  beforeAll(async () => {
    server = await startFakeHttpServer();
  });
  afterEach(() => server?.reset());
  afterAll(async () => {
    await server?.close();
  });
  const api: ScriptedApi = {
    get server() {
      if (!server) throw new Error('the scripted server starts in beforeAll');
      return server;
    },
    client: (options = {}) =>
      createRealtimeKitClient({
        baseUrl: `${api.server.url}/client/v4`,
        accountId: 'acct',
        appId: 'app',
        apiToken: 'scripted-token-1234',
        timeoutMs: 2_000,
        retries: 2,
        retryDelayMs: () => 5,
        maxRetryAfterMs: 1_000,
        ...defaults,
        ...options,
      }),
  };
  return api;
}
