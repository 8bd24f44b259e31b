/**
 * The chaos test's bookkeeping, as pure functions over plain values: what the script's changes must
 * announce (the rules of a status change, written out here, not taken from the product's code), what the
 * fake Slack received (each call read back into the transitions it tells: a single post, a digest's
 * items, an "ended" edit), and the comparison of the two, channel by channel and stream by stream.
 */

export type Kind = 'live' | 'errored' | 'ended';

/** The statuses the script sets; all but LIVE and ERRORED look alike to the bot ("not live"). */
export type ScriptStatus = 'LIVE' | 'ERRORED' | 'OFFLINE' | 'IDLE';

/**
 * What a channel must be told when a stream goes from `from` to `to`: leaving LIVE ends it (its LIVE
 * post is edited), reaching LIVE or ERRORED is announced; ERRORED to OFFLINE says nothing.
 */
export function announced(from: ScriptStatus, to: ScriptStatus): Kind[] {
  const kinds: Kind[] = [];
  if (from === 'LIVE' && to !== 'LIVE') kinds.push('ended');
  if (to === 'LIVE' && from !== 'LIVE') kinds.push('live');
  if (to === 'ERRORED' && from !== 'ERRORED') kinds.push('errored');
  return kinds;
}

/** One call the fake Slack received, as far as this bookkeeping is concerned. */
export interface SlackCall {
  /** Position among all the calls, and when it arrived (Date.now()). */
  index: number;
  at: number;
  method: 'chat.postMessage' | 'chat.update';
  channel: string;
  text: string;
  /** chat.update: the message edited. chat.postMessage: the ts Slack gave it. */
  ts: string;
  /** Which process sent it (`replica#n`), from its token. */
  sender: string;
}

export interface Notice extends SlackCall {
  /** The transitions it tells, in its order (a digest tells several). */
  items: { stream: string; kind: Kind }[];
  digest: boolean;
}

const BADGE_KINDS: Record<string, Kind> = { LIVE: 'live', ERRORED: 'errored', ENDED: 'ended' };

/**
 * A call read back into the transitions it tells, from its text (the notification's plain-text
 * fallback): `S03 is live [LIVE]`, `S03 errored [ERRORED]`, `S03 ended [ENDED]`, or a digest
 * (`3 livestream updates`) whose lines `1. S03 [LIVE]` name each. Anything else is null: nothing but
 * these may reach a channel in this test.
 */
export function readNotice(call: SlackCall): Notice | null {
  const lines = call.text.split('\n');
  const first = lines[0] ?? '';
  const single = /^(\S+) (?:is live|errored|ended) \[(LIVE|ERRORED|ENDED)\]$/.exec(first);
  if (single) {
    // "It dropped briefly and was back live" is a flap's edit: with NOTIFY_COOLDOWN_SECONDS 0, never expected.
    if (call.text.includes('dropped briefly')) return null;
    const kind = BADGE_KINDS[single[2]!]!;
    // An edit is only ever "ended" here; a post may be any of the three.
    if (call.method === 'chat.update' && kind !== 'ended') return null;
    return { ...call, items: [{ stream: single[1]!, kind }], digest: false };
  }
  if (call.method === 'chat.postMessage' && /^\d+ livestream updates$/.test(first)) {
    const items = lines.flatMap((line) => {
      const item = /^\d+\. (\S+) \[(LIVE|ERRORED|ENDED)\]$/.exec(line);
      return item ? [{ stream: item[1]!, kind: BADGE_KINDS[item[2]!]! }] : [];
    });
    return items.length > 0 ? { ...call, items, digest: true } : null;
  }
  return null;
}

/**
 * Posts that Slack took from a process killed before it could record them, sent again after the
 * restart: the documented window (docs/notifications.md). A call is one when it is the last call its
 * sender made to that channel, its sender was SIGKILLed, and the very next call to that channel is the
 * same message (same method and text; for an edit, the same message edited). Returns the first copies.
 */
export function windowRepeats(calls: readonly SlackCall[], killed: ReadonlySet<string>): SlackCall[] {
  const repeats: SlackCall[] = [];
  const byChannel = new Map<string, SlackCall[]>();
  for (const call of calls) byChannel.set(call.channel, [...(byChannel.get(call.channel) ?? []), call]);
  for (const list of byChannel.values()) {
    list.forEach((call, i) => {
      if (!killed.has(call.sender)) return;
      if (list.slice(i + 1).some((later) => later.sender === call.sender)) return;
      const next = list[i + 1];
      if (!next || next.method !== call.method || next.text !== call.text) return;
      if (call.method === 'chat.update' && next.ts !== call.ts) return;
      repeats.push(call);
    });
  }
  return repeats;
}

export interface Mismatch {
  channel: string;
  stream: string;
  /** The changes' transitions, in order; `ended+errored` is one LIVE -> ERRORED change. */
  expected: string[];
  told: string[];
}

/**
 * Compares what each channel was told with what it must be told, stream by stream, in order.
 * `expected` holds, for each stream, the transitions of each of its changes. One allowance, the
 * product's digest rule: one LIVE -> ERRORED change is two transitions (ended, errored), and a digest
 * that carries both shows only the ERRORED line. Everything else must match one for one: nothing
 * missing, nothing repeated, nothing folded across two changes.
 */
export function compare(
  expected: ReadonlyMap<string, readonly (readonly Kind[])[]>,
  notices: readonly Notice[],
  channels: readonly string[],
): Mismatch[] {
  const mismatches: Mismatch[] = [];
  for (const channel of channels) {
    const told = new Map<string, { kind: Kind; digest: boolean; index: number }[]>();
    for (const notice of notices.filter((n) => n.channel === channel))
      for (const item of notice.items)
        told.set(item.stream, [
          ...(told.get(item.stream) ?? []),
          { kind: item.kind, digest: notice.digest, index: notice.index },
        ]);
    const streams = new Set([...expected.keys(), ...told.keys()]);
    for (const stream of streams) {
      const changes = (expected.get(stream) ?? []).filter((kinds) => kinds.length > 0);
      const got = told.get(stream) ?? [];
      let j = 0;
      let ok = true;
      for (const kinds of changes) {
        const folded =
          kinds.length === 2 &&
          kinds[0] === 'ended' &&
          kinds[1] === 'errored' &&
          got[j]?.kind === 'errored' &&
          got[j]!.digest;
        if (folded) {
          j += 1;
          continue;
        }
        for (const kind of kinds) {
          if (got[j]?.kind !== kind) ok = false;
          j += 1;
        }
        if (!ok) break;
      }
      if (!ok || j !== got.length)
        mismatches.push({
          channel,
          stream,
          expected: changes.map((kinds) => kinds.join('+')),
          told: got.map((g) => `${g.kind}${g.digest ? ' (digest)' : ''} #${g.index}`),
        });
    }
  }
  return mismatches;
}

/** Edits that do not edit a LIVE post of their own stream in their own channel, made before them. */
export function strayEdits(notices: readonly Notice[]): Notice[] {
  return notices.filter(
    (edit) =>
      edit.method === 'chat.update' &&
      !notices.some(
        (post) =>
          post.method === 'chat.postMessage' &&
          !post.digest &&
          post.index < edit.index &&
          post.channel === edit.channel &&
          post.ts === edit.ts &&
          post.items[0]?.kind === 'live' &&
          post.items[0].stream === edit.items[0]?.stream,
      ),
  );
}
