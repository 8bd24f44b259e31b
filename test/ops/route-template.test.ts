/** Metric labels name RealtimeKit routes by template: an id, whatever its shape, never reaches a label. */
import { expect, it } from 'vitest';
import { routeTemplate } from '../../src/metrics.js';

it.each([
  ['livestreams', 'livestreams'],
  ['livestreams?page_no=2&per_page=10', 'livestreams'],
  [
    'livestreams/4f1e9c2a-0000-4000-8000-000000000001/active-livestream-session',
    'livestreams/:id/active-livestream-session',
  ],
  ['livestreams/sessions/abc123', 'livestreams/sessions/:id'],
  ['livestreams/abc123', 'livestreams/:id'],
  ['meetings/4f1e9c2a-0000-4000-8000-000000000001/active-livestream', 'meetings/:id/active-livestream'],
  [
    'meetings/4f1e9c2a-0000-4000-8000-000000000001/active-livestream/stop',
    'meetings/:id/active-livestream/stop',
  ],
  ['meetings/4f1e9c2a-0000-4000-8000-000000000001/livestreams', 'meetings/:id/livestreams'],
  ['webhooks/wh_1', 'webhooks/:id'],
  ['analytics/livestreams/daywise', 'analytics/livestreams/daywise'],
])('%s -> %s', (path, template) => {
  expect(routeTemplate(path)).toBe(template);
});
