import { describe, expect, it } from 'vitest';
import {
  applicationCommands,
  COMMAND_LIMITS,
  DISCORD_SUBCOMMANDS,
  discordCommandText,
  discordUsage,
  livestreamCommand,
} from '../../adapters/discord/commands.js';
import { discordExamples, discordHelpReply } from '../../adapters/discord/help.js';
import { commandFromOptions, type OptionValues } from '../../adapters/discord/options.js';
import { usageReply } from '../../src/commands/describe-error.js';
import { describeInputErrors } from '../../src/commands/describe-input.js';
import { specFor } from '../../src/commands/spec.js';
import { MAX_PER_PAGE } from '../../src/realtimekit/types.js';

/** What discord.js's resolver returns for the given options (null when absent). */
type OptionValue = string | number | boolean | { id: string };

function values(options: Record<string, OptionValue> = {}): OptionValues {
  const get = <T>(name: string, type: string): T | null =>
    typeof options[name] === type ? (options[name] as T) : null;
  return {
    getString: (name) => get<string>(name, 'string'),
    getInteger: (name) => get<number>(name, 'number'),
    getBoolean: (name) => get<boolean>(name, 'boolean'),
    getRole: (name) => get<{ id: string; name: string }>(name, 'object'),
  };
}

const map = (subcommand: string | null, options?: Record<string, OptionValue>) =>
  commandFromOptions({ subcommand, options: values(options) });

/** What the person is told, for a result that is a problem ('' for a command). */
const told = (result: ReturnType<typeof map>): string =>
  result.ok ? '' : describeInputErrors(result).join(' ');

describe('the /livestream definition', () => {
  const command = livestreamCommand();
  const sub = (name: string) =>
    command.options?.find((o) => o.name === name) as { options?: Record<string, unknown>[] };

  it('has the subcommands and option names of the issue, with summaries from COMMAND_SPECS', () => {
    expect(command.name).toBe('livestream');
    expect(command.options?.map((o) => [o.name, o.description])).toEqual(
      DISCORD_SUBCOMMANDS.map((name) => [name, specFor(name).summary]),
    );
    expect(sub('list').options?.map((o) => o.name)).toEqual([
      'status',
      'page',
      'per_page',
      'since',
      'until',
      'sort',
      'exclude_meetings',
    ]);
    expect(sub('create').options?.map((o) => o.name)).toEqual(['name']);
    expect(sub('status').options?.map((o) => [o.name, o.required])).toEqual([['livestream_id', true]]);
    expect(sub('session').options?.map((o) => [o.name, o.required])).toEqual([['session_id', true]]);
    expect(sub('meeting').options?.map((o) => [o.name, o.required])).toEqual([['meeting_id', true]]);
  });

  it('bounds page and per_page, and offers the status and sort choices', () => {
    const list = sub('list').options ?? [];
    const option = (name: string) => list.find((o) => o.name === name);
    expect(option('page')).toMatchObject({ type: 4, min_value: 1 });
    expect(option('per_page')).toMatchObject({ type: 4, min_value: 1, max_value: MAX_PER_PAGE });
    expect(option('status')?.choices).toEqual(
      ['LIVE', 'IDLE', 'ERRORED', 'INVOKED'].map((s) => ({ name: s, value: s })),
    );
    expect(option('sort')?.choices).toEqual([
      { name: 'newest first', value: 'desc' },
      { name: 'oldest first', value: 'asc' },
    ]);
    expect(option('exclude_meetings')).toMatchObject({ type: 5 });
  });

  it('stays within Discord’s naming and length rules', () => {
    const walk = (options: Record<string, unknown>[] | undefined): void => {
      for (const option of options ?? []) {
        expect(option.name).toMatch(/^[-_a-z0-9]{1,32}$/);
        expect((option.description as string).length).toBeLessThanOrEqual(COMMAND_LIMITS.description);
        expect(((option.choices as unknown[]) ?? []).length).toBeLessThanOrEqual(COMMAND_LIMITS.choices);
        walk(option.options as Record<string, unknown>[] | undefined);
      }
    };
    walk(command.options as unknown as Record<string, unknown>[]);
  });

  it('is guild-only; guild registration leaves out the fields only global commands take', () => {
    expect(command.contexts).toEqual([0]);
    expect(command.integration_types).toEqual([0]);
    const [guild] = applicationCommands('guild');
    expect(guild).not.toHaveProperty('contexts');
    expect(guild).not.toHaveProperty('integration_types');
    expect(applicationCommands('global')).toEqual([command]);
  });
});

describe('commandFromOptions', () => {
  it('maps list options to the core query', () => {
    expect(
      map('list', {
        status: 'ERRORED',
        page: 2,
        per_page: 5,
        since: '2026-11-01',
        until: '2026-11-30T23:59:59Z',
        sort: 'asc',
        exclude_meetings: true,
      }),
    ).toEqual({
      ok: true,
      command: {
        name: 'list',
        query: {
          status: 'ERRORED',
          pageNo: 2,
          perPage: 5,
          startTime: '2026-11-01',
          endTime: '2026-11-30T23:59:59Z',
          sortOrder: 'ASC',
          excludeMeetings: true,
        },
      },
    });
    expect(map('list')).toEqual({ ok: true, command: { name: 'list', query: {} } });
    expect(map('list', { exclude_meetings: false, sort: 'desc' })).toEqual({
      ok: true,
      command: { name: 'list', query: { sortOrder: 'DSC' } },
    });
  });

  it('turns bad list values into a usage problem in Discord syntax', () => {
    const since = map('list', { since: 'yesterday' });
    expect(told(since)).toContain('since needs an ISO date');
    expect(since.ok ? '' : since.usage).toBe(discordUsage('list'));
    expect(since.ok ? '' : since.usage).toContain('per_page:');
    expect(since.ok ? undefined : usageReply(since).footer).toBe(
      'Type /livestream help command:list for its options and examples.',
    );
    expect(told(map('list', { since: '2026-12-01', until: '2026-11-01' }))).toBe(
      'since must be before until.',
    );
    expect(told(map('list', { per_page: 101 }))).toBe(
      'per_page needs a whole number from 1 to 100 (got "101").',
    );
    expect(told(map('list', { page: 0 }))).toBe('page needs a whole number of 1 or more (got "0").');
    expect(told(map('list', { status: 'OFFLINE' }))).toBe(
      'status takes LIVE, IDLE, ERRORED or INVOKED (got "OFFLINE").',
    );
    // Every problem at once.
    expect(map('list', { page: 0, per_page: 0 })).toMatchObject({ ok: false, errors: { length: 2 } });
  });

  it('maps create, trimming the name and leaving it out when blank', () => {
    expect(map('create', { name: '  Town hall ' })).toEqual({
      ok: true,
      command: { name: 'create', livestreamName: 'Town hall' },
    });
    expect(map('create', { name: '   ' })).toEqual({ ok: true, command: { name: 'create' } });
    expect(map('create')).toEqual({ ok: true, command: { name: 'create' } });
    expect(map('create', { name: 'x'.repeat(201) })).toMatchObject({ ok: false });
  });

  it('validates ids: status and session take ids, meeting takes a UUID', () => {
    const uuid = '182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e';
    expect(map('status', { livestream_id: uuid })).toEqual({
      ok: true,
      command: { name: 'status', livestreamId: uuid },
    });
    expect(map('session', { session_id: 'abc_1' })).toEqual({
      ok: true,
      command: { name: 'session', sessionId: 'abc_1' },
    });
    expect(map('meeting', { meeting_id: uuid })).toEqual({
      ok: true,
      command: { name: 'meeting', meetingId: uuid },
    });
    expect(map('status', { livestream_id: '../admin' })).toMatchObject({
      ok: false,
      usage: 'status livestream_id:…',
    });
    expect(told(map('meeting', { meeting_id: 'abc' }))).toBe(
      '"abc" is not a meeting id: meeting ids are UUIDs.',
    );
  });

  it('maps help with an optional topic, and reports a stale subcommand', () => {
    expect(map('help')).toEqual({ ok: true, command: { name: 'help' } });
    expect(map('help', { command: 'list' })).toEqual({ ok: true, command: { name: 'help', topic: 'list' } });
    expect(told(map('nope'))).toContain('discord:register');
    expect(map(null)).toMatchObject({ ok: false });
  });
});

describe('Discord syntax for hints and help', () => {
  it('maps the subscription subcommands, with a role to mention', () => {
    expect(map('subscribe')).toEqual({
      ok: true,
      command: { name: 'subscribe', onLive: true, onErrored: true, livestreamIds: [] },
    });
    expect(
      map('subscribe', { events: 'errored', livestream_id: 'abc', mention: { id: '123456789012345678' } }),
    ).toEqual({
      ok: true,
      command: {
        name: 'subscribe',
        onLive: false,
        onErrored: true,
        livestreamIds: ['abc'],
        mention: '<@&123456789012345678>',
      },
    });
    // Discord's events option is its own: the text grammar's "neither live, errored nor…" does not apply.
    expect(told(map('subscribe', { livestream_id: '../x' }))).toMatch(/^"\.\.\/x" is not a livestream id/);
    expect(map('subscribe', { events: 'both' })).toMatchObject({
      ok: true,
      command: { onLive: true, onErrored: true },
    });
    expect(map('unsubscribe', { livestream_id: 'abc' })).toEqual({
      ok: true,
      command: { name: 'unsubscribe', livestreamIds: ['abc'] },
    });
    expect(map('unsubscribe')).toEqual({ ok: true, command: { name: 'unsubscribe', livestreamIds: [] } });
    expect(map('subscriptions')).toEqual({ ok: true, command: { name: 'subscriptions' } });
  });

  it('writes a command (the next page) with Discord options, from its spec', () => {
    expect(
      discordCommandText({
        name: 'list',
        query: { status: 'LIVE', pageNo: 3, perPage: 5, sortOrder: 'ASC', excludeMeetings: true },
      }),
    ).toBe('/livestream list status:LIVE page:3 per_page:5 sort:asc exclude_meetings:True');
    expect(discordCommandText({ name: 'show', livestreamId: 'abc', pageNo: 2 })).toBe(
      '/livestream show livestream_id:abc page:2',
    );
  });

  it('writes every COMMAND_SPECS example of a Discord subcommand in Discord syntax', () => {
    for (const name of DISCORD_SUBCOMMANDS) {
      for (const text of discordExamples(specFor(name))) {
        expect(text.startsWith(`/livestream ${name}`)).toBe(true);
        expect(text).not.toContain('--');
      }
    }
    expect(discordExamples(specFor('list'))).toContain(
      '/livestream list status:ERRORED per_page:5 since:2026-11-01',
    );
    expect(discordExamples(specFor('subscribe'))).toContain(
      '/livestream subscribe events:live mention:@role',
    );
  });

  it('help lists every subcommand, and a topic shows usage, options and examples', () => {
    expect(discordHelpReply().fields.map((f) => f.label)).toEqual(
      DISCORD_SUBCOMMANDS.map((n) => `/livestream ${n}`),
    );
    const topic = discordHelpReply('list');
    expect(topic.fields.map((f) => f.label)).toEqual(['Usage', 'Options', 'Examples']);
    expect(topic.fields[1]?.value).toContain('per_page: Livestreams per page, 1 to 100');
    expect(topic.fields[2]?.value).toBe(
      [
        '/livestream list',
        '/livestream list status:LIVE',
        '/livestream list status:ERRORED per_page:5 since:2026-11-01',
        '/livestream list page:2 sort:asc',
      ].join('\n'),
    );
  });
});
