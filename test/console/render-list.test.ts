/**
 * Lists in the terminal: an item in two lines (its title and badge, then its facts side by side), so a
 * page of `list` fits a terminal window. Its playback URL is for `show <id>`, not for every row.
 */
import { describe, expect, it } from 'vitest';
import { renderForTerminal } from '../../adapters/console/render.js';
import { detailsAction, listPagingActions, stopAction } from '../../src/commands/actions.js';
import { reply, type ReplyItem } from '../../src/reply.js';

const NOW = Date.parse('2026-11-30T09:00:00Z');
const layout = { colour: false, width: 100, now: NOW, timeZone: 'UTC' } as const;
const url = (n: number) =>
  `https://customer-emulator.cloudflarestream.com/${String(n).repeat(32)}/manifest/video.m3u8`;
const id = (n: number) => `${String(n).repeat(8)}-05a4-42e2-8718-093d2df0ddff`;

function livestreamItem(n: number, minutesAgo: number, meetingId?: string): ReplyItem {
  return {
    title: `Stream ${n}`,
    badge: { text: 'LIVE', tone: 'live' },
    fields: [
      { label: 'ID', value: id(n), format: 'code' },
      { label: 'Created', value: new Date(NOW - minutesAgo * 60_000).toISOString(), format: 'time' },
      ...(meetingId ? [{ label: 'Meeting', value: meetingId, format: 'code' as const }] : []),
    ],
    link: { label: 'Watch', url: url(n) },
    actions: [detailsAction(id(n))],
  };
}

describe('a list in the terminal', () => {
  const page = reply({
    title: 'Livestreams',
    list: {
      items: [livestreamItem(1, 3), livestreamItem(2, 180), livestreamItem(3, 3 * 24 * 60)],
      total: 12,
      offset: 1,
    },
    actions: listPagingActions({}, 1, true),
  });

  it('shows each item in two lines: title and badge, then its id and how long ago it was created', () => {
    expect(renderForTerminal(page, layout).split('\n')).toEqual([
      'Livestreams',
      '1. Stream 1 [LIVE]',
      `   ID: ${id(1)} · Created: 3 min ago`,
      '2. Stream 2 [LIVE]',
      `   ID: ${id(2)} · Created: 3 h ago`,
      '3. Stream 3 [LIVE]',
      `   ID: ${id(3)} · Created: 3 days ago`,
      'Showing 1-3 of 12',
      // Every row's Details differs only by its id: said once.
      '→ Details: show <id>',
      '→ Next: list --page 2',
    ]);
  });

  it('never prints an item’s playback URL', () => {
    expect(renderForTerminal(page, layout)).not.toContain('manifest/video.m3u8');
  });

  it('a long row breaks between its facts, continuing under its start, a little deeper', () => {
    const meeting = '37e6d71e-9986-456c-82cf-a8b49b0b2b98';
    const lines = renderForTerminal(
      reply({ title: 'Livestreams', list: { items: [livestreamItem(5, 3, meeting)], total: 1, offset: 1 } }),
      { ...layout, width: 80 },
    ).split('\n');
    expect(lines).toEqual([
      'Livestreams',
      '1. Stream 5 [LIVE]',
      `   ID: ${id(5)} · Created: 3 min ago`,
      `     Meeting: ${meeting}`,
      'Showing 1-1 of 1',
      '→ Details: show <id>',
    ]);
  });

  it('items numbered from 10 on align their rows under their titles', () => {
    const lines = renderForTerminal(
      reply({ title: 'Livestreams', list: { items: [livestreamItem(7, 3)], total: 12, offset: 11 } }),
      layout,
    ).split('\n');
    expect(lines.slice(1, 3)).toEqual(['11. Stream 7 [LIVE]', `    ID: ${id(7)} · Created: 3 min ago`]);
  });

  it('buttons that are not the same for every row stay under their own row', () => {
    const meeting = '37e6d71e-9986-456c-82cf-a8b49b0b2b98';
    const lines = renderForTerminal(
      reply({
        title: 'Livestreams',
        list: {
          items: [
            livestreamItem(1, 3),
            { ...livestreamItem(2, 3), actions: [detailsAction(id(2)), stopAction(meeting)] },
          ],
          total: 2,
          offset: 1,
        },
      }),
      layout,
    ).split('\n');
    expect(lines).toEqual([
      'Livestreams',
      '1. Stream 1 [LIVE]',
      `   ID: ${id(1)} · Created: 3 min ago`,
      `   → Details: show ${id(1)}`,
      '2. Stream 2 [LIVE]',
      `   ID: ${id(2)} · Created: 3 min ago`,
      `   → Details: show ${id(2)}`,
      `   → Stop: stop ${meeting}`,
      'Showing 1-2 of 2',
    ]);
  });

  it('an item without fields is its title line alone', () => {
    const text = renderForTerminal(
      reply({
        title: 'Subscriptions',
        list: { items: [{ title: 'Every livestream', fields: [] }], total: 1, offset: 1 },
      }),
      layout,
    );
    expect(text.split('\n')).toEqual(['Subscriptions', '1. Every livestream', 'Showing 1-1 of 1']);
  });
});
