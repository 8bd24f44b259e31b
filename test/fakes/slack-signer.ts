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

/** How a signed POST to /slack/events is sent; `timestamp` and `signature` default to now and right. */
interface SignedPost {
  url: string;
  signingSecret: string;
  /** Seconds since the epoch; default now. */
  timestamp?: number;
  /** Replaces the computed signature (forgery tests). */
  signature?: string;
  headers?: Record<string, string>;
}

export async function sendSlashCommand(
  args: SignedPost & { fields: SlashCommandFields },
): Promise<SentCommand> {
  return postSigned(args, new URLSearchParams(slashCommandForm(args.fields)).toString());
}

/** POSTs a url-encoded body to Slack's events URL, signed as Slack signs it. */
async function postSigned(args: SignedPost, body: string): Promise<SentCommand> {
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

/** One button as the bot rendered it (Block Kit), as a click on it reports it back. */
export interface ClickedButton {
  action_id: string;
  value?: string;
  url?: string;
  text?: { type: string; text: string };
  style?: string;
}

export interface BlockActionsFields {
  button: ClickedButton;
  response_url: string;
  trigger_id: string;
  /** Each click has its own; a redelivery of the same click repeats it. Default: now, unique. */
  action_ts?: string;
  user_id?: string;
  channel_id?: string;
  /** The message the button is on. */
  message_ts?: string;
  /** Slack sends no `message` for a button on an ephemeral message, only the container. */
  is_ephemeral?: boolean;
}

let clicks = 0;

/** A `block_actions` payload as Slack sends it for a click on a button (api.slack.com interactivity). */
export function blockActionsPayload(fields: BlockActionsFields): Record<string, unknown> {
  clicks += 1;
  const channelId = fields.channel_id ?? 'C0FAKE';
  const messageTs = fields.message_ts ?? '1700000000.000100';
  const ephemeral = fields.is_ephemeral ?? true;
  const userId = fields.user_id ?? 'U0HUMAN';
  const { button } = fields;
  return {
    type: 'block_actions',
    user: { id: userId, username: 'alice', name: 'alice', team_id: 'T0FAKE' },
    api_app_id: 'A0FAKE',
    token: 'legacy-verification-token',
    container: { type: 'message', message_ts: messageTs, channel_id: channelId, is_ephemeral: ephemeral },
    trigger_id: fields.trigger_id,
    team: { id: 'T0FAKE', domain: 'fake' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: channelId, name: 'general' },
    ...(ephemeral ? {} : { message: { type: 'message', ts: messageTs, text: 'a message', user: 'U0BOT' } }),
    state: { values: {} },
    response_url: fields.response_url,
    actions: [
      {
        type: 'button',
        action_id: button.action_id,
        block_id: 'b1',
        text: button.text ?? { type: 'plain_text', text: 'Button', emoji: true },
        ...(button.value !== undefined ? { value: button.value } : {}),
        ...(button.url !== undefined ? { url: button.url } : {}),
        ...(button.style ? { style: button.style } : {}),
        action_ts: fields.action_ts ?? `${Math.floor(Date.now() / 1000)}.${String(clicks).padStart(6, '0')}`,
      },
    ],
  };
}

/** The url-encoded body Slack POSTs for an interaction: one `payload` field holding the JSON. */
export function interactionForm(payload: Record<string, unknown>): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** POSTs a signed interaction payload (a click) to /slack/events, as Slack does. */
export async function sendInteraction(
  args: SignedPost & { payload: Record<string, unknown> },
): Promise<SentCommand> {
  return postSigned(args, interactionForm(args.payload));
}
