/** Reply actions -> Discord message components: action rows of buttons, within Discord's limits. */
import { ButtonStyle, ComponentType } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { DISCORD_COMPONENT_LIMITS, renderReply } from '../../adapters/discord/render.js';
import { detailsAction, listPagingActions, stopAction, watchAction } from '../../src/commands/actions.js';
import { decodeButton } from '../../src/commands/buttons.js';
import { type Reply, type ReplyItem, reply } from '../../src/reply.js';

const MEETING = '182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e';

function item(n: number): ReplyItem {
  const id = `3fd739f4-3c41-456e-bfba-${String(n).padStart(12, '0')}`;
  return {
    title: `Stream ${n}`,
    fields: [{ label: 'ID', value: id, format: 'code' }],
    actions: [detailsAction(id)],
  };
}

type Button = { type: number; style: number; label: string; custom_id?: string; url?: string };
const buttonsOf = (value: Reply) =>
  renderReply(value).components.map((row) => row.components as unknown as Button[]);

describe('Discord buttons', () => {
  it('a page of list: numbered Details rows, then Previous / Next', () => {
    const page = reply({
      title: 'Livestreams',
      list: { items: Array.from({ length: 7 }, (_, i) => item(i + 11)), total: 40, offset: 11 },
      actions: listPagingActions({ status: 'LIVE' }, 2, true),
    });
    const rows = buttonsOf(page);
    expect(rows.map((row) => row.map((b) => b.label))).toEqual([
      ['11. Details', '12. Details', '13. Details', '14. Details', '15. Details'],
      ['16. Details', '17. Details'],
      ['Previous', 'Next'],
    ]);
    for (const row of renderReply(page).components) expect(row.type).toBe(ComponentType.ActionRow);
    const [previous, next] = rows[2]!;
    expect(previous).toMatchObject({ style: ButtonStyle.Secondary, custom_id: 'v1:p:list live --page 1' });
    expect(next).toMatchObject({ style: ButtonStyle.Primary, custom_id: 'v1:p:list live --page 3' });
    expect(decodeButton(rows[0]![0]!.custom_id!)).toMatchObject({
      ok: true,
      command: { name: 'show', livestreamId: item(11).fields[0]!.value },
    });
  });

  it('never more than 5 rows of 5, paging kept, every custom_id within 100 characters and unique', () => {
    const items = Array.from({ length: 40 }, (_, i) => item(i + 1));
    const message = renderReply(
      reply({
        title: 'Many',
        list: { items, total: 400, offset: 1 },
        actions: listPagingActions({}, 1, true),
      }),
    );
    expect(message.components.length).toBeLessThanOrEqual(DISCORD_COMPONENT_LIMITS.actionRows);
    const all = message.components.flatMap((row) => row.components as unknown as Button[]);
    for (const row of message.components)
      expect(row.components.length).toBeLessThanOrEqual(DISCORD_COMPONENT_LIMITS.buttonsPerRow);
    expect(all.at(-1)?.label).toBe('Next');
    const ids = all.map((b) => b.custom_id!);
    for (const id of ids) expect(id.length).toBeLessThanOrEqual(DISCORD_COMPONENT_LIMITS.customId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('a LIVE post: a link button to watch, Details, a danger Stop', () => {
    const [row] = buttonsOf(
      reply({
        title: 'Town hall is live',
        visibility: 'channel',
        actions: [watchAction('https://watch.test/v.m3u8'), detailsAction('abc-123'), stopAction(MEETING)],
      }),
    );
    expect(row).toEqual([
      {
        type: ComponentType.Button,
        style: ButtonStyle.Link,
        label: 'Watch',
        url: 'https://watch.test/v.m3u8',
      },
      {
        type: ComponentType.Button,
        style: ButtonStyle.Secondary,
        label: 'Details',
        custom_id: 'v1:n:show abc-123',
      },
      {
        type: ComponentType.Button,
        style: ButtonStyle.Danger,
        label: 'Stop',
        custom_id: `v1:n:stop ${MEETING}`,
      },
    ]);
  });

  it('no actions: an empty component list, so an edit takes old buttons away', () => {
    expect(renderReply(reply({ title: 'Ended' })).components).toEqual([]);
  });

  it('leaves out a link Discord would refuse and a repeated button', () => {
    const rows = buttonsOf(
      reply({
        title: 'Odd',
        actions: [
          { label: 'Bad', url: 'ftp://x.test/' },
          { label: 'Long', url: `https://x.test/${'a'.repeat(600)}` },
          detailsAction('abc'),
          detailsAction('abc', 'Again'),
        ],
      }),
    );
    expect(rows).toEqual([[expect.objectContaining({ label: 'Details' })]]);
  });

  it('says who changed shared state with a user mention in the embed (which pings nobody)', () => {
    const message = renderReply(
      reply({
        title: 'Livestream stopped',
        tone: 'success',
        visibility: 'channel',
        actor: { userId: '1200000000000000001', did: 'Stopped' },
      }),
    );
    expect(message.embeds[0]?.description).toContain('Stopped by <@1200000000000000001>');
    expect(message.allowed_mentions).toEqual({ parse: [] });
    expect(message.content).toBeUndefined();
  });
});
