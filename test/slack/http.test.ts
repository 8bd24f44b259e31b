/**
 * The real Bolt app in HTTP mode on 127.0.0.1, driven the way Slack drives it: signed url-encoded
 * slash commands in, answers out through the response_url, RealtimeKit played by the emulator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textExamples } from '../../src/commands/help.js';
import { COMMAND_SPECS } from '../../src/commands/spec.js';
import { reply } from '../../src/reply.js';
import { blocksText, type SlackHarness, startSlackHarness } from '../fakes/slack-harness.js';

const MEETING = '182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e';

let h: SlackHarness;

beforeAll(async () => {
  h = await startSlackHarness({
    managers: ['U0BOSS'],
    // Two texts the real core does not know, to reach paths it never takes.
    core: (inner) => ({
      ...inner,
      async replyToText(text, context) {
        if (text === 'boom') throw new Error('kaboom');
        if (text === 'share') {
          return reply({
            title: 'Shared with everyone',
            visibility: 'channel',
            fields: [{ label: 'Key', value: 'sup3r-s3cret-key', format: 'secret' }],
          });
        }
        return inner.replyToText(text, context);
      },
    }),
  });
});
afterAll(async () => {
  await h?.stop();
});

/** Sends a command and waits for its answer on the response_url. */
async function ask(text: string, options: { userId?: string } = {}) {
  const sent = await h.command(text, options);
  expect(sent.status).toBe(200);
  const response = await h.responses.next(sent.id);
  return { sent, response, body: response.body, shown: blocksText(response.body.blocks) };
}

describe('every subcommand answers through respond()', () => {
  it('help lists every command, ephemeral', async () => {
    const { body, shown, response } = await ask('help');
    expect(response.contentType).toContain('application/json');
    expect(body.response_type).toBe('ephemeral');
    for (const spec of COMMAND_SPECS) expect(shown).toContain(`/livestream ${spec.name}`);
    expect(typeof body.text).toBe('string');
  });

  it('help <command> shows its usage in a code span', async () => {
    const { shown } = await ask('help list');
    expect(shown).toContain('`/livestream list [live|idle|errored|invoked]');
  });

  it('list shows badges, date tokens, playback links and the next page', async () => {
    const meetingStream = h.emulator.addLivestream({
      name: 'Town <Hall> & Co',
      status: 'LIVE',
      meeting_id: MEETING,
    });
    for (let i = 0; i < 3; i += 1) h.emulator.addLivestream({ name: `Filler ${i}`, status: 'IDLE' });
    const { body, shown } = await ask('list --per-page 2');
    expect(body.response_type).toBe('ephemeral');
    expect(shown).toContain('Filler 2');
    expect(shown).toContain(':white_circle: *IDLE*');
    expect(shown).toMatch(/<!date\^\d+\^\{date_short_pretty\} \{time\}\|\d{4}-\d\d-\d\dT[^>]+>/);
    expect(shown).toMatch(/<https:\/\/[^|>]+\|Watch>/);
    expect(shown).toContain('Next page: `/livestream list --page 2 --per-page 2');

    const live = await ask('list live');
    expect(live.shown).toContain(':red_circle: *LIVE*');
    // Escaped: a name cannot inject mentions or links.
    expect(live.shown).toContain('Town &lt;Hall&gt; &amp; Co');
    expect(live.shown).toContain(meetingStream.id);
  });

  it('create answers ephemeral only, with the stream key in a code span', async () => {
    // create is an operator's: the subscription managers, SLACK_OPERATORS being unset.
    const { body, shown } = await ask('create Friday town hall', { userId: 'U0BOSS' });
    expect(body.response_type).toBe('ephemeral');
    const created = h.emulator.livestreams().find((l) => l.name === 'Friday town hall');
    expect(created).toBeDefined();
    expect(shown).toContain(`*Stream key:* \`${created?.stream_key}\``);
    expect(shown).toContain('rtmps://live.cloudflare.com:443/live/');
    expect(shown).toMatch(/<https:\/\/[^|>]+\|Playback URL>/);
  });

  it('create drops bidi controls and zero-width characters from the name before it reaches the API', async () => {
    const { shown } = await ask('create Quiet\u202Egnol\u202C \u2066show\u2069\u200B\uFEFF', {
      userId: 'U0BOSS',
    });
    const created = h.emulator.livestreams().filter((l) => l.name?.startsWith('Quiet'));
    expect(created.map((l) => l.name)).toEqual(['Quietgnol show']);
    expect(shown).toContain('Quietgnol show');
    expect(shown).not.toMatch(/[\u061C\u200B-\u200F\u202A-\u202E\u2060\u2066-\u2069\uFEFF]/);
  });

  it('status shows the active session of a live stream', async () => {
    const stream = h.emulator.addLivestream({ name: 'Status show', status: 'IDLE' });
    h.emulator.setStatus(stream.id, 'LIVE');
    const session = h.emulator.sessionsOf(stream.id)[0];
    const { shown, body } = await ask(`status ${stream.id}`);
    expect(body.response_type).toBe('ephemeral');
    expect(shown).toContain('Active session of Status show');
    expect(shown).toContain(':red_circle: *LIVE*');
    expect(shown).toContain(`\`${session?.id}\``);
  });

  it('session shows one session by id', async () => {
    const stream = h.emulator.addLivestream({ name: 'Session show', status: 'IDLE' });
    h.emulator.setStatus(stream.id, 'LIVE');
    h.emulator.setStatus(stream.id, 'ERRORED', 'Bitrate too high');
    const session = h.emulator.sessionsOf(stream.id)[0];
    const { shown } = await ask(`session ${session?.id}`);
    expect(shown).toContain('Livestream session');
    expect(shown).toContain('Bitrate too high');
  });

  it('meeting shows the active livestream of a meeting', async () => {
    const { shown } = await ask(`meeting ${MEETING}`);
    expect(shown).toContain(`Active livestream of meeting ${MEETING}`);
    expect(shown).toContain('Town &lt;Hall&gt; &amp; Co');
  });

  it('a mistyped command gets the usage, ephemeral', async () => {
    const { body, shown } = await ask('lsit');
    expect(body.response_type).toBe('ephemeral');
    expect(shown).toContain('Did you mean "list"?');
  });

  it('every example in the grammar gets an answer', async () => {
    for (const spec of COMMAND_SPECS) {
      const example = textExamples(spec)[0] ?? spec.name;
      if (spec.name === 'stats') {
        // Its chart is shared in the channel as a file (adapters/slack/upload.ts), not by response_url.
        await h.command(example);
        await h.webApi.waitForCall('files.completeUploadExternal');
        continue;
      }
      const { body } = await ask(example);
      expect(body.response_type, example).toBe('ephemeral');
      expect(Array.isArray(body.blocks), example).toBe(true);
    }
  });
});

describe('context handed to the core', () => {
  it('carries the channel, the user and whether they may manage and operate', async () => {
    const before = h.coreCalls.length;
    await ask('help', { userId: 'U0HUMAN' });
    await ask('help', { userId: 'U0BOSS' });
    const [human, boss] = h.coreCalls.slice(before);
    expect(human?.context).toEqual({
      platform: 'slack',
      channelId: 'C0FAKE',
      userId: 'U0HUMAN',
      canManage: false,
      canMention: expect.any(Function),
      // Slack's rule for a refused ping, in Slack's words: the core names none.
      mentionRight: expect.stringContaining('Only subscription managers'),
      // Operators default to the subscription managers.
      canOperate: false,
      operators: {
        userIds: ['U0BOSS'],
        roleIds: [],
        permission: null,
        setting: 'SLACK_SUBSCRIPTION_MANAGERS',
      },
    });
    expect(boss?.context.canManage).toBe(true);
    expect(boss?.context.canOperate).toBe(true);
    expect(human?.text).toBe('help');
  });
});

describe('failures', () => {
  it('an API error becomes a readable ephemeral reply', async () => {
    h.emulator.injectFault({ status: 500, path: 'livestreams' });
    const { body, shown } = await ask('list');
    expect(body.response_type).toBe('ephemeral');
    expect(shown).toContain('RealtimeKit is having trouble (HTTP 500)');
  });

  it('an unknown livestream is "Not found"', async () => {
    const { shown } = await ask('status 00000000-0000-4000-8000-000000000000');
    expect(shown).toContain('Not found');
  });

  it('a forged signature is rejected with 401 and the core is never called', async () => {
    const before = h.coreCalls.length;
    const sent = await h.command('create Forged', { signature: `v0=${'0'.repeat(64)}` });
    expect(sent.status).toBe(401);
    expect(h.coreCalls).toHaveLength(before);
    expect(h.responses.responses.filter((r) => r.id === sent.id)).toHaveLength(0);
    expect(h.emulator.livestreams().some((l) => l.name === 'Forged')).toBe(false);
  });

  it('a correctly signed but stale request (6 minutes old) is rejected', async () => {
    const before = h.coreCalls.length;
    const sent = await h.command('create Stale', { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(sent.status).toBe(401);
    expect(h.coreCalls).toHaveLength(before);
    expect(h.emulator.livestreams().some((l) => l.name === 'Stale')).toBe(false);
  });

  it('a correctly signed request dated 6 minutes in the future is rejected too', async () => {
    const before = h.coreCalls.length;
    const sent = await h.command('create Future', { timestamp: Math.floor(Date.now() / 1000) + 6 * 60 });
    expect(sent.status).toBe(401);
    expect(h.coreCalls).toHaveLength(before);
    expect(h.responses.responses.filter((r) => r.id === sent.id)).toHaveLength(0);
    expect(h.emulator.livestreams().some((l) => l.name === 'Future')).toBe(false);
    const refused = await h.waitForLog('dated in the future');
    expect(refused.aheadSeconds).toBeGreaterThanOrEqual(6 * 60 - 5);
  });

  it('a correctly signed request 4 minutes ahead (clock skew within the window) is served', async () => {
    const sent = await h.command('help', { timestamp: Math.floor(Date.now() / 1000) + 4 * 60 });
    expect(sent.status).toBe(200);
    const response = await h.responses.next(sent.id);
    expect(response.body.response_type).toBe('ephemeral');
  });

  it('acks at once, before a slow API has answered', async () => {
    const delayMs = 2_000;
    h.emulator.injectFault({ method: 'GET', path: 'livestreams', delayMs });
    const startedAt = Date.now();
    const sent = await h.command('list');
    expect(sent.status).toBe(200);
    expect(sent.answeredAt - startedAt).toBeLessThan(delayMs);
    expect(h.responses.responses.filter((r) => r.id === sent.id)).toHaveLength(0);
    const response = await h.responses.next(sent.id);
    expect(response.at).toBeGreaterThan(sent.answeredAt);
    expect(response.at - startedAt).toBeGreaterThanOrEqual(delayMs - 50);
  });

  it('a redelivered command (x-slack-retry-num) does not create twice', async () => {
    const posts = () => h.emulator.requests.filter((r) => r.method === 'POST').length;
    const before = posts();
    const first = await h.command('create Once only', { id: 'dup', userId: 'U0BOSS' });
    const again = await h.command('create Once only', {
      id: 'dup',
      userId: 'U0BOSS',
      headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
    });
    expect([first.status, again.status]).toEqual([200, 200]);
    const ignored = await h.waitForLog('ignoring a repeated delivery');
    expect(ignored.retryNum).toBe(1);
    await h.responses.next('dup');
    expect(posts() - before).toBe(1);
    expect(h.emulator.livestreams().filter((l) => l.name === 'Once only')).toHaveLength(1);
    expect(h.responses.responses.filter((r) => r.id === 'dup')).toHaveLength(1);
  });

  it('a failing response_url is logged without its URL and does not crash the bot', async () => {
    h.responses.fail('expired', 404);
    await h.command('help', { id: 'expired' });
    const logged = await h.waitForLog('respond() failed');
    expect(logged.status).toBe(404);
    expect(h.logLines.join('\n')).not.toContain('/commands/expired');
    // Still serving.
    const { body } = await ask('help');
    expect(body.response_type).toBe('ephemeral');
  });

  it('blocks refused by Slack (400) are sent again as plain text', async () => {
    h.responses.fail('refused', 400);
    await h.command('help', { id: 'refused' });
    const second = await h.responses.next('refused', 2);
    expect(second.body.blocks).toBeUndefined();
    expect(second.body.response_type).toBe('ephemeral');
    expect(String(second.body.text)).toContain('Livestream commands');
  });

  it('an exception in the core still gets the person an answer', async () => {
    const { body, shown } = await ask('boom');
    expect(body.response_type).toBe('ephemeral');
    expect(shown).toContain('Something went wrong on our side');
    await h.waitForLog('the core failed');
  });
});

describe('visibility', () => {
  it('a channel reply goes in_channel, with its secrets hidden', async () => {
    const { body } = await ask('share');
    expect(body.response_type).toBe('in_channel');
    expect(JSON.stringify(body)).not.toContain('sup3r-s3cret-key');
  });
});
