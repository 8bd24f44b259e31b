/**
 * Buttons in Slack, through the real Bolt app: signed `block_actions` clicks POSTed to /slack/events
 * (and, for paging and Stop, over Socket Mode too), answered through the click's response_url,
 * RealtimeKit played by the emulator. A click is a command: authorised, limited, deduplicated and
 * logged like one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlackAdapter } from '../../adapters/slack/app.js';
import { CommandLimits } from '../../src/command-limits.js';
import { createCore } from '../../src/core.js';
import { clientSettingsOf, createEmulator } from '../../src/emulator/emulator.js';
import { createLogger } from '../../src/log.js';
import { RequestBudget } from '../../src/notify/budget.js';
import { liveMessage } from '../../src/notify/messages.js';
import { createRealtimeKitClient } from '../../src/realtimekit/client.js';
import {
  blocksText,
  buttonNamed,
  buttonsIn,
  SIGNING_SECRET,
  type SlackHarness,
  startSlackHarness,
} from '../fakes/slack-harness.js';
import {
  type RecordedResponse,
  type ResponseRecorder,
  startResponseRecorder,
} from '../fakes/slack-responses.js';
import {
  type BlockActionsFields,
  blockActionsPayload,
  type ClickedButton,
  sendInteraction,
} from '../fakes/slack-signer.js';
import { type FakeSocketModeServer, startFakeSocketModeServer } from '../fakes/slack-socket.js';
import { startFakeSlackWebApi } from '../fakes/slack-web-api.js';

const OPERATOR = 'U0BOSS';
const SOMEONE = 'U0HUMAN';

let h: SlackHarness;

beforeAll(async () => {
  // Operators default to the subscription managers: only U0BOSS may stop.
  h = await startSlackHarness({ managers: [OPERATOR] });
});
afterAll(async () => {
  await h?.stop();
});

/** A slash command and its answer. */
async function ask(text: string, userId = SOMEONE) {
  const sent = await h.command(text, { userId });
  return (await h.responses.next(sent.id)).body;
}

/** A click, its ack, and the `n` answers posted to its response_url. */
async function click(
  button: ClickedButton,
  options: Parameters<SlackHarness['click']>[1] = {},
  answers = 1,
): Promise<{ ack: { status: number; body: string; answeredAt: number }; responses: RecordedResponse[] }> {
  const sent = await h.click(button, options);
  const responses: RecordedResponse[] = [];
  for (let n = 1; n <= answers; n += 1) responses.push(await h.responses.next(sent.id, n));
  return { ack: sent, responses };
}

/** What a test needs of a running Slack setup, whichever transport its clicks arrive by. */
type Setup = Pick<SlackHarness, 'emulator' | 'webApi' | 'adapter'>;

const stopRequests = (on: Setup = h) =>
  on.emulator.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/active-livestream/stop'));

/** A meeting livestreaming now, and its LIVE post in C0FAKE as the notification sink sends it. */
async function liveMeetingPost(name: string, on: Setup = h) {
  const meeting = on.emulator.addMeeting({ title: name });
  const started = on.emulator.startMeetingLivestream(meeting.id, { name });
  on.emulator.step();
  const before = on.webApi.calls.length;
  const { messageId } = await on.adapter.sink.post(
    'C0FAKE',
    liveMessage(
      {
        kind: 'live',
        stream: {
          id: started.id,
          name,
          status: 'LIVE',
          playbackUrl: started.playback_url ?? null,
          meetingId: meeting.id,
        },
        previousStatus: 'INVOKED',
        at: new Date().toISOString(),
      },
      null,
    ),
  );
  const post = on.webApi.calls.slice(before).find((call) => call.method === 'chat.postMessage')!;
  return { meeting, livestreamId: started.id, ts: messageId, blocks: post.params.blocks };
}

describe('list: Previous / Next page in place, each item offers Details', () => {
  it('Next replaces the ephemeral page with the next one, Previous brings it back', async () => {
    for (let i = 0; i < 5; i += 1) h.emulator.addLivestream({ name: `Pager ${i}`, status: 'IDLE' });
    const first = await ask('list --per-page 2');
    expect(blocksText(first.blocks)).toContain('Pager 4');
    expect(buttonsIn(first.blocks).map((b) => b.text?.text)).not.toContain('Previous');

    const next = await click(buttonNamed(first.blocks, 'Next'));
    // Acked with an empty 200, as Slack wants within 3 s; the page comes through the response_url.
    expect(next.ack).toMatchObject({ status: 200, body: '' });
    const second = next.responses[0]!.body;
    expect(second.replace_original).toBe(true);
    expect(second.response_type).toBeUndefined();
    expect(blocksText(second.blocks)).toContain('Pager 2');
    expect(blocksText(second.blocks)).not.toContain('Pager 4');
    expect(h.commandCalls.at(-1)).toMatchObject({
      command: { name: 'list', query: { pageNo: 2, perPage: 2 } },
      context: { platform: 'slack', userId: SOMEONE, channelId: 'C0FAKE' },
    });

    const back = await click(buttonNamed(second.blocks, 'Previous'));
    expect(back.responses[0]!.body.replace_original).toBe(true);
    expect(blocksText(back.responses[0]!.body.blocks)).toContain('Pager 4');
  });

  it('Details answers with the livestream, as a new message only the clicker sees', async () => {
    const stream = h.emulator.addLivestream({ name: 'Detailed show', status: 'IDLE' });
    const page = await ask('list idle --per-page 1');
    const details = buttonsIn(page.blocks).find((b) => b.text?.text === 'Details')!;
    expect(details.value).toBe(`v1:n:show ${stream.id}`);
    const { responses } = await click(details);
    const body = responses[0]!.body;
    expect(body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(blocksText(body.blocks)).toContain('Detailed show');
    expect(blocksText(body.blocks)).toContain(':white_circle: *IDLE*');
  });

  it('a click on a channel message (Details on a LIVE post) is answered to the clicker only', async () => {
    const { blocks, ts, livestreamId } = await liveMeetingPost('Channel details');
    const { responses } = await click(buttonNamed(blocks, 'Details'), {
      is_ephemeral: false,
      message_ts: ts,
    });
    expect(responses[0]!.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(blocksText(responses[0]!.body.blocks)).toContain(livestreamId);
  });
});

describe('create and start replies', () => {
  it('create shows ids and URLs as code, and a Details button', async () => {
    const created = await ask('create Copy me', OPERATOR);
    const stream = h.emulator.livestreams().find((l) => l.name === 'Copy me')!;
    const text = blocksText(created.blocks);
    expect(text).toContain(`\`${stream.id}\``);
    expect(text).toContain(`\`${stream.playback_url}\``);
    expect(buttonNamed(created.blocks, 'Details').value).toBe(`v1:n:show ${stream.id}`);
  });

  it('start shows the livestream with a Details button that works', async () => {
    const meeting = h.emulator.addMeeting({ title: 'Started here' });
    const started = await ask(`start ${meeting.id} Started here`, OPERATOR);
    const stream = h.emulator.activeLivestreamOf(meeting.id)!;
    expect(blocksText(started.blocks)).toContain(`\`${stream.id}\``);
    expect(blocksText(started.blocks)).toContain(`\`${stream.playback_url}\``);
    const { responses } = await click(buttonNamed(started.blocks, 'Details'), { user_id: OPERATOR });
    expect(blocksText(responses[0]!.body.blocks)).toContain('Started here');
  });
});

/**
 * A Slack setup whose clicks arrive by one transport: signed HTTP POSTs to /slack/events, or envelopes
 * over Socket Mode. `click` resolves once the click is acked; its answers go to `responses`.
 */
interface ClickTransport extends Setup {
  responses: ResponseRecorder;
  click(
    button: ClickedButton,
    fields?: Partial<Omit<BlockActionsFields, 'button' | 'response_url' | 'trigger_id'>>,
  ): Promise<{ id: string }>;
  stop(): Promise<void>;
}

let socketClicks = 0;
const TRANSPORTS: { name: string; start: (managers: string[]) => Promise<ClickTransport> }[] = [
  {
    name: 'HTTP',
    async start(managers) {
      const harness = await startSlackHarness({ managers });
      return { ...harness, click: (button, fields) => harness.click(button, fields) };
    },
  },
  {
    name: 'Socket Mode',
    async start(managers) {
      const socket = await startSocketModeSetup({ managers });
      return {
        ...socket,
        async click(button, fields = {}) {
          socketClicks += 1;
          const id = `sock-click-${socketClicks}`;
          const payload = blockActionsPayload({
            trigger_id: `trigger-${id}`,
            ...fields,
            button,
            response_url: socket.responses.urlFor(id),
          });
          await socket.socket.deliver({ type: 'interactive', payload });
          return { id };
        },
      };
    },
  },
];

describe.each(TRANSPORTS)('Stop with its confirmation, over $name', ({ start }) => {
  let t: ClickTransport;
  beforeAll(async () => {
    t = await start([OPERATOR]);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('Stop only asks; the confirming button (with a confirm dialog) stops it and tells the channel who did', async () => {
    const { meeting, blocks, ts } = await liveMeetingPost('Town hall', t);
    const stop = buttonNamed(blocks, 'Stop');
    expect(stop).toMatchObject({ style: 'danger', value: `v1:n:stop ${meeting.id}` });

    const asked = await t.click(stop, { user_id: OPERATOR, is_ephemeral: false, message_ts: ts });
    const prompt = (await t.responses.next(asked.id)).body;
    // The LIVE post stays as it is: the question is the clicker's alone.
    expect(prompt).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(blocksText(prompt.blocks)).toContain('Stop Town hall?');
    expect(t.emulator.activeLivestreamOf(meeting.id)).not.toBeNull();
    expect(stopRequests(t)).toHaveLength(0);

    const confirm = buttonNamed(prompt.blocks, 'Stop livestream');
    expect(confirm.value).toBe(`v1:n:stop ${meeting.id} --yes`);
    expect((confirm as { confirm?: { title: { text: string } } }).confirm?.title.text).toBe(
      'Stop the livestream?',
    );
    const done = await t.click(confirm, { user_id: OPERATOR, is_ephemeral: true });
    const answers = [await t.responses.next(done.id, 1), await t.responses.next(done.id, 2)];
    const told = answers.find((r) => r.body.response_type === 'in_channel')!.body;
    expect(told.replace_original).toBe(false);
    expect(blocksText(told.blocks)).toContain('Stopped by <@U0BOSS>');
    // The prompt goes: its button cannot be clicked again.
    expect(answers.some((r) => r.body.delete_original === true)).toBe(true);
    expect(t.emulator.activeLivestreamOf(meeting.id)).toBeNull();
    expect(stopRequests(t)).toHaveLength(1);
  });

  it('a double click stops once; the second click is told it is running or has just run', async () => {
    const { meeting } = await liveMeetingPost('Double click', t);
    const before = stopRequests(t).length;
    const confirm: ClickedButton = {
      action_id: 'livestream:1',
      value: `v1:n:stop ${meeting.id} --yes`,
      text: { type: 'plain_text', text: 'Stop livestream' },
    };
    const [a, b] = await Promise.all([
      t.click(confirm, { user_id: OPERATOR }),
      t.click(confirm, { user_id: OPERATOR }),
    ]);
    const first = await Promise.all([t.responses.next(a.id), t.responses.next(b.id)]);
    const texts = first.map((r) => blocksText(r.body.blocks));
    expect(texts.filter((text) => text.includes('Stopped by <@U0BOSS>'))).toHaveLength(1);
    expect(texts.filter((text) => text.includes('Already clicked'))).toHaveLength(1);
    expect(stopRequests(t).length - before).toBe(1);
  });
});

describe('Stop on a LIVE post, with its confirmation', () => {
  it('someone who may not operate is refused, told who can, and nothing is stopped', async () => {
    const { meeting, blocks, ts } = await liveMeetingPost('Refused show');
    const before = stopRequests().length;
    const asked = await click(buttonNamed(blocks, 'Stop'), {
      user_id: SOMEONE,
      is_ephemeral: false,
      message_ts: ts,
    });
    expect(asked.responses[0]!.body.response_type).toBe('ephemeral');
    expect(blocksText(asked.responses[0]!.body.blocks)).toContain('<@U0BOSS>');
    // The confirming button, clicked by them anyway (an id is not a permission): refused the same.
    const forced = await click(
      {
        action_id: 'livestream:1',
        value: `v1:n:stop ${meeting.id} --yes`,
        text: { type: 'plain_text', text: 'Stop livestream' },
      },
      { user_id: SOMEONE },
    );
    expect(forced.responses[0]!.body.response_type).toBe('ephemeral');
    expect(blocksText(forced.responses[0]!.body.blocks)).not.toContain('Stopped by');
    expect(h.emulator.activeLivestreamOf(meeting.id)).not.toBeNull();
    expect(stopRequests()).toHaveLength(before);
  });

  it('a second click while the first Stop is running is not told it ran; if the first fails, a later click stops it', async () => {
    const { meeting } = await liveMeetingPost('Failing stop');
    const confirm: ClickedButton = {
      action_id: 'livestream:1',
      value: `v1:n:stop ${meeting.id} --yes`,
      text: { type: 'plain_text', text: 'Stop livestream' },
    };
    const stopPath = `meetings/${meeting.id}/active-livestream/stop`;
    h.emulator.injectFault({ method: 'POST', path: stopPath, status: 500, delayMs: 1_000 });
    const a = await h.click(confirm, { user_id: OPERATOR });
    await h.emulator.waitForRequest((r) => r.method === 'POST' && r.path === stopPath);
    const b = await h.click(confirm, { user_id: OPERATOR });
    const second = blocksText((await h.responses.next(b.id)).body.blocks);
    expect(second).toContain('is running or has just run');
    expect(second).not.toContain('ran once');
    const first = blocksText((await h.responses.next(a.id)).body.blocks);
    expect(first).not.toContain('Stopped by');
    expect(h.emulator.activeLivestreamOf(meeting.id)).not.toBeNull();
    // The failure freed the button: clicking again stops it.
    const again = await click(confirm, { user_id: OPERATOR }, 2);
    expect(again.responses.map((r) => blocksText(r.body.blocks)).join('\n')).toContain(
      'Stopped by <@U0BOSS>',
    );
    expect(h.emulator.activeLivestreamOf(meeting.id)).toBeNull();
  });

  it('a click Slack delivers twice (a retry of the same trigger_id) runs once', async () => {
    const before = h.commandCalls.length;
    const button: ClickedButton = {
      action_id: 'livestream:1',
      value: 'v1:p:list --page 1',
      text: { type: 'plain_text', text: 'Previous' },
    };
    const payload = blockActionsPayload({
      button,
      response_url: h.responses.urlFor('retried'),
      trigger_id: 'trigger-retried',
      action_ts: '1700000000.000001',
    });
    const sent = await sendInteraction({ url: h.eventsUrl, signingSecret: SIGNING_SECRET, payload });
    const again = await sendInteraction({
      url: h.eventsUrl,
      signingSecret: SIGNING_SECRET,
      payload,
      headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
    });
    expect([sent.status, again.status]).toEqual([200, 200]);
    await h.responses.next('retried');
    // A later click's answer shows the repeat was not answered in between.
    await click({ ...button, value: 'v1:p:list --page 2' });
    expect(h.responses.responses.filter((r) => r.id === 'retried')).toHaveLength(1);
    expect(h.commandCalls.length - before).toBe(2);
  });
});

describe('buttons that cannot be trusted or read', () => {
  it('a button of an old version says clearly that it expired', async () => {
    for (const value of ['list:2:LIVE', 'v0:n:list', 'v9:n:list live']) {
      const before = h.commandCalls.length;
      const { responses } = await click({ action_id: 'livestream:1', value });
      expect(responses[0]!.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
      expect(blocksText(responses[0]!.body.blocks)).toContain('This button has expired');
      expect(h.commandCalls.length).toBe(before);
    }
  });

  it('a forged id runs nothing (create is no button), and is answered as expired', async () => {
    const count = h.emulator.livestreams().length;
    const { responses } = await click(
      { action_id: 'livestream:1', value: 'v1:n:create Sneaky' },
      { user_id: OPERATOR },
    );
    expect(blocksText(responses[0]!.body.blocks)).toContain('This button has expired');
    expect(h.emulator.livestreams()).toHaveLength(count);
  });

  it('a click on a link button (Watch) is acked and nothing is answered', async () => {
    const watch = await h.click({ action_id: 'livestream:link:1', url: 'https://watch.test/v.m3u8' });
    expect(watch.status).toBe(200);
    await click({ action_id: 'livestream:2', value: 'v1:p:list --page 1' });
    expect(h.responses.responses.filter((r) => r.id === watch.id)).toHaveLength(0);
  });

  it('an unsigned click is refused (401) before anything runs', async () => {
    const before = h.commandCalls.length;
    const payload = blockActionsPayload({
      button: { action_id: 'livestream:1', value: 'v1:p:list --page 1' },
      response_url: h.responses.urlFor('forged'),
      trigger_id: 'trigger-forged',
    });
    const sent = await sendInteraction({ url: h.eventsUrl, signingSecret: 'not-the-secret', payload });
    expect(sent.status).toBe(401);
    expect(h.commandCalls.length).toBe(before);
  });

  it('is acked before a slow API answers, and logged without the response_url', async () => {
    h.emulator.injectFault({ method: 'GET', path: 'livestreams', delayMs: 1_500 });
    const { ack, responses } = await click(
      { action_id: 'livestream:1', value: 'v1:p:list --page 3' },
      { id: 'slow-click' },
    );
    expect(responses[0]!.at - ack.answeredAt).toBeGreaterThanOrEqual(1_400);
    h.emulator.clearFaults();
    const logged = await h.waitForLog('button', (record) => String(record.command) === 'list');
    const all = h.logLines.join('\n');
    expect(logged).toMatchObject({ platform: 'slack' });
    expect(all).not.toContain(h.responses.urlFor('slow-click'));
    expect(all).not.toContain(SIGNING_SECRET);
  });
});

describe('a refused or failed click on a page keeps the page', () => {
  it('an API error on Older sessions answers as a new ephemeral message, the page stays', async () => {
    const stream = h.emulator.addLivestream({ name: 'Kept page', status: 'IDLE' });
    h.emulator.injectFault({ method: 'GET', path: `livestreams/${stream.id}`, status: 500 });
    try {
      const { responses } = await click({
        action_id: 'livestream:1',
        value: `v1:p:show ${stream.id} --page 2`,
        text: { type: 'plain_text', text: 'Older sessions' },
      });
      const body = responses[0]!.body;
      expect(body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
      expect(blocksText(body.blocks)).toContain('That did not work');
    } finally {
      h.emulator.clearFaults();
    }
  });
});

describe('limits', () => {
  it('a paging click past the limit is told to slow down in a message of its own, the page stays', async () => {
    const limited = await startSlackHarness({
      limits: new CommandLimits({
        budget: new RequestBudget(900),
        commands: { count: 1, perMs: 60_000 },
        creates: { count: 3, perMs: 600_000 },
      }),
    });
    try {
      const next: ClickedButton = { action_id: 'livestream:1', value: 'v1:p:list --page 2' };
      const first = await limited.click(next);
      expect((await limited.responses.next(first.id)).body.replace_original).toBe(true);
      const second = await limited.click(next);
      const refused = (await limited.responses.next(second.id)).body;
      expect(blocksText(refused.blocks)).toContain('Slow down');
      expect(refused).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    } finally {
      await limited.stop();
    }
  });

  it('clicks count against the person’s command limit, like commands', async () => {
    const limited = await startSlackHarness({
      limits: new CommandLimits({
        budget: new RequestBudget(900),
        commands: { count: 2, perMs: 60_000 },
        creates: { count: 3, perMs: 600_000 },
      }),
    });
    try {
      const page: ClickedButton = { action_id: 'livestream:1', value: 'v1:p:list --page 1' };
      const answers: string[] = [];
      for (let i = 0; i < 3; i += 1) {
        const sent = await limited.click(page);
        answers.push(blocksText((await limited.responses.next(sent.id)).body.blocks));
      }
      expect(answers[0]).not.toContain('Slow down');
      expect(answers[1]).not.toContain('Slow down');
      expect(answers[2]).toContain('Slow down');
    } finally {
      await limited.stop();
    }
  });
});

/** The real Slack adapter in Socket Mode, connected to the fake Socket Mode server. */
interface SocketModeSetup extends Setup {
  responses: ResponseRecorder;
  socket: FakeSocketModeServer;
  stop(): Promise<void>;
}

async function startSocketModeSetup({ managers }: { managers: string[] }): Promise<SocketModeSetup> {
  const emulator = createEmulator({ seed: 21 });
  await emulator.start();
  const client = createRealtimeKitClient({ ...clientSettingsOf(emulator.settings()), retries: 0 });
  const log = createLogger({ write: () => {} });
  const webApi = await startFakeSlackWebApi();
  const responses = await startResponseRecorder();
  const socket = await startFakeSocketModeServer();
  webApi.script('apps.connections.open', { body: { ok: true, url: socket.url } }, 10);
  const adapter = await startSlackAdapter({
    config: {
      botToken: 'xoxb-socket-actions',
      signingSecret: null,
      appToken: 'xapp-1-A0FAKE-0000-apptoken',
      apiUrl: webApi.apiUrl,
      port: 3000,
      notifyChannel: null,
      managers,
    },
    core: createCore({ client, log }),
    log,
  });
  await socket.connected;
  return {
    emulator,
    webApi,
    responses,
    socket,
    adapter,
    async stop() {
      await adapter.stop();
      await socket.closed;
      await Promise.all([socket.close(), webApi.close(), responses.close(), emulator.stop()]);
    },
  };
}

describe('over Socket Mode', () => {
  let setup: SocketModeSetup;
  beforeAll(async () => {
    setup = await startSocketModeSetup({ managers: [] });
  });
  afterAll(async () => {
    await setup?.stop();
  });

  it('an interactive envelope is acked, and Next pages in place', async () => {
    const { emulator, responses, socket } = setup;
    for (let i = 0; i < 3; i += 1) emulator.addLivestream({ name: `Socket page ${i}`, status: 'LIVE' });
    const payload = blockActionsPayload({
      button: { action_id: 'livestream:1', value: 'v1:p:list live --page 2 --per-page 2' },
      response_url: responses.urlFor('sock-1'),
      trigger_id: 'trigger-sock-1',
    });
    const ack = await socket.deliver({ type: 'interactive', payload, envelopeId: 'env-click-1' });
    expect(ack.envelope_id).toBe('env-click-1');
    const answer = await responses.next('sock-1');
    expect(answer.at).toBeGreaterThanOrEqual(ack.at);
    expect(answer.body.replace_original).toBe(true);
    expect(blocksText(answer.body.blocks)).toContain('Socket page 0');
    expect(blocksText(answer.body.blocks)).not.toContain('Socket page 2');
  });
});
