/**
 * A list read across several pages is not a snapshot: streams are created, deleted and change status
 * between two page requests, and an API can send an item without an id or a total_count that is too
 * low. None of that may invent an "ended" (and then a second LIVE with its ping): "ended" comes only
 * from evidence.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { WireLivestream } from '../../src/emulator/emulator.js';
import { createHarness, type Harness, subscribe } from './harness.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

const titles = () => h.sink.sent.map((m) => `${m.op} ${m.reply.title}`);

/** The ids of one page of the list as the poller reads it (100 a page, the server's default order). */
async function pageIds(pageNo: number, status?: 'LIVE'): Promise<string[]> {
  const page = await h.commandsClient.listLivestreams({
    pageNo,
    perPage: 100,
    ...(status ? { status } : {}),
  });
  return page.livestreams.map((l) => l.id);
}

/** Runs `change` once, when the poller asks for page 2 of a list (between its page 1 and page 2). */
function betweenPages(change: () => void, status?: string): void {
  let done = false;
  h.emulator.onRequest((request) => {
    if (done || request.path !== 'livestreams' || request.query.page_no !== '2') return;
    if ((request.query.status ?? undefined) !== status) return;
    done = true;
    change();
  });
}

/** The LIVE list's page 1 as the emulator would send it, edited, served once as a raw body. */
async function servePage1Edited(
  edit: (body: { data: Record<string, unknown>[]; paging: Record<string, number> }) => void,
) {
  const response = await fetch(`${h.emulator.appUrl}livestreams?status=LIVE&page_no=1&per_page=100`, {
    headers: { authorization: `Bearer ${h.emulator.settings().CLOUDFLARE_API_TOKEN}` },
  });
  const body = (await response.json()) as { data: Record<string, unknown>[]; paging: Record<string, number> };
  edit(body);
  h.emulator.injectFault({
    path: 'livestreams?status=LIVE&page_no=1&per_page=100',
    rawBody: JSON.stringify(body),
  });
}

async function liveAndAnnounced(stream: WireLivestream): Promise<void> {
  h.emulator.setStatus(stream.id, 'LIVE');
  await h.poller.runCycle();
  await h.drainAll();
  expect(titles()).toEqual([`post ${stream.name} is live`]);
}

describe('a torn list never invents an ended', () => {
  it('a LIVE stream deleted between page 1 and page 2 of the LIVE list shifts another out of sight: that one neither ends nor is announced again', async () => {
    h = await createHarness();
    h.emulator.seed(150, { status: 'LIVE' });
    await subscribe(h.store, 'C1');
    await h.poller.runCycle(); // baseline: 150 LIVE, announced to nobody
    const [onPage1] = await pageIds(1, 'LIVE');
    const deleted = h.emulator.getLivestream(onPage1!)!;
    const [firstOfPage2] = await pageIds(2, 'LIVE');
    betweenPages(() => h.emulator.removeLivestream(deleted.id), 'LIVE');
    expect((await h.poller.runCycle()).ok).toBe(true);
    await h.poller.runCycle();
    await h.poller.runCycle();
    await h.drainAll();
    // The deleted one really ended; the one shifted out of sight (first of page 2) is still LIVE.
    expect(titles()).toEqual([`post ${deleted.name} ended`]);
    expect(JSON.stringify(h.sink.sent)).not.toContain(firstOfPage2!);
  });

  it('a LIVE stream stopping between pages of the LIVE list (over 100 LIVE) ends that one only', async () => {
    h = await createHarness();
    const streams = h.emulator.seed(150, { status: 'IDLE' });
    await subscribe(h.store, 'C1');
    await h.poller.runCycle(); // baseline (full)
    for (const stream of streams) h.emulator.setStatus(stream.id, 'LIVE');
    await h.poller.runCycle(); // light: 150 LIVE posts (as digests)
    await h.drainAll();
    const before = h.sink.sent.length;

    const [stopper] = await pageIds(1, 'LIVE');
    betweenPages(() => h.emulator.setStatus(stopper!, 'IDLE'), 'LIVE');
    const result = await h.poller.runCycle();
    expect(result).toMatchObject({ ok: true });
    await h.poller.runCycle();
    await h.poller.runCycle();
    await h.drainAll();
    const after = h.sink.sent.slice(before);
    const stopperName = h.emulator.getLivestream(stopper!)!.name;
    // One change: the stream that stopped ends (its LIVE post, or the digest, is followed by one "ended").
    expect(after).toHaveLength(1);
    expect(JSON.stringify(after[0]!.reply)).toContain(stopperName!);
    expect(after[0]!.reply.title).toMatch(/ended/);
  });

  it('a list item without an id does not end the read early', async () => {
    h = await createHarness();
    h.emulator.seed(150, { status: 'LIVE' });
    await subscribe(h.store, 'C1');
    await h.poller.runCycle(); // baseline: 150 LIVE, over two pages of the LIVE list

    await servePage1Edited((body) => {
      delete body.data[10]!.id;
    });
    expect((await h.poller.runCycle()).ok).toBe(true);
    await h.poller.runCycle();
    await h.drainAll();
    expect(h.sink.sent).toEqual([]);
  });

  it('a total_count lower than what the pages hold does not end the read early', async () => {
    h = await createHarness();
    h.emulator.seed(150, { status: 'LIVE' });
    await subscribe(h.store, 'C1');
    await h.poller.runCycle(); // baseline: 150 LIVE, over two pages of the LIVE list

    await servePage1Edited((body) => {
      body.paging.total_count = 60;
    });
    expect((await h.poller.runCycle()).ok).toBe(true);
    await h.poller.runCycle();
    await h.drainAll();
    expect(h.sink.sent).toEqual([]);
  });

  it('a stream really deleted while LIVE ends once, and is not announced again', async () => {
    h = await createHarness();
    const show = h.emulator.addLivestream({ name: 'Deleted show', status: 'IDLE' });
    h.emulator.addLivestream({ name: 'Other', status: 'IDLE' });
    await subscribe(h.store, 'C1');
    await h.poller.runCycle();
    await liveAndAnnounced(show);
    h.emulator.removeLivestream(show.id);
    for (let i = 0; i < 4; i++) await h.poller.runCycle();
    await h.drainAll();
    expect(titles()).toEqual(['post Deleted show is live', 'edit Deleted show ended']);
  });

  it('when the targeted lookup fails, a LIVE stream missing from the list ends only after a second absence', async () => {
    h = await createHarness();
    const show = h.emulator.addLivestream({ name: 'Quiet show', status: 'IDLE' });
    await subscribe(h.store, 'C1');
    await h.poller.runCycle();
    await liveAndAnnounced(show);
    h.emulator.setStatus(show.id, 'IDLE');
    h.emulator.injectFault({
      path: 'active-livestream-session',
      status: 500,
      times: Number.POSITIVE_INFINITY,
    });
    await h.poller.runCycle();
    await h.drainAll();
    expect(titles()).toEqual(['post Quiet show is live']);
    await h.poller.runCycle();
    await h.drainAll();
    expect(titles()).toEqual(['post Quiet show is live', 'edit Quiet show ended']);
  });

  it('an ERRORED stream missing from one light read is not announced as ERRORED again', async () => {
    h = await createHarness();
    const show = h.emulator.addLivestream({ name: 'Broken show', status: 'IDLE' });
    await subscribe(h.store, 'C1');
    await h.poller.runCycle();
    h.emulator.setStatus(show.id, 'ERRORED', 'no video');
    await h.poller.runCycle();
    await h.drainAll();
    expect(titles()).toEqual(['post Broken show errored']);
    // The ERRORED list answers once without it (a torn or lagging read), then with it again.
    h.emulator.injectFault({
      path: 'status=ERRORED',
      status: 200,
      body: { success: true, data: [], paging: { total_count: 0, start_offset: 0, end_offset: 0 } },
    });
    await h.poller.runCycle();
    await h.poller.runCycle();
    await h.poller.runCycle();
    await h.drainAll();
    expect(titles()).toEqual(['post Broken show errored']);
  });

  it('a light cycle whose LIVE list comes back empty once rewrites no row and announces nothing', async () => {
    h = await createHarness();
    const streams = h.emulator.seed(500, { status: 'IDLE' });
    await subscribe(h.store, 'C1');
    await h.poller.runCycle();
    for (const stream of streams) h.emulator.setStatus(stream.id, 'LIVE');
    await h.poller.runCycle();
    await h.drainAll();
    const before = h.sink.sent.length;
    const written: number[] = [];
    const commitCycle = h.store.commitCycle.bind(h.store);
    h.store.commitCycle = (commit) => {
      written.push(commit.changed.size + commit.removed.length + commit.events.length);
      return commitCycle(commit);
    };
    h.emulator.injectFault({
      path: 'status=LIVE',
      status: 200,
      body: { success: true, data: [], paging: { total_count: 0, start_offset: 0, end_offset: 0 } },
    });
    expect(await h.poller.runCycle()).toMatchObject({ ok: true, events: 0 });
    expect(await h.poller.runCycle()).toMatchObject({ ok: true, events: 0 });
    await h.drainAll();
    expect(written).toEqual([0, 0]);
    expect(h.sink.sent.length).toBe(before);
  });
});
