/**
 * Do these livestream ids exist, and what are they called? For `subscribe`, with bounded work
 * (a command names at most SubscriptionLimits.maxIdsPerCommand ids):
 * 1. the streams the poller watches (the store's LIVE and ERRORED ones: no request at all);
 * 2. for each id still unknown, `GET /livestreams/{id}` (one request each, in parallel): a 404 means
 *    no livestream of this app has that id, whatever its age or status.
 * Other API errors are thrown as they are (a RealtimeKitError): the caller writes nothing.
 */
import type { RealtimeKitClient } from '../realtimekit/client.js';
import { isRealtimeKitError } from '../realtimekit/errors.js';
import type { NotifyStore } from './store.js';

export interface LivestreamLookup {
  /** Each id found, with its name (null when it has none). */
  found: Map<string, string | null>;
  /** Ids no livestream of the app has, in the order asked. */
  missing: string[];
}

export async function lookupLivestreams(args: {
  ids: readonly string[];
  client: RealtimeKitClient;
  store: Pick<NotifyStore, 'loadStatuses'>;
}): Promise<LivestreamLookup> {
  const { ids, client, store } = args;
  const found = new Map<string, string | null>();
  const known = await store.loadStatuses();
  for (const id of ids) {
    const stored = known?.get(id);
    if (stored) found.set(id, stored.name);
  }
  const wanted = [...new Set(ids.filter((id) => !found.has(id)))];
  await Promise.all(
    wanted.map(async (id) => {
      try {
        const { livestream } = await client.getLivestreamDetails(id, { perPage: 1 });
        found.set(id, livestream.name);
      } catch (error) {
        if (!(isRealtimeKitError(error) && error.kind === 'NotFound')) throw error;
      }
    }),
  );
  return { found, missing: ids.filter((id) => !found.has(id)) };
}
