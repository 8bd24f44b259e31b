/** Rows read back from either store: what each becomes, and what an unreadable one becomes. */
import { describe, expect, it } from 'vitest';
import { deliveryOf, postOf, subscriptionOf } from '../../src/notify/stored-rows.js';

const live = {
  kind: 'live',
  stream: { id: 'ls-1', name: 'Show', status: 'LIVE', playbackUrl: null },
  previousStatus: 'OFFLINE',
  at: '2026-11-22T12:00:00.000Z',
};
const postRow = {
  platform: 'slack',
  channel_id: 'C1',
  livestream_id: 'ls-1',
  message_id: '1700.1',
  live_event: JSON.stringify(live),
  ended_at: null,
};

describe('stored rows', () => {
  it('a post with its LIVE event; one whose event cannot be read is as if there were none, not an error', () => {
    expect(postOf(postRow)).toEqual({
      platform: 'slack',
      channelId: 'C1',
      livestreamId: 'ls-1',
      messageId: '1700.1',
      live,
      endedAt: null,
    });
    expect(postOf({ ...postRow, live_event: '{"kind": "live", "at": ' })).toBeNull();
    expect(postOf({ ...postRow, live_event: JSON.stringify({ ...live, kind: 'ended' }) })).toBeNull();
  });

  it("a subscription's flags read alike from SQLite (1/0) and PostgreSQL (booleans); '*' is every livestream", () => {
    const row = {
      platform: 'discord',
      channel_id: 'D1',
      livestream_id: '*',
      mention: null,
      paused_reason: null,
      source: 'config',
    };
    const expected = { livestreamId: null, onLive: true, onErrored: false, source: 'config' };
    expect(subscriptionOf({ ...row, on_live: 1, on_errored: 0 })).toMatchObject(expected);
    expect(subscriptionOf({ ...row, on_live: true, on_errored: false })).toMatchObject(expected);
  });

  it('a delivery whose event body is not one this bot wrote is null (the store sets it aside)', () => {
    const row = { id: 7, platform: 'slack', channel_id: 'C1', mention: null, attempts: 0, not_before: 0 };
    expect(deliveryOf({ ...row, body: JSON.stringify(live) })).toMatchObject({ id: 7, event: live });
    expect(deliveryOf({ ...row, body: '{"kind":"nonsense"}' })).toBeNull();
  });
});
