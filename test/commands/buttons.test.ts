/**
 * Button ids: a Command written compactly with only ids in it, read back through the command grammar
 * and never trusted; the once-only rule for clicks that change shared state; credit for who did it.
 */
import { describe, expect, it } from 'vitest';
import { listPagingActions, stopAction, stopConfirmAction } from '../../src/commands/actions.js';
import {
  changesSharedState,
  createClickGuard,
  decodeButton,
  encodeButton,
  MAX_BUTTON_ID_LENGTH,
} from '../../src/commands/buttons.js';
import type { Command } from '../../src/commands/command.js';
import { commandText } from '../../src/commands/parse.js';

const LIVESTREAM = '3fd739f4-3c41-456e-bfba-6ebd51e16d2d';
const MEETING = '182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e';

describe('button ids', () => {
  it('write the command as it is typed, versioned, with the answer mode', () => {
    const [next] = listPagingActions({ status: 'LIVE', perPage: 5 }, 1, true);
    expect(encodeButton(next!)).toBe('v1:p:list live --page 2 --per-page 5');
    expect(encodeButton({ command: { name: 'show', livestreamId: LIVESTREAM } })).toBe(
      `v1:n:show ${LIVESTREAM}`,
    );
    expect(encodeButton(stopAction(MEETING))).toBe(`v1:n:stop ${MEETING}`);
    expect(encodeButton(stopConfirmAction(MEETING, 'Town hall'))).toBe(`v1:n:stop ${MEETING} --yes`);
  });

  it('read back into the same Command, through the grammar', () => {
    const commands: Command[] = [
      {
        name: 'list',
        query: { status: 'ERRORED', pageNo: 3, perPage: 25, sortOrder: 'ASC', excludeMeetings: true },
      },
      { name: 'show', livestreamId: LIVESTREAM },
      { name: 'status', livestreamId: LIVESTREAM },
      { name: 'stop', meetingId: MEETING, confirmed: true },
      { name: 'stop', meetingId: MEETING, confirmed: false },
    ];
    for (const command of commands) {
      const id = encodeButton({ command, inPlace: command.name === 'list' });
      expect(id).not.toBeNull();
      expect(id!.length).toBeLessThanOrEqual(MAX_BUTTON_ID_LENGTH);
      expect(decodeButton(id!)).toEqual({
        ok: true,
        command,
        inPlace: command.name === 'list',
        text: commandText(command),
      });
    }
  });

  it('carry no command a button does not run (create, subscribe, start)', () => {
    expect(encodeButton({ command: { name: 'create', livestreamName: 'x' } })).toBeNull();
    expect(encodeButton({ command: { name: 'start', meetingId: MEETING } })).toBeNull();
    expect(decodeButton('v1:n:create Sneaky')).toEqual({ ok: false, reason: 'invalid' });
    expect(decodeButton('v1:n:subscribe live')).toEqual({ ok: false, reason: 'invalid' });
    expect(decodeButton(`v1:n:start ${MEETING}`)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('are never trusted: bad ids, smuggled words, other spellings and over-long ids are refused', () => {
    for (const id of [
      'v1:n:show not an id at all',
      'v1:n:show ../../etc/passwd',
      `v1:n:stop ${MEETING} --yes --yes`,
      `v1:n:stop "${MEETING}" --yes`,
      `v1:n:STOP ${MEETING}`,
      'v1:x:list',
      'v1:p:list --page 0',
      `v1:n:show ${LIVESTREAM}${' '.repeat(80)}x`,
      'v1:n:',
    ]) {
      expect(decodeButton(id), id).toEqual({ ok: false, reason: 'invalid' });
    }
  });

  it('from another version, or in an older shape, read as expired', () => {
    expect(decodeButton('v2:n:list')).toEqual({ ok: false, reason: 'version' });
    expect(decodeButton('list:2:LIVE')).toEqual({ ok: false, reason: 'version' });
    expect(decodeButton('')).toEqual({ ok: false, reason: 'version' });
  });

  it('are left out when the command is too long for one (a list with every filter)', () => {
    const command: Command = {
      name: 'list',
      query: {
        status: 'LIVE',
        pageNo: 12,
        perPage: 100,
        startTime: '2026-11-01T09:00:00.000Z',
        endTime: '2026-11-30T09:00:00.000Z',
        sortOrder: 'ASC',
        excludeMeetings: true,
      },
    };
    expect(encodeButton({ command, inPlace: true })).toBeNull();
  });
});

describe('paging buttons', () => {
  it('offer Previous after the first page and Next while there is more', () => {
    expect(listPagingActions({}, 1, false)).toEqual([]);
    expect(listPagingActions({}, 1, true).map((a) => a.label)).toEqual(['Next']);
    expect(listPagingActions({}, 3, false).map((a) => a.label)).toEqual(['Previous']);
    const both = listPagingActions({ status: 'LIVE' }, 2, true);
    expect(both.map((a) => [a.label, a.command, a.inPlace])).toEqual([
      ['Previous', { name: 'list', query: { status: 'LIVE', pageNo: 1 } }, true],
      ['Next', { name: 'list', query: { status: 'LIVE', pageNo: 3 } }, true],
    ]);
  });
});

describe('clicks that change shared state', () => {
  const confirmed: Command = { name: 'stop', meetingId: MEETING, confirmed: true };

  it('are only the confirmed stop', () => {
    expect(changesSharedState(confirmed)).toBe(true);
    expect(changesSharedState({ name: 'stop', meetingId: MEETING, confirmed: false })).toBe(false);
    expect(changesSharedState({ name: 'show', livestreamId: LIVESTREAM })).toBe(false);
  });

  it('run once: a second click waits out the window after a success, not after a failure', () => {
    let now = 0;
    const guard = createClickGuard({ windowMs: 10_000, now: () => now });
    expect(guard.begin('stop')).toBe(true);
    expect(guard.begin('stop')).toBe(false);
    guard.finish('stop', true);
    now = 9_999;
    expect(guard.begin('stop')).toBe(false);
    now = 10_000;
    expect(guard.begin('stop')).toBe(true);
    guard.finish('stop', false);
    expect(guard.begin('stop')).toBe(true);
  });

  it('past its size, forgets the oldest finished clicks, never one still running', () => {
    let now = 0;
    const guard = createClickGuard({ windowMs: 10_000, now: () => now, maxKeys: 3 });
    expect(guard.begin('stop A')).toBe(true); // still running throughout
    for (const key of ['stop B', 'stop C', 'stop D']) {
      expect(guard.begin(key)).toBe(true);
      guard.finish(key, true);
      now += 1;
    }
    // A second Stop while the first runs: still refused.
    expect(guard.begin('stop A')).toBe(false);
    // The oldest finished ones made room; the newest still counts.
    expect(guard.begin('stop B')).toBe(true);
    expect(guard.begin('stop D')).toBe(false);
  });
});
