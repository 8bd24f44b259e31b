/**
 * A livestream without a name has one name everywhere: in command replies (list, create, status,
 * subscribe), in notifications (live, ended, errored, digest), and so in every platform's rendering.
 * Driven through the core and the real poller and sender against the emulator.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { renderForTerminal } from '../../adapters/console/render.js';
import { renderReply as renderDiscord } from '../../adapters/discord/render.js';
import { renderReply as renderSlack } from '../../adapters/slack/render.js';
import { createCore, type RequestContext } from '../../src/core.js';
import { UNNAMED_LIVESTREAM } from '../../src/livestream-name.js';
import { silentLogger } from '../../src/log.js';
import { type Reply, replyToPlainText } from '../../src/reply.js';
import { createHarness, type Harness, subscribe } from '../notify/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.close();
});

const context: RequestContext = { platform: 'slack', channelId: 'C1', userId: 'U1', canManage: true };
const ask = (text: string) =>
  createCore({ client: h.commandsClient, log: silentLogger, store: h.store }).replyToText(text, context);

/** What every renderer shows of a reply, as text. */
const everywhere = (reply: Reply) => [
  replyToPlainText(reply),
  renderForTerminal(reply, { colour: false, width: 1000 }),
  JSON.stringify(renderSlack({ reply, surface: 'channel' })),
  JSON.stringify(renderDiscord(reply)),
];

it('commands call an unnamed livestream the same', async () => {
  const quiet = h.emulator.addLivestream({ status: 'LIVE' });
  const list = await ask('list');
  const item = list.list?.items.find((i) => i.fields.some((f) => f.value === quiet.id));
  expect(item?.title).toBe(UNNAMED_LIVESTREAM);

  const status = await ask(`status ${quiet.id}`);
  expect(status.title).toBe(`Active session of ${UNNAMED_LIVESTREAM}`);

  const created = await ask('create');
  expect(created.title).toBe(`Livestream created: ${UNNAMED_LIVESTREAM}`);

  const subscribed = await ask(`subscribe ${quiet.id}`);
  expect(replyToPlainText(subscribed)).toContain(`${UNNAMED_LIVESTREAM} (${quiet.id})`);

  for (const reply of [list, status, created]) {
    for (const shown of everywhere(reply)) expect(shown).toContain(UNNAMED_LIVESTREAM);
  }
});

it('start, stop and show call it the same, and a blank name is no name', async () => {
  const meeting = h.emulator.addMeeting();
  const started = await ask(`start ${meeting.id}`);
  expect(started.title).toBe(`Livestream started: ${UNNAMED_LIVESTREAM}`);
  const stream = h.emulator.activeLivestreamOf(meeting.id)!;
  h.emulator.step(); // LIVE

  const prompt = await ask(`stop ${meeting.id}`);
  expect(prompt.title).toBe(`Stop ${UNNAMED_LIVESTREAM}?`);
  const shown = await ask(`show ${stream.id}`);
  expect(shown.title).toBe(UNNAMED_LIVESTREAM);
  const stopped = await ask(`stop ${meeting.id} --yes`);
  expect(stopped.title).toBe(`Livestream stopped: ${UNNAMED_LIVESTREAM}`);

  for (const reply of [started, prompt, shown, stopped]) {
    for (const text of everywhere(reply)) expect(text).toContain(UNNAMED_LIVESTREAM);
  }

  // Only blanks: the API keeps them, every reply calls it unnamed.
  const blank = h.emulator.addLivestream({ name: '   ', status: 'IDLE' });
  expect((await ask(`show ${blank.id}`)).title).toBe(UNNAMED_LIVESTREAM);
  const blankMeeting = h.emulator.addMeeting();
  h.emulator.startMeetingLivestream(blankMeeting.id, { name: '  ' });
  h.emulator.step();
  const blankPrompt = await ask(`stop ${blankMeeting.id}`);
  expect(blankPrompt.title).toBe(`Stop ${UNNAMED_LIVESTREAM}?`);
  expect(JSON.stringify(blankPrompt.actions)).toContain('Viewers of this livestream are cut off');
  expect((await ask(`stop ${blankMeeting.id} --yes`)).title).toBe(
    `Livestream stopped: ${UNNAMED_LIVESTREAM}`,
  );
});

it('notifications call it the same: live, ended, errored and in a digest', async () => {
  const quiet = h.emulator.addLivestream({ status: 'IDLE' });
  await subscribe(h.store, 'C1');
  await h.poller.runCycle(); // the baseline

  h.emulator.setStatus(quiet.id, 'LIVE');
  await h.poller.runCycle();
  await h.drainAll();
  h.emulator.setStatus(quiet.id, 'IDLE');
  await h.poller.runCycle();
  await h.drainAll();
  h.emulator.setStatus(quiet.id, 'ERRORED', 'Ingest disconnected');
  await h.poller.runCycle();
  await h.drainAll();
  // Three at once: a digest.
  const others = [1, 2, 3].map(() => h.emulator.addLivestream({ status: 'IDLE' }));
  await h.poller.runCycle();
  for (const stream of others) h.emulator.setStatus(stream.id, 'LIVE');
  await h.poller.runCycle();
  await h.drainAll();

  const titles = h.sink.sent.map((m) => `${m.op} ${m.reply.title}`);
  expect(titles.slice(0, 3)).toEqual([
    `post ${UNNAMED_LIVESTREAM} is live`,
    `edit ${UNNAMED_LIVESTREAM} ended`,
    `post ${UNNAMED_LIVESTREAM} errored`,
  ]);
  const digest = h.sink.sent.at(-1)!.reply;
  expect(digest.list?.items.map((i) => i.title)).toEqual([
    UNNAMED_LIVESTREAM,
    UNNAMED_LIVESTREAM,
    UNNAMED_LIVESTREAM,
  ]);
  for (const { reply } of h.sink.sent) {
    for (const shown of everywhere(reply)) expect(shown).toContain(UNNAMED_LIVESTREAM);
  }
});
