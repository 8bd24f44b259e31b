/** Reply -> Block Kit: badges, dates, links, secrets, escaping, and every Block Kit limit. */
import { describe, expect, it } from 'vitest';
import {
  escapeMrkdwn,
  renderPlainText,
  renderReply,
  SLACK_LIMITS,
  slackDate,
  slackLink,
  slackMention,
  TONE_EMOJI,
} from '../../adapters/slack/render.js';
import { helpReply } from '../../src/commands/handler.js';
import { type Reply, type ReplyItem, reply, type Tone } from '../../src/reply.js';
import { blocksText } from '../fakes/slack-harness.js';

type Block = { type: string; text?: { type: string; text: string }; elements?: { text: string }[] };

function assertWithinLimits(blocks: unknown[]): void {
  expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
  for (const block of blocks as Block[]) {
    if (block.type === 'header') expect(block.text?.text.length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
    if (block.type === 'section') {
      expect(block.text?.text.length).toBeGreaterThan(0);
      expect(block.text?.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    }
    if (block.type === 'context') {
      expect(block.elements?.length).toBeLessThanOrEqual(SLACK_LIMITS.contextElements);
      for (const element of block.elements ?? [])
        expect(element.text.length).toBeLessThanOrEqual(SLACK_LIMITS.contextText);
    }
  }
}

const secretReply: Reply = reply({
  title: 'Livestream created: Show',
  tone: 'success',
  badge: { text: 'INVOKED', tone: 'invoked' },
  fields: [
    { label: 'Livestream ID', value: 'abc-123', format: 'code' },
    { label: 'Stream key', value: 'key-XYZ-987', format: 'secret' },
  ],
  links: [{ label: 'Playback URL', url: 'https://example.com/v.m3u8?a=1&b=2' }],
});

describe('pieces', () => {
  it('escapes the three mrkdwn control characters only', () => {
    expect(escapeMrkdwn('<!channel> & <@U1> *bold*')).toBe('&lt;!channel&gt; &amp; &lt;@U1&gt; *bold*');
  });

  it('renders times as Slack date tokens with the ISO as fallback', () => {
    expect(slackDate('2026-11-01T09:00:00.000Z')).toBe(
      '<!date^1793523600^{date_short_pretty} {time}|2026-11-01T09:00:00.000Z>',
    );
    expect(slackDate('not a date')).toBe('not a date');
  });

  it('links only http(s) URLs and keeps the link from being cut short', () => {
    expect(slackLink('https://x.test/a|b>c d', 'Watch')).toBe('<https://x.test/a%7Cb%3Ec%20d|Watch>');
    expect(slackLink('javascript:alert(1)', 'x')).toBe('javascript:alert(1)');
  });

  it('gives every tone a badge emoji', () => {
    const tones: Tone[] = [
      'live',
      'idle',
      'errored',
      'invoked',
      'offline',
      'unknown',
      'info',
      'success',
      'error',
    ];
    for (const tone of tones) expect(TONE_EMOJI[tone]).toMatch(/^:[a-z_]+:$/);
    const { blocks } = renderReply({
      reply: reply({ title: 't', badge: { text: 'LIVE', tone: 'live' } }),
      surface: 'ephemeral',
    });
    expect(blocksText(blocks)).toContain(':red_circle: *LIVE*');
  });
});

describe('secrets', () => {
  it('shows a secret in a code span on the ephemeral surface', () => {
    const { blocks, text } = renderReply({ reply: secretReply, surface: 'ephemeral' });
    expect(blocksText(blocks)).toContain('*Stream key:* `key-XYZ-987`');
    expect(text).toContain('key-XYZ-987');
  });

  it('never shows a secret on the channel surface, in blocks or fallback text', () => {
    const rendered = renderReply({ reply: secretReply, surface: 'channel' });
    expect(JSON.stringify(rendered)).not.toContain('key-XYZ-987');
    expect(blocksText(rendered.blocks)).toContain('hidden: shown only to the person who asked');
    expect(renderPlainText({ reply: secretReply, surface: 'channel' })).not.toContain('key-XYZ-987');
  });
});

describe('layout', () => {
  it('starts with a header and puts the playback URL in a link', () => {
    const { blocks } = renderReply({ reply: secretReply, surface: 'ephemeral' });
    expect(blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'Livestream created: Show', emoji: true },
    });
    expect(blocksText(blocks)).toContain('<https://example.com/v.m3u8?a=1&b=2|Playback URL>');
  });

  it('renders multi-line code (help examples) as a code block', () => {
    const { blocks } = renderReply({ reply: helpReply('list'), surface: 'ephemeral' });
    expect(blocksText(blocks)).toContain('```/livestream list\n/livestream list live');
    assertWithinLimits(blocks);
  });

  it('fits a 100-item page with long names into 50 blocks, every item shown, and says how to page on', () => {
    const items: ReplyItem[] = Array.from({ length: 100 }, (_, i) => ({
      title: `Stream ${i} ${'x'.repeat(180)}`,
      badge: { text: 'LIVE', tone: 'live' },
      fields: [
        { label: 'ID', value: `0000000${i}-3c41-456e-bfba-6ebd51e16d2d`, format: 'code' },
        { label: 'Created', value: '2026-11-01T09:00:00.000Z', format: 'time' },
      ],
      link: { label: 'Watch', url: `https://customer-x.cloudflarestream.com/${i}/manifest/video.m3u8` },
    }));
    const value = reply({
      title: 'Livestreams',
      list: { items, total: 250, offset: 101, next: { name: 'list', query: { pageNo: 3, perPage: 100 } } },
    });
    const { blocks, text } = renderReply({ reply: value, surface: 'ephemeral' });
    assertWithinLimits(blocks);
    const shown = blocksText(blocks);
    for (let i = 0; i < 100; i += 1) expect(shown).toContain(`*${101 + i}. Stream ${i} `);
    expect(shown).toContain('Showing 101-200 of 250');
    expect(shown).toContain('Next page: `/livestream list --page 3 --per-page 100`');
    expect(shown).not.toContain('did not fit');
    expect(text.length).toBeLessThanOrEqual(SLACK_LIMITS.fallbackText);
  });

  it('cuts what cannot fit and says so rather than break a limit', () => {
    const items: ReplyItem[] = Array.from({ length: 100 }, (_, i) => ({
      title: `Item ${i}`,
      fields: [{ label: 'Note', value: 'y'.repeat(2_000) }],
    }));
    const { blocks } = renderReply({
      reply: reply({ title: 'Huge', list: { items, total: 100, offset: 1 } }),
      surface: 'ephemeral',
    });
    assertWithinLimits(blocks);
    expect(blocksText(blocks)).toMatch(/\d+ more on this page did not fit in one Slack message/);
  });

  it('keeps a long title and text within the header and section limits', () => {
    const { blocks } = renderReply({
      reply: reply({
        title: 'T'.repeat(500),
        text: 'a'.repeat(10_000),
        fields: [{ label: 'L', value: 'v'.repeat(5_000) }],
      }),
      surface: 'ephemeral',
    });
    assertWithinLimits(blocks);
  });

  it('says what an empty list means', () => {
    const { blocks } = renderReply({
      reply: reply({
        title: 'Livestreams',
        list: { items: [], total: 0, offset: 1, empty: 'No livestreams are LIVE.' },
      }),
      surface: 'ephemeral',
    });
    expect(blocksText(blocks)).toContain('_No livestreams are LIVE._');
  });
});

describe('plain-text fallback', () => {
  it('is the neutral plain text, escaped, with ISO times', () => {
    const text = renderPlainText({
      reply: reply({
        title: 'A <b> & c',
        fields: [{ label: 'Started', value: '2026-11-01T09:00:00Z', format: 'time' }],
      }),
      surface: 'channel',
    });
    expect(text).toBe('A &lt;b&gt; &amp; c\n  Started: 2026-11-01T09:00:00Z');
  });
});

describe('mentions', () => {
  it('turns a subscriber mention into Slack markup that pings, in the text and the first block', () => {
    expect(slackMention('@here')).toBe('<!here>');
    expect(slackMention('<!subteam^S0123|@oncall>')).toBe('<!subteam^S0123|@oncall>');
    expect(slackMention('<@U0123>')).toBe('<@U0123>');
    expect(slackMention('<!channel> & co')).toBe('&lt;!channel&gt; &amp; co');
    const message = renderReply({
      reply: reply({ title: 'Show is live', mention: '@channel', visibility: 'channel' }),
      surface: 'channel',
    });
    expect(message.text.startsWith('<!channel> ')).toBe(true);
    expect(message.blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: '<!channel>' } });
  });
});

describe('names are data, not markup', () => {
  /** The text of the section that shows list item 1. */
  function itemSection(title: string, badge: Reply['badge'] = { text: 'IDLE', tone: 'idle' }): string {
    const { blocks } = renderReply({
      reply: reply({
        title: 'Livestreams',
        list: {
          items: [
            { title, ...(badge ? { badge } : {}), fields: [{ label: 'ID', value: 'id-1', format: 'code' }] },
          ],
          total: 1,
          offset: 1,
        },
      }),
      surface: 'ephemeral',
    });
    return blocksText(blocks.filter((b) => b.type === 'section'));
  }

  it('a name with * and an :emoji: cannot fake a LIVE badge next to its real one', () => {
    const shown = itemSection('Evil* :red_circle: *LIVE');
    expect(shown).not.toContain(':red_circle:');
    expect(shown).not.toContain('*LIVE*');
    expect(shown).toContain(':white_circle: *IDLE*'); // the real badge, once
    expect(shown.match(/:[a-z_]+: \*[A-Z]+\*/g)).toHaveLength(1);
    // Still readable: look-alike characters, not deletions.
    expect(shown).toContain('*1. Evil∗ ꞉red_circle: ∗LIVE*');
  });

  it('_, ~ and backticks in a name are shown as typed, not as italics, strike or code', () => {
    const shown = itemSection('_slanted_ ~struck~ `code` snake_case');
    expect(shown).toContain('*1. ˍslantedˍ ∼struck∼ ˋcodeˋ snake_case*');
    const titleLine = shown.split('\n')[0] ?? '';
    expect(titleLine).not.toMatch(/[~`]|(^|\s)_|_(\s|\*|$)/);
  });

  it('a newline in a name cannot fake a field line: one line per field', () => {
    const { blocks, text } = renderReply({
      reply: reply({
        title: 'Show\n*Stream key:* fake',
        fields: [
          { label: 'Name', value: 'Show\n*Stream key:* `fake-key`' },
          { label: 'Livestream ID', value: 'id-1', format: 'code' },
        ],
      }),
      surface: 'ephemeral',
    });
    const fieldSection = blocksText(blocks.filter((b) => b.type === 'section'));
    expect(fieldSection.split('\n')).toEqual([
      '*Name:* Show ∗Stream key:∗ ˋfake-keyˋ',
      '*Livestream ID:* `id-1`',
    ]);
    expect(blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'Show *Stream key:* fake', emoji: true },
    });
    // The fallback text: the same one line per field, nothing bold.
    expect(text.split('\n')).toEqual([
      'Show ∗Stream key:∗ fake',
      '  Name: Show ∗Stream key:∗ ˋfake-keyˋ',
      '  Livestream ID: id-1',
    ]);
  });

  it('an :emoji: in the header (plain text with emoji on) stays text', () => {
    const { blocks } = renderReply({
      reply: reply({ title: ':red_circle: LIVE Town hall 12:30:45' }),
      surface: 'channel',
    });
    expect(blocks[0]).toMatchObject({ text: { text: '꞉red_circle: LIVE Town hall 12:30:45' } });
  });

  it('the paragraph text and badges are literal too', () => {
    const { blocks } = renderReply({
      reply: reply({
        title: 't',
        badge: { text: '*LIVE*', tone: 'live' },
        text: 'Created *Bold* :tada:\n> quoted',
      }),
      surface: 'ephemeral',
    });
    const shown = blocksText(blocks);
    expect(shown).toContain(':red_circle: *∗LIVE∗*');
    expect(shown).toContain('Created ∗Bold∗ ꞉tada:\n›');
  });
});
