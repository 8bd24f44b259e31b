/**
 * The Slack Sink through the adapter's own WebClient (as configured in production) against the fake
 * Web API: what it posts, and how each Slack failure becomes a SinkError instead of a silent retry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toSinkError } from '../../adapters/slack/sink.js';
import { reply } from '../../src/reply.js';
import { SinkError } from '../../src/sink.js';
import { blocksText, type SlackHarness, startSlackHarness } from '../fakes/slack-harness.js';

let h: SlackHarness;
beforeAll(async () => {
  h = await startSlackHarness();
});
afterAll(async () => {
  await h?.stop();
});

const live = reply({
  title: 'Friday Town Hall is LIVE',
  tone: 'live',
  badge: { text: 'LIVE', tone: 'live' },
  fields: [{ label: 'Started', value: '2026-11-01T09:00:00.000Z', format: 'time' }],
  links: [{ label: 'Watch', url: 'https://customer-x.cloudflarestream.com/abc/manifest/video.m3u8' }],
  visibility: 'channel',
});

async function postError(channel = 'C0NOTIFY'): Promise<SinkError> {
  const error = await h.adapter.sink.post(channel, live).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(SinkError);
  return error as SinkError;
}

describe('posting', () => {
  it('posts blocks and fallback text with chat.postMessage, links not unfurled, and returns the ts', async () => {
    const posted = await h.adapter.sink.post('C0NOTIFY', live);
    const call = await h.webApi.waitForCall('chat.postMessage', (c) => c.params.channel === 'C0NOTIFY');
    expect(posted.messageId).toMatch(/^\d+\.\d+$/);
    expect(call.headers.authorization).toBe('Bearer xoxb-test-0000-bot-token');
    expect(call.params.unfurl_links).toBe('false');
    expect(call.params.unfurl_media).toBe('false');
    expect(String(call.params.text)).toContain('Friday Town Hall is LIVE [LIVE]');
    expect(blocksText(call.params.blocks)).toContain(':red_circle: *LIVE*');
    expect(blocksText(call.params.blocks)).toContain('<!date^1793523600^');
  });

  it('edits with chat.update on the same ts', async () => {
    await h.adapter.sink.edit('C0NOTIFY', '1700000000.000100', { ...live, title: 'Friday Town Hall ended' });
    const call = await h.webApi.waitForCall('chat.update');
    expect(call.params).toMatchObject({ channel: 'C0NOTIFY', ts: '1700000000.000100' });
    expect(blocksText(call.params.blocks)).toContain('Friday Town Hall ended');
  });

  it('refuses a reply with a secret before calling Slack', async () => {
    const before = h.webApi.calls.length;
    const secret = reply({ title: 'x', fields: [{ label: 'Stream key', value: 'k', format: 'secret' }] });
    await expect(h.adapter.sink.post('C0NOTIFY', secret)).rejects.toMatchObject({ kind: 'Rejected' });
    await expect(h.adapter.sink.edit('C0NOTIFY', '1.2', secret)).rejects.toMatchObject({ kind: 'Rejected' });
    expect(h.webApi.calls.length).toBe(before);
  });
});

describe('failures', () => {
  it.each([
    'channel_not_found',
    'not_in_channel',
    'is_archived',
    'channel_is_archived',
    'missing_scope',
    'restricted_action',
  ])('%s is Permanent, with the code', async (code) => {
    h.webApi.script('chat.postMessage', { body: { ok: false, error: code } });
    const error = await postError();
    expect(error.kind).toBe('Permanent');
    expect(error.details.code).toBe(code);
  });

  it.each(['message_not_found', 'cant_update_message', 'edit_window_closed'])(
    'an edit answered %s is MessageGone: the sender says it anew',
    async (code) => {
      h.webApi.script('chat.update', { body: { ok: false, error: code } });
      const error = await h.adapter.sink.edit('C1', '1.2', reply({ title: 'ended' })).then(
        () => {
          throw new Error('expected the edit to fail');
        },
        (e: unknown) => e as SinkError,
      );
      expect(error).toMatchObject({ kind: 'MessageGone', details: { code } });
    },
  );

  it('HTTP 429 is RateLimited with Retry-After, at once and without a retry', async () => {
    const before = h.webApi.calls.filter((c) => c.method === 'chat.postMessage').length;
    h.webApi.script('chat.postMessage', {
      status: 429,
      headers: { 'retry-after': '7' },
      body: { ok: false, error: 'ratelimited' },
    });
    const startedAt = Date.now();
    const error = await postError();
    expect(error.kind).toBe('RateLimited');
    expect(error.details.retryAfterMs).toBe(7_000);
    expect(Date.now() - startedAt).toBeLessThan(2_000);
    expect(h.webApi.calls.filter((c) => c.method === 'chat.postMessage').length - before).toBe(1);
  });

  it('ok:false rate_limited is RateLimited too', async () => {
    h.webApi.script('chat.postMessage', { body: { ok: false, error: 'rate_limited' } });
    const error = await postError();
    expect(error).toMatchObject({
      kind: 'RateLimited',
      details: { code: 'rate_limited', retryAfterMs: 1_000 },
    });
  });

  it('HTTP 5xx and Slack-side errors are Transient, without a retry', async () => {
    const posts = () => h.webApi.calls.filter((c) => c.method === 'chat.postMessage').length;
    const before = posts();
    h.webApi.script('chat.postMessage', { status: 503, body: 'unavailable' });
    expect((await postError()).kind).toBe('Transient');
    // The adapter's client (the one the sink posts with) sent it once: web-api retries nothing.
    expect(posts() - before).toBe(1);
    h.webApi.script('chat.postMessage', { body: { ok: false, error: 'internal_error' } });
    expect(await postError()).toMatchObject({ kind: 'Transient', details: { code: 'internal_error' } });
    expect(posts() - before).toBe(2);
  });

  it('a connection Slack drops after reading the post is Transient, and not sent again by the client', async () => {
    const posts = () => h.webApi.calls.filter((c) => c.method === 'chat.postMessage').length;
    const before = posts();
    h.webApi.script('chat.postMessage', { drop: true });
    expect(await postError()).toMatchObject({ kind: 'Transient', details: { code: 'network' } });
    expect(posts() - before).toBe(1);
  });

  it.each(['invalid_auth', 'token_revoked', 'account_inactive', 'not_authed'])(
    '%s (the bot token refused) is Unauthorized, naming SLACK_BOT_TOKEN',
    async (code) => {
      h.webApi.script('chat.postMessage', { body: { ok: false, error: code } });
      const error = await postError();
      expect(error).toMatchObject({ kind: 'Unauthorized', details: { code } });
      expect(error.message).toContain('SLACK_BOT_TOKEN');
    },
  );

  it('a network failure is Transient', () => {
    const error = toSinkError(
      Object.assign(new Error('fetch failed'), { code: 'slack_webapi_request_error' }),
    );
    expect(error).toMatchObject({ kind: 'Transient', details: { code: 'network' } });
  });

  it('logs the failure with its kind and code', async () => {
    h.webApi.script('chat.postMessage', { body: { ok: false, error: 'not_in_channel' } });
    await postError('C0LOGGED');
    const logged = await h.waitForLog('slack chat.postMessage failed', (r) => r.channelId === 'C0LOGGED');
    expect(logged).toMatchObject({ kind: 'Permanent', code: 'not_in_channel' });
  });
});
