/**
 * A digest folds LIVE -> ERRORED (two events: ended, then errored) into its ERRORED line, and only that:
 * an "ended" of the same stream that is not half of such a pair (the stream went LIVE again after its
 * error, then ended) must stay, or the channel is left believing the stream is live. Found by the
 * replicas' chaos test (test/faults/replicas-chaos.test.ts), where bursts make digests of one stream's
 * whole history.
 */
import { describe, expect, it } from 'vitest';
import { digestMessage, foldForDigest } from '../../src/notify/messages.js';
import type { StreamEvent } from '../../src/notify/types.js';
import type { LivestreamStatus } from '../../src/realtimekit/types.js';

const AT = '2026-11-22T12:00:00.000Z';

function event(
  kind: StreamEvent['kind'],
  id: string,
  previousStatus: LivestreamStatus | null,
  status: LivestreamStatus,
): StreamEvent {
  return { kind, stream: { id, name: `Show ${id}`, status, playbackUrl: null }, previousStatus, at: AT };
}

const badges = (events: StreamEvent[]) =>
  (digestMessage(events, null).list?.items ?? []).map((item) => `${item.title} ${item.badge?.text}`);

describe('foldForDigest', () => {
  it('folds the ended of LIVE -> ERRORED into the ERRORED line', () => {
    const pair = [event('ended', 'a', 'LIVE', 'ERRORED'), event('errored', 'a', 'LIVE', 'ERRORED')];
    expect(foldForDigest(pair)).toEqual([pair[1]]);
  });

  it('keeps an ended that came after the stream went LIVE again: ERRORED, LIVE, then ended', () => {
    const history = [
      event('errored', 'a', 'IDLE', 'ERRORED'),
      event('live', 'a', 'ERRORED', 'LIVE'),
      event('ended', 'a', 'LIVE', 'OFFLINE'),
    ];
    expect(foldForDigest(history)).toEqual(history);
    // The last word about the stream is that it ended, not that it is live.
    expect(badges(history)).toEqual(['Show a ERRORED', 'Show a LIVE', 'Show a ENDED']);
  });

  it('folds the pair and keeps a later ended: LIVE -> ERRORED -> LIVE -> OFFLINE', () => {
    const history = [
      event('ended', 'a', 'LIVE', 'ERRORED'),
      event('errored', 'a', 'LIVE', 'ERRORED'),
      event('live', 'a', 'ERRORED', 'LIVE'),
      event('ended', 'a', 'LIVE', 'OFFLINE'),
    ];
    expect(badges(history)).toEqual(['Show a ERRORED', 'Show a LIVE', 'Show a ENDED']);
  });

  it("another stream's events in between change nothing", () => {
    const history = [
      event('ended', 'a', 'LIVE', 'ERRORED'),
      event('live', 'b', 'IDLE', 'LIVE'),
      event('errored', 'a', 'LIVE', 'ERRORED'),
      event('ended', 'b', 'LIVE', 'IDLE'),
    ];
    expect(badges(history)).toEqual(['Show b LIVE', 'Show a ERRORED', 'Show b ENDED']);
  });
});
