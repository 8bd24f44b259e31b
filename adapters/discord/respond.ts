/**
 * Answering one interaction through Discord's REST API: the first answer is the interaction callback
 * (within Discord's 3 s), later changes go through the interaction's webhook (edit the original
 * response, send a follow-up). Every route is authorised by the interaction's token in the route,
 * never the bot token (`auth: false`). The same calls answer an interaction from the gateway and one
 * POSTed to the Interactions Endpoint URL (Discord takes the callback for both; the HTTP request is
 * then answered 202, see http-interactions.ts).
 *
 * The bodies are the API's own: a DiscordMessage already is one (as the sink sends it). discord.js's
 * reply()/editReply() would rebuild it through MessagePayload, whose `toSnakeCase` and lazy requires
 * cost more CPU than rendering the reply, and would encode a body per request that a burst of
 * identical commands shares.
 */
import { type InteractionResponseType, type MessageFlags, type REST, Routes } from 'discord.js';
import type { ReplyImage } from '../../src/reply.js';
import type { InteractionOrigin } from './incoming.js';
import type { DiscordMessage } from './render.js';

/** A callback's data: a message, or only flags (a deferral that will be ephemeral). */
export type CallbackData = DiscordMessage | { flags: MessageFlags };

export interface InteractionResponder {
  /** The first answer: CHANNEL_MESSAGE_WITH_SOURCE (4), a deferral (5, 6) or UPDATE_MESSAGE (7). */
  callback(type: InteractionResponseType, data?: CallbackData, image?: ReplyImage): Promise<void>;
  /** Replaces the first answer (after a deferral, or a click's message): its flags cannot change. */
  editOriginal(message: DiscordMessage, image?: ReplyImage): Promise<void>;
  /** One more message: for the channel, or ephemeral with `flags`. */
  followUp(message: DiscordMessage, flags?: MessageFlags): Promise<void>;
}

export interface ResponderArgs {
  /** The bot's REST client (its retries apply: an answer has its own deadline, and no nonce). */
  rest: REST;
  interaction: Pick<InteractionOrigin, 'id' | 'token' | 'applicationId'>;
  /** Told once, when the first callback has been answered or has failed (HTTP: time for the 202). */
  afterCallback?: () => void;
}

/** Callback bodies, encoded once per rendered message and type: identical commands in flight share one. */
const encodedBodies = new WeakMap<CallbackData, Map<InteractionResponseType, Buffer>>();

function encodedCallback(type: InteractionResponseType, data: CallbackData): Buffer {
  let byType = encodedBodies.get(data);
  if (!byType) encodedBodies.set(data, (byType = new Map()));
  let body = byType.get(type);
  if (!body) byType.set(type, (body = Buffer.from(JSON.stringify({ type, data }))));
  return body;
}

function pngFile(image: ReplyImage) {
  const data = Buffer.from(image.png.buffer, image.png.byteOffset, image.png.byteLength);
  return { name: image.filename, data, contentType: 'image/png' };
}

/** A message as the webhook takes it: flags are a create's only (an edit keeps the original's). */
function withoutFlags(message: DiscordMessage): Omit<DiscordMessage, 'flags'> {
  const { flags: _flags, ...rest } = message;
  return rest;
}

export function createResponder({ rest, interaction, afterCallback }: ResponderArgs): InteractionResponder {
  const { id, token, applicationId } = interaction;
  let told = afterCallback === undefined;
  const tell = () => {
    if (told) return;
    told = true;
    afterCallback?.();
  };
  return {
    async callback(type, data, image) {
      const route = Routes.interactionCallback(id, token);
      try {
        if (image && data) {
          // With a file the callback is multipart/form-data: the message as payload_json (naming the
          // attachment, see render.ts), the PNG as files[0].
          await rest.post(route, { body: { type, data }, files: [pngFile(image)], auth: false });
        } else if (data) {
          await rest.post(route, {
            body: encodedCallback(type, data),
            passThroughBody: true,
            headers: { 'Content-Type': 'application/json' },
            auth: false,
          });
        } else {
          await rest.post(route, { body: { type }, auth: false });
        }
      } finally {
        tell();
      }
    },
    async editOriginal(message, image) {
      await rest.patch(Routes.webhookMessage(applicationId, token, '@original'), {
        body: withoutFlags(message),
        ...(image ? { files: [pngFile(image)] } : {}),
        auth: false,
      });
    },
    async followUp(message, flags) {
      await rest.post(Routes.webhook(applicationId, token), {
        body: { ...withoutFlags(message), ...(flags !== undefined ? { flags } : {}) },
        auth: false,
      });
    },
  };
}
