/** Reply actions -> Block Kit buttons: actions blocks, item accessories, link buttons, confirm dialogs. */
import { describe, expect, it } from 'vitest';
import {
  ACTION_PREFIX,
  LINK_ACTION_PREFIX,
  renderPlainText,
  renderReply,
  SLACK_LIMITS,
} from '../../adapters/slack/render.js';
import {
  detailsAction,
  listPagingActions,
  stopAction,
  stopConfirmAction,
  watchAction,
} from '../../src/commands/actions.js';
import { decodeButton } from '../../src/commands/buttons.js';
import { type Reply, type ReplyItem, reply } from '../../src/reply.js';

const MEETING = '182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e';

interface ButtonJson {
  type: 'button';
  action_id: string;
  text: { type: string; text: string };
  value?: string;
  url?: string;
  style?: string;
  confirm?: Record<string, { text: string } | string>;
}
type BlockJson = { type: string; elements?: ButtonJson[]; accessory?: ButtonJson };

const blocksOf = (value: Reply, surface: 'ephemeral' | 'channel' = 'ephemeral') =>
  renderReply({ reply: value, surface }).blocks as unknown as BlockJson[];

function item(n: number): ReplyItem {
  const id = `3fd739f4-3c41-456e-bfba-${String(n).padStart(12, '0')}`;
  return {
    title: `Stream ${n}`,
    fields: [{ label: 'ID', value: id, format: 'code' }],
    actions: [detailsAction(id)],
  };
}

describe('Slack buttons', () => {
  it('a page of list: Details beside each item, Previous / Next in an actions block, ids unique', () => {
    const page: Reply = reply({
      title: 'Livestreams',
      list: {
        items: [item(6), item(7)],
        total: 20,
        offset: 6,
        next: { name: 'list', query: { perPage: 5, pageNo: 3 } },
      },
      actions: listPagingActions({ perPage: 5 }, 2, true),
    });
    const blocks = blocksOf(page);
    const accessories = blocks.flatMap((b) => (b.accessory ? [b.accessory] : []));
    expect(accessories.map((a) => [a.text.text, decodeButton(a.value!)])).toEqual([
      [
        'Details',
        expect.objectContaining({
          ok: true,
          command: { name: 'show', livestreamId: item(6).fields[0]!.value },
        }),
      ],
      [
        'Details',
        expect.objectContaining({
          ok: true,
          command: { name: 'show', livestreamId: item(7).fields[0]!.value },
        }),
      ],
    ]);
    const actions = blocks.filter((b) => b.type === 'actions');
    expect(actions).toHaveLength(1);
    const [previous, next] = actions[0]!.elements!;
    expect(previous).toMatchObject({ text: { text: 'Previous' }, value: 'v1:p:list --page 1 --per-page 5' });
    expect(next).toMatchObject({
      text: { text: 'Next' },
      style: 'primary',
      value: 'v1:p:list --page 3 --per-page 5',
    });
    const ids = [...accessories, previous!, next!].map((b) => b.action_id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id.startsWith(ACTION_PREFIX)).toBe(true);
    // The actions block comes before the context block (paging line, footer).
    expect(blocks.at(-1)?.type).toBe('context');
  });

  it('a LIVE post: a Watch link button, Details, and a danger Stop', () => {
    const live = reply({
      title: 'Town hall is live',
      tone: 'live',
      visibility: 'channel',
      actions: [watchAction('https://watch.test/v.m3u8'), detailsAction('abc-123'), stopAction(MEETING)],
    });
    const [buttons] = blocksOf(live, 'channel').filter((b) => b.type === 'actions');
    const [watch, details, stop] = buttons!.elements!;
    expect(watch).toMatchObject({ url: 'https://watch.test/v.m3u8', text: { text: 'Watch' } });
    expect(watch?.value).toBeUndefined();
    expect(watch?.action_id.startsWith(LINK_ACTION_PREFIX)).toBe(true);
    expect(details).toMatchObject({ value: 'v1:n:show abc-123' });
    expect(stop).toMatchObject({ value: `v1:n:stop ${MEETING}`, style: 'danger' });
    expect(stop?.confirm).toBeUndefined();
  });

  it('the confirming Stop carries a confirm dialog within its limits', () => {
    const prompt = reply({ title: 'Stop?', actions: [stopConfirmAction(MEETING, 'Town hall '.repeat(40))] });
    const [buttons] = blocksOf(prompt).filter((b) => b.type === 'actions');
    const confirm = buttons!.elements![0]!.confirm as Record<string, { text: string } | string>;
    expect(confirm.style).toBe('danger');
    expect((confirm.title as { text: string }).text).toBe('Stop the livestream?');
    expect((confirm.text as { text: string }).text.length).toBeLessThanOrEqual(SLACK_LIMITS.confirmText);
    expect((confirm.confirm as { text: string }).text).toBe('Stop it');
    expect((confirm.deny as { text: string }).text).toBe('Keep it live');
  });

  it('leaves out what cannot be a button: a non-http link, a command too long for an id', () => {
    const odd = reply({
      title: 'Odd',
      actions: [
        { label: 'Bad', url: 'javascript:alert(1)' },
        {
          label: 'Far',
          command: {
            name: 'list',
            query: {
              status: 'LIVE',
              pageNo: 99,
              perPage: 100,
              startTime: '2026-11-01T09:00:00.000Z',
              endTime: '2026-11-30T09:00:00.000Z',
              sortOrder: 'ASC',
              excludeMeetings: true,
            },
          },
        },
      ],
    });
    expect(blocksOf(odd).some((b) => b.type === 'actions')).toBe(false);
  });

  it('says who changed shared state, as a Slack mention', () => {
    const stopped = reply({
      title: 'Livestream stopped',
      tone: 'success',
      visibility: 'channel',
      actor: { userId: 'U0ANA', did: 'Stopped' },
    });
    const { blocks, text } = renderReply({ reply: stopped, surface: 'channel' });
    expect(JSON.stringify(blocks)).toContain('Stopped by <@U0ANA>');
    expect(text).toContain('Stopped by <@U0ANA>');
    // Anything but a user id is text, not markup.
    const forged = { ...stopped, actor: { userId: '<!channel>', did: 'Stopped' } };
    expect(renderPlainText({ reply: forged, surface: 'channel' })).toContain('Stopped by &lt;!channel&gt;');
  });

  it('keeps a long list within 50 blocks with its buttons', () => {
    const items = Array.from({ length: 60 }, (_, i) => item(i + 1));
    const blocks = blocksOf(
      reply({
        title: 'Many',
        list: { items, total: 600, offset: 1 },
        actions: listPagingActions({}, 1, true),
      }),
    );
    expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    expect(blocks.filter((b) => b.type === 'actions')).toHaveLength(1);
  });
});
