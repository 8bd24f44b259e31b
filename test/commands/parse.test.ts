import { describe, expect, it } from 'vitest';
import type { Command } from '../../src/commands/command.js';
import { describeInputErrors } from '../../src/commands/describe-input.js';
import { parseCommandText, tokenize } from '../../src/commands/parse.js';

const UUID = '182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e';

describe('parseCommandText: good input', () => {
  const cases: [string, Command][] = [
    ['', { name: 'help' }],
    ['help', { name: 'help' }],
    ['HELP list', { name: 'help', topic: 'list' }],
    ['/livestream list', { name: 'list', query: {} }],
    ['list', { name: 'list', query: {} }],
    ['list live', { name: 'list', query: { status: 'LIVE' } }],
    ['list ERRORED', { name: 'list', query: { status: 'ERRORED' } }],
    ['list idle --page 2 --per-page 5', { name: 'list', query: { status: 'IDLE', pageNo: 2, perPage: 5 } }],
    ['list --page=3 --per_page=50', { name: 'list', query: { pageNo: 3, perPage: 50 } }],
    [
      'list --since 2026-11-01 --until 2026-11-02T10:00:00Z',
      { name: 'list', query: { startTime: '2026-11-01', endTime: '2026-11-02T10:00:00Z' } },
    ],
    // A time without a zone is UTC, as a date alone is: never the host's zone.
    ['list --since 2026-11-01T09:00', { name: 'list', query: { startTime: '2026-11-01T09:00Z' } }],
    ['list --until "2026-11-01 09:30"', { name: 'list', query: { endTime: '2026-11-01T09:30Z' } }],
    ['list --sort asc', { name: 'list', query: { sortOrder: 'ASC' } }],
    ['list --sort DESC', { name: 'list', query: { sortOrder: 'DSC' } }],
    [
      'list invoked --exclude-meetings',
      { name: 'list', query: { status: 'INVOKED', excludeMeetings: true } },
    ],
    [
      'list --PAGE=2 --Per_Page 3 --sort dsc',
      { name: 'list', query: { pageNo: 2, perPage: 3, sortOrder: 'DSC' } },
    ],
    ['create', { name: 'create' }],
    // A name may start with dashes: create has no options to mistake it for.
    ['create --fancy name', { name: 'create', livestreamName: '--fancy name' }],
    ['create Friday town hall', { name: 'create', livestreamName: 'Friday town hall' }],
    ['create "Quoted  name"', { name: 'create', livestreamName: 'Quoted  name' }],
    ['create “Slack quotes”', { name: 'create', livestreamName: 'Slack quotes' }],
    [
      'status 3fd739f4-3c41-456e-bfba-6ebd51e16d2d',
      { name: 'status', livestreamId: '3fd739f4-3c41-456e-bfba-6ebd51e16d2d' },
    ],
    ['status abc_123', { name: 'status', livestreamId: 'abc_123' }],
    ['session 5e1b2c3d', { name: 'session', sessionId: '5e1b2c3d' }],
    [`meeting ${UUID}`, { name: 'meeting', meetingId: UUID }],
    [`  Meeting   ${UUID.toUpperCase()}  `, { name: 'meeting', meetingId: UUID.toUpperCase() }],
    ['subscribe', { name: 'subscribe', onLive: true, onErrored: true, livestreamIds: [] }],
    ['subscribe errored', { name: 'subscribe', onLive: false, onErrored: true, livestreamIds: [] }],
    // The set's word for all of its choices, not a livestream id.
    ['subscribe both', { name: 'subscribe', onLive: true, onErrored: true, livestreamIds: [] }],
    [`subscribe BOTH ${UUID}`, { name: 'subscribe', onLive: true, onErrored: true, livestreamIds: [UUID] }],
    [
      'subscribe errored LIVE errored',
      { name: 'subscribe', onLive: true, onErrored: true, livestreamIds: [] },
    ],
    [
      `subscribe live ${UUID} abc`,
      { name: 'subscribe', onLive: true, onErrored: false, livestreamIds: [UUID, 'abc'] },
    ],
    [
      'subscribe live --mention @here',
      { name: 'subscribe', onLive: true, onErrored: false, livestreamIds: [], mention: '@here' },
    ],
    [
      'subscribe --mention=<!subteam^S1>',
      { name: 'subscribe', onLive: true, onErrored: true, livestreamIds: [], mention: '<!subteam^S1>' },
    ],
    ['unsubscribe', { name: 'unsubscribe', livestreamIds: [] }],
    [`unsubscribe ${UUID}`, { name: 'unsubscribe', livestreamIds: [UUID] }],
    ['subscriptions', { name: 'subscriptions' }],
  ];
  it.each(cases)('%j', (input, expected) => {
    expect(parseCommandText(input)).toEqual({ ok: true, command: expected });
  });
});

describe('parseCommandText: bad input says what was wrong and shows the usage', () => {
  const cases: [string, RegExp, RegExp][] = [
    ['lst', /Unknown command "lst".*Did you mean "list"/, /list \| create/],
    ['frobnicate', /Unknown command "frobnicate"\.$/, /help/],
    ['status', /Missing a livestream id/, /^status <livestream_id>$/],
    ['status ../etc/passwd', /is not a livestream id/, /^status/],
    ['status a b', /extra words/, /^status/],
    ['session', /Missing a livestream session id/, /^session/],
    ['session x%2Fy', /is not a livestream session id/, /^session/],
    ['meeting', /Missing a meeting id/, /^meeting/],
    ['meeting not-a-uuid', /meeting ids are UUIDs/, /^meeting <meeting_id>$/],
    ['list bogus', /Unknown status "bogus"/, /^list \[live/],
    ['list live idle', /at most one status/, /^list/],
    ['list --page 0', /--page needs a whole number of 1 or more \(got "0"\)/, /^list/],
    ['list --page', /--page needs a whole number/, /^list/],
    ['list --page -1', /--page needs/, /^list/],
    ['list --page 1.5', /--page needs/, /^list/],
    ['list --per-page 101', /--per-page needs a whole number from 1 to 100/, /^list/],
    ['list --since yesterday', /--since needs an ISO date/, /^list/],
    ['list --until 2026-13-45', /--until needs an ISO date/, /^list/],
    ['list --since 2026-11-02 --until 2026-11-01', /--since must be before --until/, /^list/],
    // Newest first is the default, so it is listed first (as in Discord's picker).
    ['list --sort sideways', /--sort takes desc or asc/, /^list/],
    ['list --exclude-meetings=yes', /takes no value/, /^list/],
    ['list --colour', /Unknown option "--colour"/, /^list/],
    ['help nothing', /no command "nothing"/, /^help/],
    ['subscribe ../x', /neither live, errored nor a livestream id/, /^subscribe/],
    ['subscribe --mention', /--mention needs who to ping/, /^subscribe/],
    ['subscribe --loud', /Unknown option "--loud"/, /^subscribe/],
    ['unsubscribe a/b', /is not a livestream id/, /^unsubscribe/],
    ['subscriptions all', /takes no arguments/, /^subscriptions$/],
    [`create ${'x'.repeat(201)}`, /longer than 200/, /^create/],
    // The client's rule, now checked before anything is sent (it was an API-side "not valid" before).
    ['create bell\u0007', /^The name contains control characters\.$/, /^create/],
    // Extra words after help's topic were ignored; every other command refuses them.
    ['help list create', /^Expected only a command, got extra words: "create"\.$/, /^help \[command\]$/],
    [
      'status --verbose',
      /^Unknown option "--verbose": status takes none\. Missing a livestream id\.$/,
      /^status/,
    ],
    // Every problem at once, not only the first.
    [
      'list --page 0 --per-page 0',
      /^--page needs a whole number of 1 or more \(got "0"\)\. --per-page needs a whole number from 1 to 100 \(got "0"\)\.$/,
      /^list/,
    ],
  ];
  it.each(cases)('%j', (input, problem, usage) => {
    const result = parseCommandText(input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(describeInputErrors(result).join(' ')).toMatch(problem);
    expect(result.usage).toMatch(usage);
  });
});

describe('tokenize', () => {
  it('keeps quoted strings together and drops the quotes', () => {
    expect(tokenize(`create "a b" 'c d' e`)).toEqual(['create', 'a b', 'c d', 'e']);
  });
});
