/**
 * The API-health state machine on its own: a ManualClock and a real SQLite store (its meta), no poller
 * and no API. poller-timing.test.ts and the fault tests cover it through the poller's loop.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { ApiHealth, type ApiHealthOptions } from '../../src/notify/api-health.js';
import { openSqliteStore } from '../../src/notify/sqlite-store.js';
import type { NotifyStore } from '../../src/notify/store.js';
import type { SystemEvent } from '../../src/notify/types.js';

const ALERT_AFTER_MS = 60_000;

let dir: string;
let store: NotifyStore;
let clock: ManualClock;
let announced: SystemEvent[];

/** Records the event and writes its meta, as the poller's announce does (in one transaction there). */
async function record(event: SystemEvent, meta: Readonly<Record<string, string | null>>): Promise<void> {
  announced.push(event);
  for (const [key, value] of Object.entries(meta)) await store.setMeta(key, value);
}

function health(announce: ApiHealthOptions['announce'] = record): ApiHealth {
  return new ApiHealth({ meta: store, clock, alertAfterMs: ALERT_AFTER_MS, announce });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'api-health-'));
  store = openSqliteStore(dir);
  clock = new ManualClock();
  announced = [];
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ApiHealth', () => {
  it('answering: no alert is due, and a recovery says nothing', async () => {
    const h = health();
    expect(await h.msUntilAlert()).toBeNull();
    expect(await h.alertIfDue()).toBeNull();
    expect(await h.recovered()).toBeNull();
    expect(announced).toEqual([]);
  });

  it('failing since T: the alert is due alertAfter later, counted from the first failure', async () => {
    const h = health();
    const since = new Date(clock.now()).toISOString();
    await h.failed('HTTP 500');
    expect(await store.getMeta('api_failing_since')).toBe(since);
    expect(await h.msUntilAlert()).toBe(ALERT_AFTER_MS);
    clock.advance(20_000);
    await h.failed('HTTP 502'); // a later failure does not move the start
    expect(await store.getMeta('api_failing_since')).toBe(since);
    expect(await h.msUntilAlert()).toBe(40_000);
    expect(await h.alertIfDue()).toBeNull();
    expect(announced).toEqual([]);
  });

  it('alert due: announced once, with since when and the last reason; then alerted, never again', async () => {
    const h = health();
    const since = new Date(clock.now()).toISOString();
    await h.failed('HTTP 500');
    clock.advance(30_000);
    await h.failed('timed out');
    clock.advance(30_000);
    expect(await h.msUntilAlert()).toBe(0);
    const event = await h.alertIfDue();
    expect(event).toEqual({
      kind: 'api-delayed',
      at: new Date(clock.now()).toISOString(),
      failingSince: since,
      reason: 'timed out',
    });
    expect(announced).toEqual([event]);
    expect(await store.getMeta('api_alerted')).toBe(event!.at);
    clock.advance(60_000);
    await h.failed('HTTP 500');
    expect(await h.msUntilAlert()).toBeNull();
    expect(await h.alertIfDue()).toBeNull();
    expect(announced).toHaveLength(1);
  });

  it('recovered after the alert: "back" is announced with since when, and the state is clear', async () => {
    const h = health();
    const since = new Date(clock.now()).toISOString();
    await h.failed('HTTP 500');
    clock.advance(ALERT_AFTER_MS);
    await h.alertIfDue();
    clock.advance(5_000);
    const event = await h.recovered();
    expect(event).toEqual({
      kind: 'api-recovered',
      at: new Date(clock.now()).toISOString(),
      failingSince: since,
      reason: '',
    });
    expect(announced.map((e) => e.kind)).toEqual(['api-delayed', 'api-recovered']);
    expect(await store.getMeta('api_failing_since')).toBeNull();
    expect(await store.getMeta('api_alerted')).toBeNull();
    expect(await h.msUntilAlert()).toBeNull();
    // A new outage counts from its own start.
    await h.failed('HTTP 500');
    expect(await h.msUntilAlert()).toBe(ALERT_AFTER_MS);
  });

  it('recovered before the alert: nobody heard of the outage, so nobody hears it is over', async () => {
    const h = health();
    await h.failed('HTTP 500');
    clock.advance(ALERT_AFTER_MS - 1);
    expect(await h.recovered()).toBeNull();
    expect(await store.getMeta('api_failing_since')).toBeNull();
    clock.advance(1);
    expect(await h.alertIfDue()).toBeNull();
    expect(announced).toEqual([]);
  });

  it('a restart during an outage goes on counting from when it began (stored), and does not alert twice', async () => {
    const first = health();
    await first.failed('HTTP 500');
    clock.advance(40_000);
    const second = health(); // the next process, same DATA_DIR
    await second.failed('HTTP 500');
    expect(await second.msUntilAlert()).toBe(20_000);
    clock.advance(20_000);
    expect((await second.alertIfDue())?.kind).toBe('api-delayed');
    const third = health();
    await third.failed('HTTP 500');
    expect(await third.msUntilAlert()).toBeNull();
    expect(await third.alertIfDue()).toBeNull();
    expect((await third.recovered())?.kind).toBe('api-recovered');
    expect(announced.map((e) => e.kind)).toEqual(['api-delayed', 'api-recovered']);
  });

  it('durations run on the monotonic clock: a wall clock stepped back does not delay the alert', async () => {
    const h = health();
    await h.failed('HTTP 500');
    clock.stepWall(-3_600_000);
    clock.advance(ALERT_AFTER_MS);
    expect(await h.msUntilAlert()).toBe(0);
    expect((await h.alertIfDue())?.kind).toBe('api-delayed');
  });

  it('an announcement that fails records nothing: the alert is tried again', async () => {
    let refuse = true;
    const h = health((event) => {
      if (refuse) throw new Error('disk full');
      announced.push(event);
    });
    await h.failed('HTTP 500');
    clock.advance(ALERT_AFTER_MS);
    await expect(h.alertIfDue()).rejects.toThrow('disk full');
    expect(await store.getMeta('api_alerted')).toBeNull();
    refuse = false;
    expect((await h.alertIfDue())?.kind).toBe('api-delayed');
    expect(announced).toHaveLength(1);
  });
});
