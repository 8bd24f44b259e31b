/**
 * Slack's replay rule for HTTP mode: a signed request counts only within 5 minutes of our clock, either
 * way. Bolt's HTTPReceiver refuses requests older than that but not ones dated ahead: on a host whose
 * clock runs behind, a captured request would stay replayable for as long as the clock is off, plus the
 * 5 minutes. This check adds the missing half in front of Bolt's own signature verification.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { HTTPReceiver } from '@slack/bolt';
import type { Logger } from '../../src/log.js';

/** How far a request's x-slack-request-timestamp may be from now, in seconds (Slack's documented window). */
export const SLACK_REQUEST_WINDOW_SECONDS = 5 * 60;

const TIMESTAMP_HEADER = 'x-slack-request-timestamp';

/** Seconds the request's timestamp is ahead of `nowMs` (negative when behind), or null without a usable one. */
export function secondsAhead(request: IncomingMessage, nowMs: number): number | null {
  const header = request.headers[TIMESTAMP_HEADER];
  const value = Number(Array.isArray(header) ? header[0] : header);
  if (!Number.isFinite(value)) return null; // Bolt refuses a missing or malformed timestamp itself
  return value - Math.floor(nowMs / 1000);
}

/** Makes `receiver` answer 401 to any request dated more than the window ahead, before Bolt reads it. */
export function refuseFutureDatedRequests(
  receiver: HTTPReceiver,
  log: Logger,
  now: () => number = Date.now,
): void {
  const verified: RequestListener = receiver.requestListener;
  receiver.requestListener = (request: IncomingMessage, response: ServerResponse) => {
    const ahead = secondsAhead(request, now());
    if (ahead !== null && ahead > SLACK_REQUEST_WINDOW_SECONDS) {
      log.warn('refused a Slack request dated in the future (check this host clock if it repeats)', {
        aheadSeconds: ahead,
        windowSeconds: SLACK_REQUEST_WINDOW_SECONDS,
      });
      request.resume(); // discard the body: nothing of it is trusted or used
      response.writeHead(401).end();
      return;
    }
    verified(request, response);
  };
}
