/**
 * Buttons in Discord, through the real discord.js client: MESSAGE_COMPONENT interactions from the fake
 * gateway, answered within Discord's 3 s (UPDATE_MESSAGE in place, an ephemeral reply, or deferred
 * when the API is slow), RealtimeKit played by the emulator. A click is a command: authorised,
 * limited, deduplicated, logged like one; its custom_id is never trusted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandLimits } from '../../src/command-limits.js';
import { RequestBudget } from '../../src/notify/budget.js';
import { liveMessage } from '../../src/notify/messages.js';
import {
  APP_ID,
  BOT_TOKEN,
  CHANNEL_ID,
  type DiscordHarness,
  startDiscordHarness,
} from '../fakes/discord-harness.js';
import type { ChatInputInteraction } from '../fakes/discord-interactions.js';

const EPHEMERAL = 64;
const CHANNEL_MESSAGE = 4;
const DEFERRED_CHANNEL_MESSAGE = 5;
const DEFERRED_UPDATE_MESSAGE = 6;
const UPDATE_MESSAGE = 7;
const OPERATOR_ROLE = '1300000000000000001';
const OPERATOR = '1200000000000000077';

type Button = { label?: string; custom_id?: string; url?: string; style?: number };
type Body = {
  embeds?: { title?: string; description?: string; fields?: { name: string; value: string }[] }[];
  components?: { components: Button[] }[];
  flags?: number;
};

const textOf = (body: Body | undefined) => JSON.stringify(body?.embeds ?? []);
const buttonsOf = (body: Body | undefined) => (body?.components ?? []).flatMap((row) => row.components);
function button(body: Body | undefined, label: string): Button {
  const found = buttonsOf(body).find((b) => b.label === label);
  if (!found)
    throw new Error(`no button "${label}" in ${JSON.stringify(buttonsOf(body).map((b) => b.label))}`);
  return found;
}

let h: DiscordHarness;

beforeAll(async () => {
  // Operators default to the subscription roles.
  h = await startDiscordHarness({ managerRoles: [OPERATOR_ROLE] });
});
afterAll(async () => {
  await h?.stop();
});

/** `/livestream <subcommand>` and its answer's data. */
async function ask(subcommand: string, options: Record<string, string | number> = {}, roles: string[] = []) {
  const interaction = h.run(subcommand, options, { roles });
  return (await h.callback(interaction)).body.data as Body;
}

const stopRequests = () =>
  h.emulator.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/active-livestream/stop'));

/** A meeting livestreaming now, and its LIVE post in the channel as the notification sink sends it. */
async function liveMeetingPost(name: string) {
  const meeting = h.emulator.addMeeting({ title: name });
  const started = h.emulator.startMeetingLivestream(meeting.id, { name });
  h.emulator.step();
  const { messageId } = await h.adapter.sink.post(
    CHANNEL_ID,
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
  const post = h.discord.messages.find((m) => m.id === messageId)!;
  return { meeting, livestreamId: started.id, message: { id: messageId, flags: 0, ...(post.body as Body) } };
}

describe('list: Previous / Next page in place, each item offers Details', () => {
  it('Next updates the ephemeral message in place (UPDATE_MESSAGE), Previous brings the page back', async () => {
    for (let i = 0; i < 5; i += 1) h.emulator.addLivestream({ name: `Pager ${i}`, status: 'IDLE' });
    const first = await ask('list', { per_page: 2 });
    expect(first.flags).toBe(EPHEMERAL);
    expect(textOf(first)).toContain('Pager 4');
    expect(buttonsOf(first).map((b) => b.label)).toEqual(['1. Details', '2. Details', 'Next']);

    const next = h.click(button(first, 'Next').custom_id!, { message: { flags: EPHEMERAL, ...first } });
    const updated = (await h.callback(next)).body;
    expect(updated.type).toBe(UPDATE_MESSAGE);
    const second = updated.data as Body;
    expect(second.flags).toBeUndefined();
    expect(textOf(second)).toContain('Pager 2');
    expect(textOf(second)).not.toContain('Pager 4');
    expect(buttonsOf(second).map((b) => b.label)).toEqual(['3. Details', '4. Details', 'Previous', 'Next']);
    expect(h.contexts.at(-1)).toMatchObject({ platform: 'discord', channelId: CHANNEL_ID });

    const back = h.click(button(second, 'Previous').custom_id!, { message: { flags: EPHEMERAL, ...second } });
    const page = (await h.callback(back)).body;
    expect(page.type).toBe(UPDATE_MESSAGE);
    expect(textOf(page.data as Body)).toContain('Pager 4');
  });

  it('Details answers ephemerally with the livestream, whatever its status', async () => {
    const stream = h.emulator.addLivestream({ name: 'Detailed show', status: 'IDLE' });
    const page = await ask('list', { status: 'idle', per_page: 1 });
    const details = button(page, '1. Details');
    expect(details.custom_id).toBe(`v1:n:show ${stream.id}`);
    const answer = (await h.callback(h.click(details.custom_id!, { message: { flags: EPHEMERAL, ...page } })))
      .body;
    expect(answer.type).toBe(CHANNEL_MESSAGE);
    expect(answer.data?.flags).toBe(EPHEMERAL);
    expect(textOf(answer.data as Body)).toContain('Detailed show');
    expect(textOf(answer.data as Body)).toContain('IDLE');
  });

  it('a LIVE post offers Watch as a link; Details on it answers only the clicker', async () => {
    const { message, livestreamId } = await liveMeetingPost('Channel details');
    expect(button(message, 'Watch').url).toMatch(/^https:\/\//);
    const answer = (await h.callback(h.click(button(message, 'Details').custom_id!, { message }))).body;
    expect(answer).toMatchObject({ type: CHANNEL_MESSAGE, data: { flags: EPHEMERAL } });
    expect(textOf(answer.data as Body)).toContain(livestreamId);
  });
});

describe('create and start replies', () => {
  it('start shows the livestream, copyable, with a Details button that works', async () => {
    const meeting = h.emulator.addMeeting({ title: 'Started here' });
    const started = await ask('start', { meeting_id: meeting.id, name: 'Started here' }, [OPERATOR_ROLE]);
    const stream = h.emulator.activeLivestreamOf(meeting.id)!;
    expect(textOf(started)).toContain(`\`${stream.id}\``);
    expect(textOf(started)).toContain(`\`${stream.playback_url}\``);
    const details = button(started, 'Details');
    const answer = (await h.callback(h.click(details.custom_id!, { roles: [OPERATOR_ROLE] }))).body;
    expect(textOf(answer.data as Body)).toContain('Started here');
  });

  it('create shows the playback URL as code and a Details button', async () => {
    const created = await ask('create', { name: 'Copy me' }, [OPERATOR_ROLE]);
    const stream = h.emulator.livestreams().find((l) => l.name === 'Copy me')!;
    expect(textOf(created)).toContain(`\`${stream.playback_url}\``);
    expect(button(created, 'Details').custom_id).toBe(`v1:n:show ${stream.id}`);
  });
});

describe('Stop on a LIVE post, with its confirmation', () => {
  it('Stop asks (ephemeral); the confirming button stops it, replaces the prompt and tells the channel who did', async () => {
    const { meeting, message } = await liveMeetingPost('Town hall');
    const stop = button(message, 'Stop');
    expect(stop.custom_id).toBe(`v1:n:stop ${meeting.id}`);
    const asked = (
      await h.callback(h.click(stop.custom_id!, { message, userId: OPERATOR, roles: [OPERATOR_ROLE] }))
    ).body;
    expect(asked).toMatchObject({ type: CHANNEL_MESSAGE, data: { flags: EPHEMERAL } });
    const prompt = asked.data as Body;
    expect(textOf(prompt)).toContain('Stop Town hall?');
    expect(h.emulator.activeLivestreamOf(meeting.id)).not.toBeNull();

    const confirm = button(prompt, 'Stop livestream');
    expect(confirm.custom_id).toBe(`v1:n:stop ${meeting.id} --yes`);
    const click = h.click(confirm.custom_id!, {
      message: { flags: EPHEMERAL, ...prompt },
      userId: OPERATOR,
      roles: [OPERATOR_ROLE],
    });
    const replaced = (await h.callback(click)).body;
    // The prompt itself becomes the answer, its button gone.
    expect(replaced.type).toBe(UPDATE_MESSAGE);
    expect(buttonsOf(replaced.data as Body)).toEqual([]);
    const told = (await h.followUp(click)).body as Body;
    expect(told.flags ?? 0).toBe(0);
    expect(textOf(told)).toContain(`Stopped by <@${OPERATOR}>`);
    expect(h.emulator.activeLivestreamOf(meeting.id)).toBeNull();
    expect(stopRequests()).toHaveLength(1);
  });

  it('someone who may not operate is refused, told who can, and nothing is stopped', async () => {
    const { meeting, message } = await liveMeetingPost('Refused show');
    const before = stopRequests().length;
    const asked = (await h.callback(h.click(button(message, 'Stop').custom_id!, { message }))).body;
    expect(asked).toMatchObject({ type: CHANNEL_MESSAGE, data: { flags: EPHEMERAL } });
    expect(textOf(asked.data as Body)).toContain(OPERATOR_ROLE);
    // The confirming id, clicked by them anyway: an id is not a permission.
    const forced = (await h.callback(h.click(`v1:n:stop ${meeting.id} --yes`))).body;
    expect(textOf(forced.data as Body)).not.toContain('Stopped by');
    expect(h.emulator.activeLivestreamOf(meeting.id)).not.toBeNull();
    expect(stopRequests()).toHaveLength(before);
  });

  it('a double click stops once; the second click is told it is running or has just run', async () => {
    const { meeting } = await liveMeetingPost('Double click');
    const before = stopRequests().length;
    const id = `v1:n:stop ${meeting.id} --yes`;
    const clicks = [1, 2].map(() => h.click(id, { userId: OPERATOR, roles: [OPERATOR_ROLE] }));
    const answers = await Promise.all(clicks.map((c) => h.callback(c)));
    const texts = await Promise.all(
      answers.map(async (a, i) =>
        a.body.type === UPDATE_MESSAGE
          ? textOf((await h.followUp(clicks[i]!)).body as Body)
          : textOf(a.body.data as Body),
      ),
    );
    expect(texts.filter((t) => t.includes(`Stopped by <@${OPERATOR}>`))).toHaveLength(1);
    expect(texts.filter((t) => t.includes('Already clicked'))).toHaveLength(1);
    expect(stopRequests().length - before).toBe(1);
  });

  it('a second click while the first Stop is running is not told it ran; if the first fails, a later click stops it', async () => {
    const { meeting } = await liveMeetingPost('Failing stop');
    const id = `v1:n:stop ${meeting.id} --yes`;
    const operator = { userId: OPERATOR, roles: [OPERATOR_ROLE] };
    const stopPath = `meetings/${meeting.id}/active-livestream/stop`;
    h.emulator.injectFault({ method: 'POST', path: stopPath, status: 500, delayMs: 1_000 });
    const a = h.click(id, operator);
    await h.emulator.waitForRequest((r) => r.method === 'POST' && r.path === stopPath);
    const second = textOf((await h.callback(h.click(id, operator))).body.data as Body);
    expect(second).toContain('is running or has just run');
    expect(second).not.toContain('ran once');
    const first = (await h.callback(a)).body;
    expect(textOf(first.data as Body)).not.toContain('Stopped by');
    expect(h.emulator.activeLivestreamOf(meeting.id)).not.toBeNull();
    // The failure freed the button: clicking again stops it.
    const again = h.click(id, operator);
    await h.callback(again);
    expect(textOf((await h.followUp(again)).body as Body)).toContain(`Stopped by <@${OPERATOR}>`);
    expect(h.emulator.activeLivestreamOf(meeting.id)).toBeNull();
  });

  it('the same interaction delivered twice (a gateway replay) is answered once', async () => {
    const page = await ask('list', { per_page: 1 });
    const click = h.click(button(page, 'Next').custom_id!, { message: { flags: EPHEMERAL, ...page } });
    h.deliver(click);
    await h.callback(click);
    // A later click's answer shows the replay was not answered in between.
    await h.callback(h.click(button(page, 'Next').custom_id!, { message: { flags: EPHEMERAL, ...page } }));
    const callbacks = h.discord.requests.filter(
      (r) => r.route === `/interactions/${click.id}/${click.token}/callback`,
    );
    expect(callbacks).toHaveLength(1);
  });
});

describe('a refused or failed click on a page keeps the page', () => {
  it('an API error on Older sessions answers as a new ephemeral message, not over the page', async () => {
    const stream = h.emulator.addLivestream({ name: 'Kept page', status: 'IDLE' });
    h.emulator.injectFault({ method: 'GET', path: `livestreams/${stream.id}`, status: 500 });
    try {
      const answer = (await h.callback(h.click(`v1:p:show ${stream.id} --page 2`))).body;
      expect(answer).toMatchObject({ type: CHANNEL_MESSAGE, data: { flags: EPHEMERAL } });
      expect(textOf(answer.data as Body)).toContain('That did not work');
    } finally {
      h.emulator.clearFaults();
    }
  });

  it('a paging click past the person’s limit gets "Slow down" in a message of its own', async () => {
    const limited = await startDiscordHarness({
      limits: new CommandLimits({
        budget: new RequestBudget(900),
        commands: { count: 1, perMs: 60_000 },
        creates: { count: 3, perMs: 600_000 },
      }),
    });
    try {
      const first = (await limited.callback(limited.click('v1:p:list --page 2'))).body;
      expect(first.type).toBe(UPDATE_MESSAGE);
      const refused = (await limited.callback(limited.click('v1:p:list --page 2'))).body;
      expect(refused).toMatchObject({ type: CHANNEL_MESSAGE, data: { flags: EPHEMERAL } });
      expect(textOf(refused.data as Body)).toContain('Slow down');
    } finally {
      await limited.stop();
    }
  });
});

describe('limits', () => {
  it('clicks count against the person’s command limit, like commands', async () => {
    const limited = await startDiscordHarness({
      limits: new CommandLimits({
        budget: new RequestBudget(900),
        commands: { count: 2, perMs: 60_000 },
        creates: { count: 3, perMs: 600_000 },
      }),
    });
    try {
      const answers: string[] = [];
      for (let i = 0; i < 3; i += 1) {
        const click = limited.click('v1:n:list live --per-page 1', { userId: OPERATOR });
        answers.push(textOf((await limited.callback(click)).body.data as Body));
      }
      for (const answer of answers) expect(answer).not.toContain('This button has expired');
      expect(answers[0]).not.toContain('Slow down');
      expect(answers[1]).not.toContain('Slow down');
      expect(answers[2]).toContain('Slow down');
      // Per person: someone else may still click.
      const other = limited.click('v1:n:list live --per-page 1', { userId: '1200000000000000078' });
      expect(textOf((await limited.callback(other)).body.data as Body)).not.toContain('Slow down');
    } finally {
      await limited.stop();
    }
  });
});

describe('custom ids that cannot be trusted or read', () => {
  const expired = async (customId: string) => {
    const before = h.contexts.length;
    const answer = (await h.callback(h.click(customId, { roles: [OPERATOR_ROLE] }))).body;
    expect(answer).toMatchObject({ type: CHANNEL_MESSAGE, data: { flags: EPHEMERAL } });
    expect(textOf(answer.data as Body)).toContain('This button has expired');
    expect(h.contexts.length).toBe(before);
  };

  it('a button of an old message in an older shape says clearly that it expired', async () => {
    await expired('list:2:LIVE');
    await expired('v0:n:list');
  });

  it('a forged id runs nothing: not create, not an over-long id, not smuggled words', async () => {
    const count = h.emulator.livestreams().length;
    await expired('v1:n:create Sneaky');
    await expired(`v1:n:list --page 2${' '.repeat(100)}`);
    await expired('v1:n:show abc --yes');
    expect(h.emulator.livestreams()).toHaveLength(count);
  });

  it('never logs the bot token or an interaction token', async () => {
    const click = h.click('v1:p:list --page 1');
    await h.callback(click);
    const logs = h.logs.join('\n');
    expect(logs).toContain('button clicked');
    expect(logs).not.toContain(BOT_TOKEN);
    expect(logs).not.toContain(click.token);
  });
});

describe('a slow API: the click is acknowledged within Discord’s 3 s, then answered', () => {
  let slow: DiscordHarness;
  beforeAll(async () => {
    slow = await startDiscordHarness({ deferAfterMs: 50 });
    for (let i = 0; i < 3; i += 1) slow.emulator.addLivestream({ name: `Slow ${i}`, status: 'LIVE' });
  });
  afterAll(async () => {
    await slow?.stop();
  });

  const deferred = async (interaction: ChatInputInteraction) => {
    slow.emulator.injectFault({ method: 'GET', path: 'livestreams', delayMs: 600 });
    try {
      const ack = await slow.callback(interaction);
      const edit = await slow.edit(interaction);
      return { ack: ack.body, edit: edit.body as Body };
    } finally {
      slow.emulator.clearFaults();
    }
  };

  it('paging: DEFERRED_UPDATE_MESSAGE, then the page edits the same message', async () => {
    const { ack, edit } = await deferred(
      slow.click('v1:p:list --page 2 --per-page 1', { message: { flags: EPHEMERAL } }),
    );
    expect(ack.type).toBe(DEFERRED_UPDATE_MESSAGE);
    expect(textOf(edit)).toContain('Slow 1');
    expect(buttonsOf(edit).map((b) => b.label)).toContain('Previous');
  });

  it('paging that fails after the deferral: the page stays, the error comes as an ephemeral follow-up', async () => {
    slow.emulator.injectFault({ method: 'GET', path: 'livestreams', status: 500, delayMs: 600 });
    try {
      const click = slow.click('v1:p:list --page 2 --per-page 1', { message: { flags: EPHEMERAL } });
      expect((await slow.callback(click)).body.type).toBe(DEFERRED_UPDATE_MESSAGE);
      const told = (await slow.followUp(click)).body as Body;
      expect(told.flags).toBe(EPHEMERAL);
      expect(textOf(told)).toContain('That did not work');
      const edits = slow.discord.requests.filter(
        (r) => r.method === 'PATCH' && r.route.startsWith(`/webhooks/${APP_ID}/${click.token}/`),
      );
      expect(edits).toEqual([]);
    } finally {
      slow.emulator.clearFaults();
    }
  });

  it('a new answer: a deferred ephemeral reply, then edited', async () => {
    const { ack, edit } = await deferred(slow.click('v1:n:list live --per-page 1'));
    expect(ack).toMatchObject({ type: DEFERRED_CHANNEL_MESSAGE, data: { flags: EPHEMERAL } });
    expect(textOf(edit)).toContain('Slow 2');
  });
});
