/**
 * A click, as the core sees it: the id a button carries, read back into a Command through the same
 * grammar and validation as typed text, and the once-only rule for clicks that change shared state
 * (their answers say who did it: the handler puts the person in `Reply.actor`).
 *
 * A button id is `v1:<mode>:<command as typed>`, e.g. `v1:p:list live --page 2` or
 * `v1:n:show 3fd739f4-…`: only ids and choices, never a secret, at most 100 characters (Discord's
 * custom_id limit). `mode` is `p` when the answer replaces the message the button is on (paging), `n`
 * when it comes as a new message. An id is never trusted: it is parsed by the command grammar, must
 * name a command buttons run, and must be exactly what this version would write for that command.
 * Anything else (another version's id, a forged one) is answered as an expired button.
 */
import { type CommandAction, type Reply, reply } from '../reply.js';
import type { Command } from './command.js';
import { commandText, parseCommandText } from './parse.js';
import { type SomeCommandSpec, specFor } from './spec.js';

export const BUTTON_ID_VERSION = 'v1';
/** Discord's custom_id limit; Slack's button value allows 2,000, so Discord's decides for both. */
export const MAX_BUTTON_ID_LENGTH = 100;

/** What a button may run: the commands whose spec says so (reads, and stop, whose unconfirmed form only asks). */
function buttonable(command: Command): boolean {
  return specFor(command.name).buttonable;
}

/** The id a button carries for this action, or null when it cannot carry one (too long, not a button command). */
export function encodeButton(action: Pick<CommandAction, 'command' | 'inPlace'>): string | null {
  if (!buttonable(action.command)) return null;
  const text = commandText(action.command);
  const id = `${BUTTON_ID_VERSION}:${action.inPlace ? 'p' : 'n'}:${text}`;
  return id.length <= MAX_BUTTON_ID_LENGTH ? id : null;
}

export type DecodedButton =
  | { ok: true; command: Command; inPlace: boolean; text: string }
  /** `version`: another version's button (an old message); `invalid`: not an id this bot writes. */
  | { ok: false; reason: 'version' | 'invalid' };

const BUTTON_ID = /^v(\d{1,3}):([np]):(.+)$/s;

/** Reads a button's id back into a Command, validated as if typed. */
export function decodeButton(id: string): DecodedButton {
  if (id.length > MAX_BUTTON_ID_LENGTH) return { ok: false, reason: 'invalid' };
  const match = BUTTON_ID.exec(id);
  if (!match) return { ok: false, reason: /^v\d/.test(id) ? 'invalid' : 'version' };
  const [, version, mode, text] = match;
  if (`v${version}` !== BUTTON_ID_VERSION) return { ok: false, reason: 'version' };
  const parsed = parseCommandText(text!);
  if (!parsed.ok || !buttonable(parsed.command)) return { ok: false, reason: 'invalid' };
  // Only the exact form this version writes: no extra words, quotes or flags smuggled in.
  if (commandText(parsed.command) !== text) return { ok: false, reason: 'invalid' };
  return { ok: true, command: parsed.command, inPlace: mode === 'p', text: text! };
}

/** The answer to a button that cannot be read: clearly expired, with what to type instead. */
export function expiredButtonReply(): Reply {
  return reply({
    title: 'This button has expired',
    tone: 'error',
    text: 'It belongs to an older message this version of the bot no longer reads. Type the command instead: `/livestream help` lists them.',
  });
}

/**
 * The answer to a second click on a button whose first click is still running, or has just succeeded.
 * It cannot say "done": the first may still fail, and then the button is free to click again.
 */
export function alreadyClickedReply(): Reply {
  return reply({
    title: 'Already clicked',
    tone: 'info',
    text: 'Someone clicked this a moment ago: it is running or has just run, once. Look for its answer above; if that says it failed, click again.',
  });
}

/** Clicks that change what everyone sees (their spec says which): a double click runs them once. */
export function changesSharedState(command: Command): boolean {
  const spec: SomeCommandSpec = specFor(command.name);
  return spec.changesSharedState(command);
}

export interface ClickGuard {
  /**
   * True when this click may run: no click with the same key is running or finished successfully in
   * the last `windowMs`. Call `finish` when it is done.
   */
  begin(key: string): boolean;
  /** `ok` false (failed, refused): a later click may try again at once. */
  finish(key: string, ok: boolean): void;
}

/** In memory: a double click arrives within seconds, long before a restart could matter. */
export function createClickGuard(args: {
  windowMs: number;
  now?: () => number;
  maxKeys?: number;
}): ClickGuard {
  const now = args.now ?? Date.now;
  const maxKeys = args.maxKeys ?? 10_000;
  /**
   * key -> null while running, or when its success stops counting. A finished click is moved to the
   * end, so finished clicks are in the order they stop counting and a sweep stops at the first one
   * that still counts. Running clicks are never forgotten, even past maxKeys: forgetting one would let
   * a second Stop run alongside it (there are only as many as clicks in flight).
   */
  const seen = new Map<string, number | null>();
  const sweep = (at: number) => {
    for (const [key, until] of seen) {
      if (until === null) continue;
      if (until > at && seen.size <= maxKeys) break;
      seen.delete(key);
    }
  };
  return {
    begin(key) {
      const at = now();
      sweep(at);
      if (seen.has(key)) return false;
      seen.set(key, null);
      return true;
    },
    finish(key, ok) {
      seen.delete(key);
      if (ok) seen.set(key, now() + args.windowMs);
    },
  };
}
