/**
 * A server that ignores the `status` filter answers every list with all livestreams. The poller judges
 * each by the status it carries, so a light cycle is still read right, and its second list (ERRORED)
 * stops after one page of streams it has already seen instead of walking them all again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { silentLogger } from '../../src/log.js';
import { RequestBudget } from '../../src/notify/budget.js';
import { Poller } from '../../src/notify/poller.js';
import { openSqliteStore } from '../../src/notify/sqlite-store.js';
import { createRealtimeKitClient } from '../../src/realtimekit/client.js';
import { type FakeHttpServer, type RecordedRequest, startFakeHttpServer } from '../fakes/http-server.js';

let server: FakeHttpServer;
let dataDir: string;
beforeAll(async () => {
  server = await startFakeHttpServer();
  dataDir = mkdtempSync(join(tmpdir(), 'ignored-filter-'));
});
afterAll(async () => {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a server that ignores the status filter', () => {
  it('light cycles still see each transition once, and the second list costs one page', async () => {
    const streams = Array.from({ length: 150 }, (_, i) => ({
      id: `ls-${i}`,
      name: `Stream ${i}`,
      status: 'IDLE',
    }));
    server.route('GET', /\/livestreams$/, (request: RecordedRequest) => {
      const perPage = Number(request.query.get('per_page'));
      const pageNo = Number(request.query.get('page_no'));
      const page = streams.slice((pageNo - 1) * perPage, pageNo * perPage); // `status` ignored
      return { body: { success: true, data: page, paging: { total_count: streams.length } } };
    });
    // The session lookup for the LIVE event: not found, so the event goes out without figures.
    server.route('GET', /active-livestream-session$/, { status: 404, body: { success: false } });
    const clock = new ManualClock();
    const store = openSqliteStore(dataDir);
    const budget = new RequestBudget(900);
    const client = createRealtimeKitClient({
      baseUrl: `${server.url}/client/v4`,
      accountId: 'acct',
      appId: 'app',
      apiToken: 'ignored-filter-token',
      retries: 0,
      onRequest: () => budget.record(clock.now()),
    });
    const poller = new Poller({
      client,
      store,
      clock,
      log: silentLogger,
      budget,
      intervalMs: 15_000,
      alertAfterMs: 300_000,
    });
    const listRequests = () => server.requests.filter((r) => r.path.endsWith('/livestreams'));

    expect(await poller.runCycle()).toMatchObject({ ok: true, baseline: true, streams: 150 });
    // LIVE list: 2 pages (every stream); ERRORED list: 1 page of nothing new, which ends that walk.
    expect(listRequests()).toHaveLength(3);

    streams[120]!.status = 'LIVE';
    const before = listRequests().length;
    expect(await poller.runCycle()).toMatchObject({ ok: true, events: 1, streams: 150 });
    // LIVE list: 2 pages (every stream, one status is LIVE); ERRORED list: 1 page of nothing new.
    const light = listRequests().slice(before);
    expect(light.map((r) => [r.query.get('status'), r.query.get('page_no')])).toEqual([
      ['LIVE', '1'],
      ['LIVE', '2'],
      ['ERRORED', '1'],
    ]);
    // The next light cycle finds nothing new to say.
    expect(await poller.runCycle()).toMatchObject({ ok: true, events: 0 });
    expect((await store.loadStatuses())?.get('ls-120')?.status).toBe('LIVE');
    // Only LIVE and ERRORED streams are kept: the others' statuses matter to no notification.
    expect((await store.loadStatuses())?.get('ls-7')).toBeUndefined();
    await store.close();
  });
});
