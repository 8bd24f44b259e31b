/**
 * Scripted platform failures for notification tests, on top of the fake Slack Web API and the fake
 * Discord REST: the channel-message routes are answered here, so a test can make a platform refuse
 * (429, 5xx, channel gone) a number of times, for one channel or all, and then see exactly what it
 * accepted, with the message id it handed out and when (by the test's clock and by the wall clock).
 * Only `chat.postMessage`/`chat.update` and `POST`/`PATCH /channels/{id}/messages` are taken over.
 */
import type { DiscordRequest, FakeAnswer, FakeDiscord } from './discord-server.js';
import { messageObject, snowflake } from './discord-server.js';
import type { FakeSlackWebApi, SlackApiAnswer, SlackApiCall } from './slack-web-api.js';

export interface PlatformCall<C> {
  op: 'post' | 'edit';
  channelId: string;
  /** Slack `ts` or Discord message id: handed out by a post, targeted by an edit. */
  messageId: string | null;
  /** Time by the clock the test passed (a ManualClock), when the request arrived. */
  at: number;
  /** Real time when the request arrived. */
  wallAt: number;
  /** The request as the fake recorded it. */
  request: C;
}

export interface FailureOptions {
  /** How many calls it answers (default 1); `Infinity` until `heal()`. */
  times?: number;
  /** Only calls to this channel (default any). */
  channelId?: string;
  /** Only posts or only edits (default both). */
  op?: 'post' | 'edit';
}

export interface PlatformScript<C, A> {
  /** Calls the platform accepted, in arrival order. */
  readonly accepted: PlatformCall<C>[];
  /** Calls answered with a scripted failure, in arrival order. */
  readonly refused: PlatformCall<C>[];
  /** The next matching calls get `answer` instead of success. */
  fail(answer: A, options?: FailureOptions): void;
  /** Forgets the remaining failures (for one channel, or all). */
  heal(channelId?: string): void;
  /** Resolves when `count` calls (accepted or refused) have arrived in all. */
  waitForCalls(count: number, timeoutMs?: number): Promise<void>;
}

interface Planned<A> {
  answer: A;
  remaining: number;
  channelId: string | undefined;
  op: 'post' | 'edit' | undefined;
}

function createScript<C, A>(now: () => number) {
  const accepted: PlatformCall<C>[] = [];
  const refused: PlatformCall<C>[] = [];
  const planned: Planned<A>[] = [];
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of waiters) waiter();
  };
  /** The failure answer for this call, or null when it is accepted (the caller records it). */
  const take = (op: 'post' | 'edit', channelId: string, messageId: string | null, request: C): A | null => {
    const index = planned.findIndex(
      (p) => (p.channelId === undefined || p.channelId === channelId) && (p.op === undefined || p.op === op),
    );
    const call: PlatformCall<C> = { op, channelId, messageId, at: now(), wallAt: Date.now(), request };
    if (index < 0) {
      accepted.push(call);
      notify();
      return null;
    }
    const failure = planned[index]!;
    failure.remaining -= 1;
    if (failure.remaining <= 0) planned.splice(index, 1);
    refused.push(call);
    notify();
    return failure.answer;
  };
  const script: PlatformScript<C, A> = {
    accepted,
    refused,
    fail(answer, options = {}) {
      planned.push({
        answer,
        remaining: options.times ?? 1,
        channelId: options.channelId,
        op: options.op,
      });
    },
    heal(channelId) {
      for (let i = planned.length - 1; i >= 0; i--) {
        if (channelId === undefined || planned[i]!.channelId === channelId) planned.splice(i, 1);
      }
    },
    waitForCalls(count, timeoutMs = 5_000) {
      if (accepted.length + refused.length >= count) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const waiter = () => {
          if (accepted.length + refused.length < count) return;
          waiters.delete(waiter);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`only ${accepted.length + refused.length} of ${count} platform calls arrived`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
  };
  return { script, take };
}

export type SlackScript = PlatformScript<SlackApiCall, SlackApiAnswer>;

/** Takes over chat.postMessage and chat.update on the fake Slack Web API. */
export function scriptSlack(fake: FakeSlackWebApi, options: { now?: () => number } = {}): SlackScript {
  const { script, take } = createScript<SlackApiCall, SlackApiAnswer>(options.now ?? Date.now);
  let ts = 1_800_000_000;
  fake.script(
    'chat.postMessage',
    (call) => {
      const channel = String(call.params.channel);
      const messageId = `${ts++}.000200`;
      const failure = take('post', channel, messageId, call);
      if (failure) return failure;
      return { body: { ok: true, channel, ts: messageId, message: { text: call.params.text } } };
    },
    Number.POSITIVE_INFINITY,
  );
  fake.script(
    'chat.update',
    (call) => {
      const channel = String(call.params.channel);
      const failure = take('edit', channel, String(call.params.ts), call);
      if (failure) return failure;
      return { body: { ok: true, channel, ts: call.params.ts, text: call.params.text } };
    },
    Number.POSITIVE_INFINITY,
  );
  return script;
}

export type DiscordScript = PlatformScript<DiscordRequest, FakeAnswer>;

/** Takes over `POST /channels/{id}/messages` and `PATCH /channels/{id}/messages/{mid}` on the fake Discord. */
export function scriptDiscord(fake: FakeDiscord, options: { now?: () => number } = {}): DiscordScript {
  const { script, take } = createScript<DiscordRequest, FakeAnswer>(options.now ?? Date.now);
  const answer = (op: 'post' | 'edit') => (request: DiscordRequest) => {
    const [, channelId = '', editedId] =
      /^\/channels\/(\d+)\/messages(?:\/(\d+))?$/.exec(request.route) ?? [];
    const messageId = editedId ?? snowflake();
    const failure = take(op, channelId, messageId, request);
    if (failure) return failure;
    return { body: messageObject(channelId, request.body, '1', messageId) };
  };
  fake.answer('POST', /^\/channels\/\d+\/messages$/, answer('post'));
  fake.answer('PATCH', /^\/channels\/\d+\/messages\/\d+$/, answer('edit'));
  return script;
}
