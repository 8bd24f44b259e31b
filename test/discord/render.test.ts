import { describe, expect, it } from 'vitest';
import {
  DISCORD_LIMITS,
  discordTime,
  formatValue,
  mentionOf,
  messageSize,
  renderReply,
  TONE_COLOURS,
} from '../../adapters/discord/render.js';
import type { Command } from '../../src/commands/command.js';
import { type Reply, type ReplyItem, reply, type Tone } from '../../src/reply.js';

const EPHEMERAL = 64;

function item(n: number, extra = ''): ReplyItem {
  return {
    title: `Stream ${n}${extra}`,
    badge: { text: 'LIVE', tone: 'live' },
    fields: [
      { label: 'ID', value: `3fd739f4-3c41-456e-bfba-${String(n).padStart(12, '0')}`, format: 'code' },
      { label: 'Created', value: '2026-11-01T09:00:00Z', format: 'time' },
    ],
    link: { label: 'Watch', url: `https://example.com/${n}` },
  };
}

function listReply(
  count: number,
  options: { total?: number | null; next?: Command; extra?: string } = {},
): Reply {
  return reply({
    title: 'Livestreams',
    list: {
      items: Array.from({ length: count }, (_, i) => item(i + 1, options.extra)),
      total: options.total === undefined ? count : options.total,
      offset: 1,
      ...(options.next ? { next: options.next } : {}),
    },
    visibility: 'channel',
  });
}

describe('renderReply', () => {
  it('colours the embed by tone, with distinct colours for LIVE, ERRORED, IDLE, INVOKED and success', () => {
    const tones: Tone[] = ['live', 'errored', 'idle', 'invoked', 'success', 'error'];
    for (const tone of tones) {
      expect(renderReply(reply({ title: 't', tone })).embeds[0]?.color).toBe(TONE_COLOURS[tone]);
    }
    expect(new Set(tones.map((t) => TONE_COLOURS[t])).size).toBe(tones.length);
  });

  it('shows the badge as a Status field and keeps text, fields and links', () => {
    const message = renderReply(
      reply({
        title: 'Active session of Town hall',
        tone: 'live',
        badge: { text: 'LIVE', tone: 'live' },
        text: 'It is *on*.',
        fields: [{ label: 'Livestream ID', value: 'abc', format: 'code' }],
        links: [{ label: 'Watch', url: 'https://example.com/w' }],
        visibility: 'channel',
      }),
    );
    const [embed] = message.embeds;
    expect(embed?.fields?.[0]).toEqual({ name: 'Status', value: '🔴 LIVE', inline: true });
    expect(embed?.fields?.[1]).toEqual({ name: 'Livestream ID', value: '`abc`', inline: true });
    expect(embed?.description).toBe('It is \\*on\\*.\n\n[Watch](https://example.com/w)');
    expect(message.flags).toBeUndefined();
  });

  it('is ephemeral when the reply is for the requester, and always when it holds a secret', () => {
    expect(renderReply(reply({ title: 't', visibility: 'requester' })).flags).toBe(EPHEMERAL);
    const leaky = reply({
      title: 't',
      visibility: 'channel',
      fields: [{ label: 'Stream key', value: 'k3y', format: 'secret' }],
    });
    const message = renderReply(leaky);
    expect(message.flags).toBe(EPHEMERAL);
    expect(message.embeds[0]?.fields?.[0]?.value).toBe('`k3y`');
  });

  it('formats times as Discord timestamps, code with backticks safely, and multi-line code as a block', () => {
    expect(discordTime('2026-11-01T09:00:00Z')).toBe(`<t:${Date.parse('2026-11-01T09:00:00Z') / 1000}:f>`);
    expect(formatValue({ label: 'x', value: 'not a date', format: 'time' })).toBe('not a date');
    expect(formatValue({ label: 'x', value: 'a`b', format: 'code' })).toBe('`` a`b ``');
    expect(formatValue({ label: 'x', value: 'a\nb', format: 'code' })).toBe('```\na\nb\n```');
    expect(formatValue({ label: 'x', value: 'x'.repeat(2000), format: 'code' })).toHaveLength(
      DISCORD_LIMITS.fieldValue,
    );
  });

  it('renders a list as fields with "Showing X-Y of Z" and the next-page hint in the footer', () => {
    const next: Command = { name: 'list', query: { pageNo: 2 } };
    const message = renderReply(listReply(3, { total: 12, next }));
    const [embed] = message.embeds;
    expect(embed?.fields?.map((f) => f.name)).toEqual([
      '1. Stream 1 · 🔴 LIVE',
      '2. Stream 2 · 🔴 LIVE',
      '3. Stream 3 · 🔴 LIVE',
    ]);
    expect(embed?.fields?.[0]?.value).toContain('[Watch](https://example.com/1)');
    expect(embed?.footer?.text).toBe('Showing 1-3 of 12\nNext page: /livestream list page:2');
  });

  it('says so when the list is empty', () => {
    const empty = reply({
      title: 'Livestreams',
      list: { items: [], total: 0, offset: 1, empty: 'No livestreams are LIVE.' },
    });
    const [embed] = renderReply(empty).embeds;
    expect(embed?.description).toBe('No livestreams are LIVE.');
    expect(embed?.fields).toBeUndefined();
  });

  it('keeps a 100-item page within 25 fields per embed, 10 embeds and 6000 characters, and says what was left out', () => {
    const message = renderReply(listReply(100, { total: 500, next: { name: 'list', query: { pageNo: 2 } } }));
    expect(message.embeds.length).toBeLessThanOrEqual(DISCORD_LIMITS.embedsPerMessage);
    for (const embed of message.embeds) {
      expect(embed.fields?.length ?? 0).toBeLessThanOrEqual(DISCORD_LIMITS.fieldsPerEmbed);
    }
    expect(messageSize(message)).toBeLessThanOrEqual(DISCORD_LIMITS.totalCharacters);
    const shown = message.embeds.reduce((sum, embed) => sum + (embed.fields?.length ?? 0), 0);
    expect(shown).toBeGreaterThan(25);
    const footer = message.embeds.at(-1)?.footer?.text ?? '';
    expect(footer).toContain(`Showing 1-${shown} of 500`);
    expect(footer).toContain(`${100 - shown} more on this page did not fit`);
  });

  it('escapes markdown in text from the API, quickly even when it is long', () => {
    const started = Date.now();
    const message = renderReply(reply({ title: 't', text: `*bold* _it_ [x](y) ${'a'.repeat(20_000)}` }));
    expect(Date.now() - started).toBeLessThan(200);
    expect(message.embeds[0]?.description?.startsWith('\\*bold\\* \\_it\\_ \\[x\\](y)')).toBe(true);
  });

  it('clips every text to its limit', () => {
    const huge = reply({
      title: 'T'.repeat(500),
      text: 'd'.repeat(5000),
      fields: Array.from({ length: 40 }, (_, i) => ({ label: `L${i}`.repeat(200), value: 'v'.repeat(2000) })),
      footer: 'f'.repeat(3000),
    });
    const message = renderReply(huge);
    const [embed] = message.embeds;
    expect(embed?.title).toHaveLength(DISCORD_LIMITS.title);
    expect(embed?.description?.length).toBeLessThanOrEqual(DISCORD_LIMITS.description);
    expect(embed?.description?.endsWith('…')).toBe(true);
    // Some fields still fit next to the long text, and the footer says how many did not.
    expect(embed?.fields?.length).toBeGreaterThan(0);
    expect(embed?.footer?.text).toMatch(/^\d+ more fields did not fit/);
    for (const field of embed?.fields ?? []) {
      expect(field.name.length).toBeLessThanOrEqual(DISCORD_LIMITS.fieldName);
      expect(field.value.length).toBeLessThanOrEqual(DISCORD_LIMITS.fieldValue);
    }
    expect(embed?.footer?.text.length).toBeLessThanOrEqual(DISCORD_LIMITS.footer);
    expect(messageSize(message)).toBeLessThanOrEqual(DISCORD_LIMITS.totalCharacters);
  });

  it('pings only the reply’s own mention, and nothing in embeds', () => {
    expect(mentionOf(undefined)).toEqual({ allowed_mentions: { parse: [] } });
    expect(mentionOf('@here')).toEqual({ content: '@here', allowed_mentions: { parse: ['everyone'] } });
    expect(mentionOf('<@&123456789012345678>')).toEqual({
      content: '<@&123456789012345678>',
      allowed_mentions: { parse: [], roles: ['123456789012345678'] },
    });
    expect(mentionOf('@ops team')).toEqual({ content: '@ops team', allowed_mentions: { parse: [] } });
    const message = renderReply({ ...reply({ title: '@everyone look' }), mention: '@here' });
    expect(message.content).toBe('@here');
    expect(message.allowed_mentions).toEqual({ parse: ['everyone'] });
  });
});

describe('names are data, not markup', () => {
  it('escapes markdown in the embed title, and keeps it one line', () => {
    const [embed] = renderReply(
      reply({ title: '**Fake** _it_ ~~x~~ `c` [link](https://evil.test)\n# Big is live' }),
    ).embeds;
    expect(embed?.title).toBe(
      '\\*\\*Fake\\*\\* \\_it\\_ \\~\\~x\\~\\~ \\`c\\` \\[link\\](https://evil.test) # Big is live',
    );
  });

  it('escapes markdown in field names and values, one line each', () => {
    const [embed] = renderReply(
      reply({
        title: 't',
        fields: [{ label: '**Name**', value: 'Show\n**Stream key** `fake`' }],
      }),
    ).embeds;
    expect(embed?.fields?.[0]).toMatchObject({
      name: '\\*\\*Name\\*\\*',
      value: 'Show \\*\\*Stream key\\*\\* \\`fake\\`',
    });
  });

  it('a list item named with markdown, a mention or a newline shows as typed, on its own field', () => {
    const [embed] = renderReply(
      reply({
        title: 'Livestreams',
        list: {
          items: [
            {
              title: 'Evil <@&123456789012345678>\n**LIVE**',
              badge: { text: 'IDLE', tone: 'idle' },
              fields: [{ label: '*Note*', value: 'a\n> quote' }],
            },
          ],
          total: 1,
          offset: 1,
        },
      }),
    ).embeds;
    expect(embed?.fields?.[0]?.name).toBe('1. Evil \\<@&123456789012345678> \\*\\*LIVE\\*\\* · ⚪ IDLE');
    expect(embed?.fields?.[0]?.value).toBe('\\*Note\\*: a > quote');
  });
});
