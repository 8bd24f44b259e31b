/**
 * One spec entry is the whole command: its text grammar, usage, help, Discord options and their
 * reading, who may run it and what it costs all follow from it; with its handler, the core runs it. A
 * throwaway spec (the shapes the next commands need: a required id, a rest-of-line name, an optional
 * integer with a range) shows it without adding those commands; the registry's own examples show text
 * and Discord agree on every command.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discordOptions, discordUsageOf, livestreamCommand } from '../../adapters/discord/commands.js';
import { discordCommandHelpReply, discordExamples } from '../../adapters/discord/help.js';
import { commandFromOptions, type OptionValues, readOptions } from '../../adapters/discord/options.js';
import type { ArgValueMap } from '../../src/commands/args.js';
import { describeInputErrors } from '../../src/commands/describe-input.js';
import { commandHelpReply, textExamples } from '../../src/commands/help.js';
import { commandText, parseCommandText, tokenize } from '../../src/commands/parse.js';
import type { CommandProblem } from '../../src/commands/problem.js';
import {
  type ArgValuesOf,
  COMMAND_SPECS,
  defineCommand,
  EXAMPLE_LIVESTREAM_ID,
  type SomeCommandSpec,
} from '../../src/commands/spec.js';
import { readTextArgs } from '../../src/commands/text-grammar.js';
import { NAME_RULE, UUID_RULE } from '../../src/realtimekit/validate.js';
import { ManualClock } from '../../src/clock.js';
import { CommandLimits } from '../../src/command-limits.js';
import { COMMANDS, commandWithHandler } from '../../src/commands/registry.js';
import { createCore, type RequestContext } from '../../src/core.js';
import { clientSettingsOf, createEmulator, type Emulator } from '../../src/emulator/emulator.js';
import { silentLogger } from '../../src/log.js';
import { RequestBudget } from '../../src/notify/budget.js';
import { createRealtimeKitClient } from '../../src/realtimekit/client.js';
import { reply } from '../../src/reply.js';

const MEETING = '182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e';

/** Not a real command: the shapes `start <meeting_id> [name...]` and `stats [days]` need, in one. */
const rehearse = defineCommand({
  name: 'rehearse',
  summary: 'Rehearse a meeting’s livestream.',
  args: {
    meeting_id: { kind: 'id', rule: UUID_RULE, required: true, description: 'The meeting id (a UUID)' },
    days: { kind: 'integer', range: { min: 1, max: 90 }, description: 'Days to look back, 1 to 90' },
    name: { kind: 'text', rest: true, maxLength: NAME_RULE.maxLength, description: 'A name for it' },
  },
  examples: [{ meeting_id: MEETING }, { meeting_id: MEETING, days: 7, name: 'Friday town hall' }],
  // What the core needs to know to run it: who may, and what it costs.
  apiCalls: 2,
  operatorOnly: true,
  makesLivestream: true,
  toCommand: ({
    meeting_id,
    days,
    name,
  }): { name: 'rehearse'; meetingId: string; days: number; title?: string } => ({
    name: 'rehearse',
    meetingId: meeting_id,
    days: days ?? 7,
    ...(name ? { title: name } : {}),
  }),
  toValues: ({ meetingId, days, title }) => ({
    meeting_id: meetingId,
    days,
    ...(title ? { name: title } : {}),
  }),
});

function fromText(spec: SomeCommandSpec, line: string) {
  const read = readTextArgs(spec.args, tokenize(line));
  return spec.bind(read.values, read.errors);
}

/** What the person is told about bad input, on a surface. */
function told(
  spec: SomeCommandSpec,
  surface: CommandProblem['surface'],
  bound: ReturnType<typeof fromText>,
): string {
  if (bound.ok) return '';
  const problem = { surface, command: spec.name, errors: bound.errors, usage: '' };
  return describeInputErrors(problem, spec).join(' ');
}

/** discord.js's resolver over plain values, as the interaction would carry them. */
function optionValues(given: Record<string, string | number | boolean | { id: string }>): OptionValues {
  const get = <T>(name: string, type: string): T | null =>
    typeof given[name] === type ? (given[name] as T) : null;
  return {
    getString: (name) => get<string>(name, 'string'),
    getInteger: (name) => get<number>(name, 'number'),
    getBoolean: (name) => get<boolean>(name, 'boolean'),
    getRole: (name) => get<{ id: string; name: string }>(name, 'object'),
  };
}

describe('a command defined by one spec entry', () => {
  it('has a text grammar: a required id, an optional integer in place, the rest of the line as a name', () => {
    expect(rehearse.usage).toBe('rehearse <meeting_id> [days] [name...]');
    expect(fromText(rehearse, `${MEETING} 30 Friday  town hall`)).toEqual({
      ok: true,
      command: { name: 'rehearse', meetingId: MEETING, days: 30, title: 'Friday town hall' },
    });
    expect(fromText(rehearse, MEETING)).toEqual({
      ok: true,
      command: { name: 'rehearse', meetingId: MEETING, days: 7 },
    });
    expect(told(rehearse, 'text', fromText(rehearse, ''))).toBe('Missing a meeting id.');
    expect(told(rehearse, 'text', fromText(rehearse, 'abc'))).toBe(
      '"abc" is not a meeting id: meeting ids are UUIDs.',
    );
    expect(told(rehearse, 'text', fromText(rehearse, `${MEETING} 91`))).toBe(
      'days needs a whole number from 1 to 90 (got "91").',
    );
  });

  it('has help listing each argument with its description', () => {
    const help = commandHelpReply(rehearse);
    expect(help.fields.map((f) => [f.label, f.value])).toEqual([
      ['Usage', '/livestream rehearse <meeting_id> [days] [name...]'],
      [
        'Arguments',
        '<meeting_id>: The meeting id (a UUID)\ndays: Days to look back, 1 to 90\nname...: A name for it',
      ],
      ['Examples', `/livestream rehearse ${MEETING}\n/livestream rehearse ${MEETING} 7 Friday town hall`],
    ]);
  });

  it('has Discord options, their usage and help, and reads them with the same rules', () => {
    expect(discordOptions(rehearse.args)).toEqual([
      {
        type: 3,
        name: 'meeting_id',
        description: 'The meeting id (a UUID)',
        required: true,
        min_length: 36,
        max_length: 36,
      },
      { type: 4, name: 'days', description: 'Days to look back, 1 to 90', min_value: 1, max_value: 90 },
      { type: 3, name: 'name', description: 'A name for it', max_length: 200 },
    ]);
    expect(discordUsageOf(rehearse)).toBe('rehearse meeting_id:… [days:…] [name:…]');
    const help = discordCommandHelpReply(rehearse);
    expect(help.fields.find((f) => f.label === 'Examples')?.value).toBe(
      `/livestream rehearse meeting_id:${MEETING}\n/livestream rehearse meeting_id:${MEETING} days:7 name:Friday town hall`,
    );

    const read = readOptions(
      rehearse.args,
      optionValues({ meeting_id: MEETING, days: 3, name: ' Dry run ' }),
    );
    expect(rehearse.bind(read.values, read.errors)).toEqual({
      ok: true,
      command: { name: 'rehearse', meetingId: MEETING, days: 3, title: 'Dry run' },
    });
    const bad = readOptions(rehearse.args, optionValues({ meeting_id: 'abc', days: 0 }));
    expect(told(rehearse, 'options', rehearse.bind(bad.values, bad.errors))).toBe(
      '"abc" is not a meeting id: meeting ids are UUIDs. days needs a whole number from 1 to 90 (got "0").',
    );
  });
});

/** `/livestream list status:ERRORED per_page:5` back into the options Discord would send. */
function discordOptionsOf(text: string): { subcommand: string; options: OptionValues } {
  const [, subcommand = '', rest = ''] = /^\/livestream (\S+) ?(.*)$/.exec(text) ?? [];
  const definition = livestreamCommand().options?.find((o) => o.name === subcommand) as
    { options?: { name: string; type: number }[] } | undefined;
  const given: Record<string, string | number | boolean | { id: string }> = {};
  for (const [, name = '', value = ''] of rest.matchAll(/(\w+):(.*?)(?= \w+:|$)/g)) {
    const type = definition?.options?.find((o) => o.name === name)?.type;
    given[name] =
      type === 4
        ? Number(value)
        : type === 5
          ? value === 'True'
          : type === 8
            ? { id: '1100000000000000042' }
            : value;
  }
  return { subcommand, options: optionValues(given) };
}

describe('a command defined by one spec entry, run by the core with its handler', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = createEmulator({ seed: 13 });
    await emulator.start();
    emulator.addLivestream({ name: 'Rehearsal', status: 'IDLE' });
  });
  afterAll(() => emulator.stop());

  it('runs typed text, and who may run it and what it costs come from its spec', async () => {
    const clock = new ManualClock();
    const budget = new RequestBudget(20, 40);
    const handled: unknown[] = [];
    const core = createCore({
      client: createRealtimeKitClient({ ...clientSettingsOf(emulator.settings()), retries: 0 }),
      log: silentLogger,
      clock,
      limits: new CommandLimits({
        budget,
        commands: { count: 5, perMs: 60_000 },
        creates: { count: 1, perMs: 600_000 },
        attemptsPerRequest: 1,
      }),
      commands: [
        ...COMMANDS,
        commandWithHandler(rehearse, async (command, { client, context }) => {
          handled.push(command);
          const page = await client.listLivestreams({ perPage: 1 });
          return reply({
            title: `Rehearsed ${command.meetingId} for ${command.days} days`,
            text: `Asked by ${context.userId}; ${page.livestreams.length} livestream read.`,
          });
        }),
      ],
    });
    const ana: RequestContext = { platform: 'slack', channelId: 'C1', userId: 'U0ANA', canOperate: true };
    const bob: RequestContext = { ...ana, userId: 'U0BOB', canOperate: false };
    const carol: RequestContext = { ...ana, userId: 'U0CAROL' };

    const done = await core.replyToText(`rehearse ${MEETING} 30 Dry run`, ana);
    expect(done.title).toBe(`Rehearsed ${MEETING} for 30 days`);
    expect(done.text).toBe('Asked by U0ANA; 1 livestream read.');
    expect(handled).toEqual([{ name: 'rehearse', meetingId: MEETING, days: 30, title: 'Dry run' }]);
    // Bad input is told from its spec.
    expect((await core.replyToText(`rehearse ${MEETING} 91`, ana)).text).toBe(
      'days needs a whole number from 1 to 90 (got "91").',
    );
    // operatorOnly: refused to someone who may not operate, before any limit.
    expect((await core.replyToText(`rehearse ${MEETING}`, bob)).title).toBe('Not allowed');
    // makesLivestream: the stricter creates limit (one per 10 minutes here) holds the second one.
    const again = await core.replyToText(`rehearse ${MEETING}`, ana);
    expect(again.title).toBe('Slow down');
    expect(again.text).toContain('1 livestream every 10 minutes');
    // apiCalls 2: with one request left in the token's window, it waits while a list (one call) goes.
    for (let used = budget.used(clock.monotonic()); used < 39; used++) budget.record(clock.monotonic());
    expect((await core.replyToText(`rehearse ${MEETING}`, carol)).title).toBe('Near the API limit');
    expect((await core.replyToText('list', carol)).title).toBe('Livestreams');
    expect(handled).toHaveLength(1);
  });

  it('the registry’s facts: who may, what is shared, what buttons run, what makes a livestream', () => {
    const named = (fact: (spec: SomeCommandSpec) => boolean) =>
      COMMAND_SPECS.filter((spec: SomeCommandSpec) => fact(spec)).map((spec) => spec.name);
    expect(named((spec) => spec.operatorOnly)).toEqual(['create', 'start', 'stop']);
    expect(named((spec) => spec.makesLivestream)).toEqual(['create', 'start']);
    expect(named((spec) => spec.sharedInFlight)).toEqual([
      'list',
      'status',
      'session',
      'meeting',
      'show',
      'stats',
    ]);
    expect(named((spec) => spec.buttonable)).toEqual([
      'list',
      'status',
      'session',
      'meeting',
      'stop',
      'show',
    ]);
    const subscribe: SomeCommandSpec = COMMAND_SPECS.find((spec) => spec.name === 'subscribe')!;
    const bound = subscribe.bind({ livestream_id: Array.from({ length: 40 }, (_, i) => `id${i}`) }, []);
    if (!bound.ok) throw new Error('not a subscribe command');
    // One lookup per id, up to the per-command cap.
    expect(subscribe.apiCallsOf(bound.command)).toBe(25);
  });
});

describe('what each command declares it costs covers the requests it makes', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    // The demo's meetings (the examples' meeting among them) and the examples' livestream, not live.
    emulator = createEmulator({ seed: 17, livestreams: 3 });
    await emulator.start();
    emulator.addLivestream({ id: EXAMPLE_LIVESTREAM_ID, name: 'Example', status: 'IDLE' });
  });
  afterAll(() => emulator.stop());

  const runs = COMMAND_SPECS.flatMap((spec: SomeCommandSpec) =>
    spec.examples.map((values, index) => ({
      name: spec.name,
      text: textExamples(spec)[index]!,
      values,
      spec,
    })),
  );

  it.each(runs)('$name: `$text` makes at most the API calls it declares', async ({ text, values, spec }) => {
    const bound = spec.bind(values, []);
    if (!bound.ok) throw new Error(`not a ${spec.name} command`);
    const core = createCore({
      client: createRealtimeKitClient({ ...clientSettingsOf(emulator.settings()), retries: 0 }),
      log: silentLogger,
    });
    const operator: RequestContext = {
      platform: 'slack',
      channelId: 'C1',
      userId: 'U0ANA',
      canOperate: true,
    };
    emulator.resetRequests();
    await core.replyToText(text, operator);
    expect(emulator.requests.length).toBeLessThanOrEqual(spec.apiCallsOf(bound.command));
  });

  it('status of a livestream that is not live: the 404, then the livestream itself, both declared', async () => {
    const idle = emulator.addLivestream({ name: 'Quiet', status: 'IDLE' });
    const status = COMMAND_SPECS.find((spec) => spec.name === 'status')!;
    const bound = status.bind({ livestream_id: idle.id }, []);
    if (!bound.ok) throw new Error('not a status command');
    const core = createCore({
      client: createRealtimeKitClient({ ...clientSettingsOf(emulator.settings()), retries: 0 }),
      log: silentLogger,
    });
    emulator.resetRequests();
    const answer = await core.replyToText(`status ${idle.id}`, {
      platform: 'slack',
      channelId: 'C1',
      userId: 'U0ANA',
    });
    expect(answer.title).toBe('Quiet is not live now');
    expect(emulator.requests).toHaveLength(2);
    expect(status.apiCallsOf(bound.command)).toBeGreaterThanOrEqual(emulator.requests.length);
  });
});

describe('every command of the registry', () => {
  const examples = COMMAND_SPECS.flatMap((spec: SomeCommandSpec) =>
    spec.examples.map((values, index) => ({
      name: spec.name,
      values,
      text: textExamples(spec)[index]!,
      discord: discordExamples(spec)[index]!,
      spec,
    })),
  );

  it.each(examples)(
    '$name: the example $text is valid, and means the same in text and in Discord ($discord)',
    ({ name, values, text: typed, discord: picked, spec }) => {
      // Valid as given: the values a command gets.
      const bound = spec.bind(values, []);
      if (!bound.ok)
        throw new Error(
          describeInputErrors({ surface: 'text', command: name, errors: bound.errors, usage: '' }).join(' '),
        );

      const text = parseCommandText(typed);
      if (!text.ok) throw new Error(describeInputErrors(text).join(' '));
      expect(text.command).toEqual(bound.command);

      const discord = commandFromOptions(discordOptionsOf(picked));
      if (!discord.ok) throw new Error(describeInputErrors(discord).join(' '));
      // A role picked in Discord stands for the text's `--mention @here`: both mention someone.
      const { mention: textMention, ...textRest } = text.command as { mention?: string };
      const { mention: discordMention, ...discordRest } = discord.command as { mention?: string };
      expect(discordRest).toEqual(textRest);
      expect(discordMention === undefined).toBe(textMention === undefined);
    },
  );

  it('writes argument values back as text that reads the same', () => {
    const textOf = (name: string, values: ArgValueMap) => {
      const bound = COMMAND_SPECS.find((spec) => spec.name === name)!.bind(values, []);
      if (!bound.ok) throw new Error(`not a ${name} command`);
      return commandText(bound.command);
    };
    const values: ArgValuesOf<'list'> = {
      status: 'LIVE',
      page: 3,
      per_page: 5,
      since: '2026-11-01T09:00Z',
      sort: 'ASC',
      exclude_meetings: true,
    };
    const text = textOf('list', values);
    expect(text).toBe(
      'list live --page 3 --per-page 5 --since 2026-11-01T09:00Z --sort asc --exclude-meetings',
    );
    expect(parseCommandText(text)).toEqual({
      ok: true,
      command: {
        name: 'list',
        query: {
          status: 'LIVE',
          pageNo: 3,
          perPage: 5,
          startTime: '2026-11-01T09:00Z',
          sortOrder: 'ASC',
          excludeMeetings: true,
        },
      },
    });
    const subscribe: ArgValueMap = { events: ['errored'], livestream_id: ['a', 'b'], mention: '@on call' };
    expect(textOf('subscribe', subscribe)).toBe('subscribe errored a b --mention "@on call"');
  });

  it('keeps Discord’s rules: descriptions fit, required options first, at most 25 options', () => {
    for (const spec of COMMAND_SPECS) {
      const options = discordOptions(spec.args);
      expect(options.length).toBeLessThanOrEqual(25);
      const firstOptional = options.findIndex((o) => !o.required);
      if (firstOptional >= 0) expect(options.slice(firstOptional).every((o) => !o.required)).toBe(true);
    }
  });
});
