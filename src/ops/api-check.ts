/**
 * The Cloudflare token, checked once at start with the cheapest call there is (one livestream of the
 * list): a refused token, a token without the Realtime permission or a wrong app id stops the start with
 * one sentence that says what to change; an API that cannot be reached right now is only a warning (the
 * poller retries, and commands say so), never a refusal.
 */
import type { Logger } from '../log.js';
import type { RealtimeKitClient } from '../realtimekit/client.js';
import { isRealtimeKitError, type RealtimeKitError } from '../realtimekit/errors.js';

/** A start-up problem people can fix: its message is the sentence shown, after "Start-up failed: ". */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

export interface ApiCheckTarget {
  accountId: string;
  appId: string;
}

/** For the check's own client: one try, a short wait (a start is not held up for long by a slow API). */
export const API_CHECK_CLIENT_OPTIONS = { retries: 0, timeoutMs: 5_000 } as const;

/**
 * Lists one livestream. Resolves when the token works or the API could not be asked (logged as a
 * warning); rejects with a StartupError when the API refused.
 */
export async function checkApiToken(
  client: RealtimeKitClient,
  target: ApiCheckTarget,
  log: Logger,
): Promise<void> {
  try {
    await client.listLivestreams({ perPage: 1 });
    log.info('CLOUDFLARE_API_TOKEN accepted by the RealtimeKit API');
  } catch (error) {
    const refusal = isRealtimeKitError(error) ? refusalText(error, target) : null;
    if (refusal) throw new StartupError(refusal, { cause: error });
    log.warn('could not check CLOUDFLARE_API_TOKEN at start: starting anyway, the poller keeps trying', {
      reason: error instanceof Error ? error.message : String(error),
      ...(isRealtimeKitError(error) ? { kind: error.kind } : {}),
    });
  }
}

/** The sentence for an answer that means the bot cannot work as configured; null for anything else. */
function refusalText(error: RealtimeKitError, { accountId, appId }: ApiCheckTarget): string | null {
  const answer = `HTTP ${error.status ?? '?'}${error.apiCode !== null ? `, code ${error.apiCode}` : ''}${
    error.apiMessage ? `: ${error.apiMessage.slice(0, 200)}` : ''
  }`;
  switch (error.kind) {
    case 'Unauthorized':
      return `Cloudflare refused CLOUDFLARE_API_TOKEN (${answer}): check that the token is valid (not expired or revoked), that it belongs to account CLOUDFLARE_ACCOUNT_ID=${accountId}, and that it has the Realtime (or Realtime Admin) permission`;
    case 'Forbidden':
      return `CLOUDFLARE_API_TOKEN lacks the Realtime permission for this app (${answer}): edit the token in the Cloudflare dashboard to add Realtime (or Realtime Admin) for account ${accountId}`;
    case 'NotFound':
      return `RealtimeKit has no app REALTIMEKIT_APP_ID=${appId} in account CLOUDFLARE_ACCOUNT_ID=${accountId} (${answer}): copy both ids again from the Realtime dashboard`;
    default:
      return null;
  }
}
