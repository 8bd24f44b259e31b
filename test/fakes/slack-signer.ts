/**
 * Sends slash commands the way Slack does: a url-encoded form POSTed to /slack/events, signed with
 * `v0=HMAC-SHA256(signingSecret, "v0:{timestamp}:{body}")` in `x-slack-signature`.
 * The content type is exactly `application/x-www-form-urlencoded` (Bolt compares it with ===).
 */
import { createHmac } from 'node:crypto';

export interface SlashCommandFields {
  text: string;
  response_url: string;
  trigger_id: string;
  user_id?: string;
  channel_id?: string;
  command?: string;
}

export function slashCommandForm(fields: SlashCommandFields): Record<string, string> {
  return {
    token: 'legacy-verification-token',
    team_id: 'T0FAKE',
    team_domain: 'fake',
    channel_id: fields.channel_id ?? 'C0FAKE',
    channel_name: 'general',
    user_id: fields.user_id ?? 'U0HUMAN',
    user_name: 'alice',
    command: fields.command ?? '/livestream',
    text: fields.text,
    api_app_id: 'A0FAKE',
    is_enterprise_install: 'false',
    response_url: fields.response_url,
    trigger_id: fields.trigger_id,
  };
}

export function signSlackRequest(args: { signingSecret: string; body: string; timestamp: number }): string {
  const { signingSecret, body, timestamp } = args;
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SentCommand {
  status: number;
  body: string;
  /** When the HTTP answer (the ack) arrived. */
  answeredAt: number;
}

export async function sendSlashCommand(args: {
  url: string;
  signingSecret: string;
  fields: SlashCommandFields;
  /** Seconds since the epoch; default now. */
  timestamp?: number;
  /** Replaces the computed signature (forgery tests). */
  signature?: string;
  headers?: Record<string, string>;
}): Promise<SentCommand> {
  const body = new URLSearchParams(slashCommandForm(args.fields)).toString();
  const timestamp = args.timestamp ?? Math.floor(Date.now() / 1000);
  const signature =
    args.signature ?? signSlackRequest({ signingSecret: args.signingSecret, body, timestamp });
  const response = await fetch(args.url, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': signature,
      ...args.headers,
    },
  });
  const text = await response.text();
  return { status: response.status, body: text, answeredAt: Date.now() };
}
