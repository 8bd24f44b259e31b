/** Reply actions in the terminal: each button reads as the command it stands for. */
import { describe, expect, it } from 'vitest';
import { renderForTerminal } from '../../adapters/console/render.js';
import { detailsAction, listPagingActions, stopAction, watchAction } from '../../src/commands/actions.js';
import { reply } from '../../src/reply.js';

const LIVESTREAM = '3fd739f4-3c41-456e-bfba-6ebd51e16d2d';
const MEETING = '182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e';
const layout = { colour: false, width: 200, now: Date.parse('2026-11-01T10:00:00Z'), timeZone: 'UTC' };

describe('buttons in the terminal', () => {
  it('a page of list: Details under each item, Previous / Next as the commands, no duplicate hint', () => {
    const text = renderForTerminal(
      reply({
        title: 'Livestreams',
        list: {
          items: [{ title: 'Town hall', fields: [], actions: [detailsAction(LIVESTREAM)] }],
          total: 30,
          offset: 11,
          next: { name: 'list', query: { status: 'LIVE', pageNo: 3 } },
        },
        actions: listPagingActions({ status: 'LIVE' }, 2, true),
      }),
      layout,
    );
    expect(text.split('\n')).toEqual([
      'Livestreams',
      '11. Town hall',
      `    → Details: show ${LIVESTREAM}`,
      'Showing 11-11 of 30',
      '→ Previous: list live --page 1',
      '→ Next: list live --page 3',
    ]);
  });

  it('a next page without paging buttons: the hint, as typed in a terminal', () => {
    const text = renderForTerminal(
      reply({
        title: 'Sessions',
        list: { items: [], total: 9, offset: 6, next: { name: 'show', livestreamId: LIVESTREAM, pageNo: 3 } },
      }),
      layout,
    );
    expect(text).toContain(`Next page: /livestream show ${LIVESTREAM} --page 3`);
  });

  it('a LIVE notification: Details and Stop as commands, Watch not said twice', () => {
    const text = renderForTerminal(
      reply({
        title: 'Town hall is live',
        links: [{ label: 'Watch', url: 'https://watch.test/v.m3u8' }],
        actions: [watchAction('https://watch.test/v.m3u8'), detailsAction(LIVESTREAM), stopAction(MEETING)],
        visibility: 'channel',
      }),
      layout,
    );
    expect(text.split('\n')).toEqual([
      'Town hall is live',
      'Watch: https://watch.test/v.m3u8',
      `→ Details: show ${LIVESTREAM}`,
      `→ Stop: stop ${MEETING}`,
    ]);
  });

  it('who changed shared state', () => {
    const text = renderForTerminal(
      reply({ title: 'Livestream stopped', tone: 'success', actor: { userId: 'ana', did: 'Stopped' } }),
      layout,
    );
    expect(text).toContain('Stopped by ana');
  });
});
