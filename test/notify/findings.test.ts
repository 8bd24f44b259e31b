/**
 * The poll's pure diff: a read's livestreams against the watched LIVE/ERRORED streams, with no API, store
 * or clock. The poller tests (poller-check, torn-reads, notifications) cover the same rules end to end.
 */
import { describe, expect, it } from 'vitest';
import { Findings, judgeMissing, transitionKinds } from '../../src/notify/findings.js';
import type { StoredStatus } from '../../src/notify/store.js';
import type { Livestream, LivestreamStatus } from '../../src/realtimekit/types.js';

function livestream(id: string, status: LivestreamStatus, name: string | null = `show ${id}`): Livestream {
  return {
    id,
    name,
    status,
    rawStatus: status,
    meetingId: `meeting-${id}`,
    ingestServer: null,
    streamKey: 'never-in-an-event',
    playbackUrl: `https://watch.example/${id}`,
    disabled: false,
    createdAt: null,
    updatedAt: null,
  };
}

function watching(entries: Record<string, StoredStatus>): Map<string, StoredStatus> {
  return new Map(Object.entries(entries));
}

describe('transitionKinds', () => {
  it.each([
    [undefined, 'LIVE', ['live']],
    [undefined, 'ERRORED', ['errored']],
    [undefined, 'IDLE', []],
    ['LIVE', 'LIVE', []],
    ['LIVE', 'IDLE', ['ended']],
    ['LIVE', 'ERRORED', ['ended', 'errored']],
    ['LIVE', 'UNKNOWN', ['ended']],
    ['ERRORED', 'LIVE', ['live']],
    ['ERRORED', 'ERRORED', []],
    ['ERRORED', 'IDLE', []],
  ] as const)('%s -> %s announces %j', (previous, next, kinds) => {
    expect(transitionKinds(previous, next)).toEqual(kinds);
  });
});

describe('Findings', () => {
  it('a baseline records the LIVE and ERRORED streams and announces nothing', () => {
    const findings = new Findings(null, false);
    for (const l of [livestream('a', 'LIVE'), livestream('b', 'ERRORED'), livestream('c', 'IDLE')])
      findings.visit(l);
    expect([...findings.changed.keys()]).toEqual(['a', 'b']);
    expect(findings.changed.get('a')).toEqual({ status: 'LIVE', name: 'show a', sessionId: null });
    expect(findings.removed.size).toBe(0);
    expect(findings.transitions).toEqual([]);
  });

  it('a stream that went LIVE is kept and announced with what the post shows (never its key)', () => {
    const findings = new Findings(watching({}), true);
    findings.visit(livestream('a', 'LIVE'));
    expect(findings.changed.get('a')).toEqual({ status: 'LIVE', name: 'show a', sessionId: null });
    expect(findings.transitions).toEqual([
      {
        kind: 'live',
        previousStatus: null,
        stream: {
          id: 'a',
          name: 'show a',
          status: 'LIVE',
          rawStatus: 'LIVE',
          playbackUrl: 'https://watch.example/a',
          meetingId: 'meeting-a',
        },
      },
    ]);
    expect(JSON.stringify(findings.transitions)).not.toContain('never-in-an-event');
  });

  it('a stream in the status it is watched in changes nothing', () => {
    const findings = new Findings(watching({ a: { status: 'LIVE', name: 'show a', sessionId: 's1' } }), true);
    findings.visit(livestream('a', 'LIVE'));
    expect(findings.changed.size).toBe(0);
    expect(findings.removed.size).toBe(0);
    expect(findings.transitions).toEqual([]);
  });

  it('LIVE -> ERRORED ends the live post and announces the error, keeping the session for the figures', () => {
    const findings = new Findings(watching({ a: { status: 'LIVE', name: 'show a', sessionId: 's1' } }), true);
    findings.visit(livestream('a', 'ERRORED'));
    expect(findings.changed.get('a')).toEqual({ status: 'ERRORED', name: 'show a', sessionId: 's1' });
    expect(findings.transitions.map((t) => [t.kind, t.previousStatus])).toEqual([
      ['ended', 'LIVE'],
      ['errored', 'LIVE'],
    ]);
  });

  it('ERRORED -> LIVE announces live and forgets the old session (the new one is looked up)', () => {
    const findings = new Findings(watching({ a: { status: 'ERRORED', name: 'a', sessionId: 's1' } }), true);
    findings.visit(livestream('a', 'LIVE'));
    expect(findings.changed.get('a')!.sessionId).toBeNull();
    expect(findings.transitions.map((t) => t.kind)).toEqual(['live']);
  });

  it('a watched stream seen in another status is no longer watched; only LIVE announces an end', () => {
    const findings = new Findings(
      watching({
        live: { status: 'LIVE', name: 'l', sessionId: null },
        errored: { status: 'ERRORED', name: 'e', sessionId: null },
      }),
      true,
    );
    findings.visit(livestream('live', 'IDLE'));
    findings.visit(livestream('errored', 'IDLE'));
    findings.visit(livestream('stranger', 'IDLE'));
    expect([...findings.removed]).toEqual(['live', 'errored']);
    expect(findings.changed.size).toBe(0);
    expect(findings.transitions.map((t) => [t.kind, t.stream.id, t.stream.status])).toEqual([
      ['ended', 'live', 'IDLE'],
    ]);
  });

  it('a stream that left unseen ends with the name it was watched under and an UNKNOWN status', () => {
    const findings = new Findings(watching({}), true);
    findings.left('a', { status: 'LIVE', name: 'Morning show', sessionId: 's1' });
    findings.left('b', { status: 'ERRORED', name: 'b', sessionId: null });
    expect([...findings.removed]).toEqual(['a', 'b']);
    expect(findings.transitions).toEqual([
      {
        kind: 'ended',
        previousStatus: 'LIVE',
        stream: { id: 'a', name: 'Morning show', status: 'UNKNOWN', playbackUrl: null },
      },
    ]);
  });

  it('without announcing (a baseline), a stream that left is removed in silence', () => {
    const findings = new Findings(watching({}), false);
    findings.left('a', { status: 'LIVE', name: 'a', sessionId: null });
    expect([...findings.removed]).toEqual(['a']);
    expect(findings.transitions).toEqual([]);
  });
});

describe('judgeMissing', () => {
  it('a lookup that finds the stream (still LIVE, or listed in another status) keeps it', () => {
    expect(judgeMissing('still-live', 0)).toBe('present');
    expect(judgeMissing('listed', 5)).toBe('present');
  });

  it('no active session is evidence: it left at once', () => {
    expect(judgeMissing('no-active-session', 0)).toBe('left');
  });

  it('without evidence, one missing read waits and the second in a row means it left', () => {
    expect(judgeMissing(null, 0)).toBe('wait');
    expect(judgeMissing(null, 1)).toBe('left');
  });
});
