/**
 * `POST /discord/interactions`: Discord's Interactions Endpoint URL, for when interactions come over
 * HTTP rather than the gateway (DISCORD_PUBLIC_KEY). Any replica behind a load balancer can take any
 * interaction. In order:
 * 1. the body is read, at most `maxBodyBytes` of it (a larger one is 413);
 * 2. `X-Signature-Ed25519` must sign `X-Signature-Timestamp` + the exact body with the application's
 *    public key, and the timestamp must be within 5 minutes of our clock; anything else is 401 (Discord
 *    checks the endpoint with bad signatures now and then, and expects exactly that);
 * 3. PING (type 1) is answered PONG in the response (Discord's check when the URL is saved);
 * 4. a command or a click goes the one way every interaction goes (dispatch.ts): its answer is the
 *    interaction callback through REST, as from the gateway, and this request is then answered 202
 *    with no body, as Discord asks when the callback endpoint answers an HTTP interaction. A payload
 *    that is no interaction of ours is 400.
 * No body is logged: it carries the interaction's token.
 */
import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { InteractionResponseType, InteractionType, type REST } from 'discord.js';
import { readBody, type RouteHandler, sendJson } from '../../src/http/server.js';
import type { Logger } from '../../src/log.js';
import type { Dispatch } from './dispatch.js';
import { interactionType } from './incoming.js';

/** Where Discord posts, below the bot's public URL, on the bot's HTTP server. */
export const DISCORD_INTERACTIONS_PATH = '/discord/interactions';

/**
 * An interaction is a few KB; the largest carry the clicked message with its embeds and components.
 * Past this, 413 without reading further.
 */
export const DEFAULT_MAX_INTERACTION_BODY_BYTES = 128 * 1024;

/** A signed request dated further than this from our clock is refused: a captured one cannot be replayed later. */
export const MAX_SIGNATURE_SKEW_MS = 5 * 60_000;

/** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410); the 32 raw key bytes follow. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** The application's Public Key (General Information page): 32 bytes as 64 hex characters. */
export const PUBLIC_KEY_HEX = /^[0-9a-fA-F]{64}$/;

/** The application's public key, from its hex form, for node:crypto. */
export function discordPublicKey(hex: string): KeyObject {
  if (!PUBLIC_KEY_HEX.test(hex)) throw new Error('a Discord public key is 64 hex characters');
  return createPublicKey({
    key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(hex, 'hex')]),
    format: 'der',
    type: 'spki',
  });
}

export type SignatureVerdict = 'valid' | 'unsigned' | 'stale' | 'bad-signature';

export interface SignedRequest {
  body: Buffer;
  signature: string | null;
  timestamp: string | null;
}

/** Whether Discord signed this request, lately. The timestamp is checked first: it costs no crypto. */
export function checkSignature(key: KeyObject, request: SignedRequest, nowMs: number): SignatureVerdict {
  const { body, signature, timestamp } = request;
  if (signature === null || timestamp === null) return 'unsigned';
  if (!/^\d{1,15}$/.test(timestamp)) return 'bad-signature';
  if (Math.abs(nowMs - Number(timestamp) * 1000) > MAX_SIGNATURE_SKEW_MS) return 'stale';
  if (!/^[0-9a-fA-F]{128}$/.test(signature)) return 'bad-signature';
  const signed = Buffer.concat([Buffer.from(timestamp, 'utf8'), body]);
  return verify(null, signed, key, Buffer.from(signature, 'hex')) ? 'valid' : 'bad-signature';
}

export interface InteractionsRouteArgs {
  publicKey: KeyObject;
  dispatch: Dispatch;
  /** Answers the interactions (the callback and its edits). */
  rest: REST;
  log: Logger;
  /** Milliseconds since the epoch, for the timestamp's age; default Date.now. */
  now?: () => number;
  maxBodyBytes?: number;
}

export function createInteractionsRoute(args: InteractionsRouteArgs): RouteHandler {
  const { publicKey, dispatch, rest } = args;
  const log = args.log.child({ component: 'discord-http' });
  const now = args.now ?? Date.now;
  const maxBodyBytes = args.maxBodyBytes ?? DEFAULT_MAX_INTERACTION_BODY_BYTES;

  return async (request, response) => {
    if (request.method !== 'POST') {
      request.resume();
      response.setHeader('allow', 'POST');
      return sendJson(response, 405, { error: 'only POST' });
    }
    const body = await readBody(request, maxBodyBytes);
    if (body === 'too-large') {
      response.setHeader('connection', 'close');
      log.debug('refused an interaction request', { reason: 'too-large' });
      return sendJson(response, 413, { error: `the body is larger than ${maxBodyBytes} bytes` });
    }
    if (body === 'aborted') return;

    const signed = {
      body,
      signature: header(request, 'x-signature-ed25519'),
      timestamp: header(request, 'x-signature-timestamp'),
    };
    const verdict = checkSignature(publicKey, signed, now());
    if (verdict !== 'valid') {
      log.debug('refused an interaction request', { reason: verdict });
      return sendJson(response, 401, { error: 'invalid request signature' });
    }

    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      return sendJson(response, 400, { error: 'the body is not JSON' });
    }
    if (interactionType(payload) === InteractionType.Ping) {
      return sendJson(response, 200, { type: InteractionResponseType.Pong });
    }
    // Answered once the callback has gone out (or failed), not before: Discord reads the 202 as
    // "answered through the callback endpoint".
    const accepted = () => {
      if (response.headersSent || response.destroyed) return;
      response.writeHead(202, { 'content-length': 0 });
      response.end();
    };
    const outcome = await dispatch(payload, { rest, afterCallback: accepted });
    if (outcome === 'ignored') {
      log.info('an interaction this bot does not answer', { type: interactionType(payload) });
      return sendJson(response, 400, { error: 'not an interaction this bot answers' });
    }
    // Claimed by another replica, or no callback could be sent: nothing more will come from here.
    accepted();
  };
}

function header(request: IncomingMessage, name: string): string | null {
  const value = request.headers[name];
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  return text ? text : null;
}
