/**
 * Do these livestream ids exist, and what are they called? For `subscribe`, with bounded work.
 *
 * The API has no "get one livestream" among the endpoints the bot uses: the active-session lookup
 * answers 404 alike for an idle livestream and for no livestream at all, and says nothing of an idle
 * one's name. So the answer comes from two places, cheapest first:
 * 1. what the poller last read from the list (the store's statuses: no request at all);
 * 2. the list itself, newest first (a livestream made since the last sweep is on its first page), for
 *    at most `maxPages` pages and stopping as soon as every id is found.
 * Errors of the API are thrown as they are (a RealtimeKitError): the caller writes nothing.
 */
import type { RealtimeKitClient } from '../realtimekit/client.js';
import { MAX_PER_PAGE } from '../realtimekit/types.js';
import type { NotifyStore } from './store.js';

export interface LivestreamLookup {
  /** Each id found, with its name (null when it has none). */
  found: Map<string, string | null>;
  /** Ids not found, in the order asked. */
  missing: string[];
  /** False when the search stopped at `maxPages` before the end of the list. */
  searchedAll: boolean;
  /** How many livestreams the list search covered (for the reply to say where it looked). */
  searched: number;
}

export async function lookupLivestreams(args: {
  ids: readonly string[];
  client: RealtimeKitClient;
  store: Pick<NotifyStore, 'loadStatuses'>;
  maxPages: number;
}): Promise<LivestreamLookup> {
  const { ids, client, store, maxPages } = args;
  const found = new Map<string, string | null>();
  if (ids.length === 0) return { found, missing: [], searchedAll: true, searched: 0 };

  const known = store.loadStatuses();
  for (const id of ids) {
    const stored = known?.get(id);
    if (stored) found.set(id, stored.name);
  }
  let wanted = ids.filter((id) => !found.has(id));
  let searchedAll = true;
  let searched = 0;
  if (wanted.length > 0) {
    let pages = 0;
    searchedAll = false;
    const walk = client.allLivestreamPages({ perPage: MAX_PER_PAGE, sortOrder: 'DSC' });
    for (;;) {
      if (pages >= maxPages) {
        // Ends the generator (and its paging) without reading another page.
        await walk.return(undefined);
        break;
      }
      const page = await walk.next();
      if (page.done) {
        searchedAll = true;
        break;
      }
      pages += 1;
      searched += page.value.length;
      const remaining = new Set(wanted);
      for (const livestream of page.value) {
        if (remaining.delete(livestream.id)) found.set(livestream.id, livestream.name);
      }
      wanted = wanted.filter((id) => remaining.has(id));
      if (wanted.length === 0) {
        await walk.return(undefined);
        break;
      }
    }
  }
  return { found, missing: ids.filter((id) => !found.has(id)), searchedAll, searched };
}
