/**
 * Sends interactions the way Discord does to an Interactions Endpoint URL: the payload as JSON,
 * POSTed with `X-Signature-Ed25519` (hex) signing `X-Signature-Timestamp` (Unix seconds) followed by
 * the exact body, with an Ed25519 key pair made for the test (its public key is what
 * DISCORD_PUBLIC_KEY holds). Nothing of the bot's verification is stood in for.
 */
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';

export interface DiscordSigner {
  /** The public key as the Developer Portal shows it: 64 hex characters. */
  publicKeyHex: string;
  privateKey: KeyObject;
}

export function createDiscordSigner(): DiscordSigner {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const { x } = publicKey.export({ format: 'jwk' });
  if (typeof x !== 'string') throw new Error('an Ed25519 public key exports its x');
  return { publicKeyHex: Buffer.from(x, 'base64url').toString('hex'), privateKey };
}

export interface SignedInteractionPost {
  url: string;
  /** The body as sent: signed byte for byte. */
  body: string;
  signer: DiscordSigner;
  /** Unix seconds; default now. */
  timestamp?: number;
  /** Another signature than the right one (a forgery), or null for none at all. */
  signature?: string | null;
}

export interface InteractionAnswer {
  status: number;
  contentType: string | null;
  text: string;
}

export function signInteraction(signer: DiscordSigner, timestamp: string, body: string): string {
  return sign(null, Buffer.from(timestamp + body), signer.privateKey).toString('hex');
}

export async function postInteraction(post: SignedInteractionPost): Promise<InteractionAnswer> {
  const timestamp = String(post.timestamp ?? Math.floor(Date.now() / 1000));
  const signature =
    post.signature === undefined ? signInteraction(post.signer, timestamp, post.body) : post.signature;
  const response = await fetch(post.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-signature-timestamp': timestamp,
      ...(signature !== null ? { 'x-signature-ed25519': signature } : {}),
    },
    body: post.body,
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    text: await response.text(),
  };
}
