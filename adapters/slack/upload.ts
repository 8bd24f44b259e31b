/**
 * A reply's image (the stats chart) in Slack. Slack cannot attach a file to a message only one person
 * sees (respond() and chat.postEphemeral take no files, and an image block needs a file the viewer may
 * open), so the chart is shared in the channel where the command was typed, with the figures in words
 * and who asked: stats describe the app, not a secret. files.uploadV2 does it in three steps
 * (files.getUploadURLExternal, the bytes to that URL, files.completeUploadExternal), which need the
 * `files:write` scope (manifest.ts).
 *
 * When Slack will not take the file there (the bot is not in the channel, the app was installed before
 * it asked for `files:write`), the person gets the same figures ephemerally, with what to do.
 */
import type { webApi } from '@slack/bolt';
import type { Logger } from '../../src/log.js';
import { containsSecret, type Reply } from '../../src/reply.js';
import { renderPlainText } from './render.js';

export type ImageUpload = { ok: true } | { ok: false; error: string };

/** Whether this reply goes out as a file in the channel: it has an image and nothing secret. */
export function sharesImage(reply: Reply): boolean {
  return reply.image !== undefined && !containsSecret(reply);
}

/** Shares the reply's image in `channelId` with the reply as its comment; never throws. */
export async function uploadReplyImage(args: {
  client: webApi.WebClient;
  channelId: string;
  userId: string;
  reply: Reply;
  log: Logger;
}): Promise<ImageUpload> {
  const { client, channelId, userId, reply, log } = args;
  const image = reply.image;
  if (!image) return { ok: false, error: 'no_image' };
  try {
    await client.filesUploadV2({
      channel_id: channelId,
      file: Buffer.from(image.png.buffer, image.png.byteOffset, image.png.byteLength),
      filename: image.filename,
      title: reply.title,
      alt_text: image.alt,
      // Who asked, as the credit line under the figures.
      initial_comment: renderPlainText({
        reply: { ...reply, actor: { userId, did: 'Asked' } },
        surface: 'channel',
      }),
    });
    return { ok: true };
  } catch (error) {
    const code = slackErrorCode(error);
    log.warn('could not share an image in Slack', { error: code, channelId });
    return { ok: false, error: code };
  }
}

/** Slack's error word (`not_in_channel`), or the error's name when Slack said none. */
function slackErrorCode(error: unknown): string {
  const data = (error as { data?: { error?: unknown } } | null)?.data;
  if (typeof data?.error === 'string') return data.error;
  return error instanceof Error ? error.name : 'unknown';
}

/** What the person can do when the chart could not be shared. */
export function uploadProblemText(error: string): string {
  switch (error) {
    case 'not_in_channel':
    case 'channel_not_found':
    case 'not_allowed':
      return 'The chart is shared in the channel you ask in, and I am not in this one: `/invite` me here, or ask in a channel I am in.';
    case 'missing_scope':
    case 'no_permission':
      return 'The chart needs the files:write permission, which this Slack app lacks: reinstall it from manifest.yml (docs/slack.md).';
    default:
      return `Slack did not take the chart (${error}): the figures are above.`;
  }
}

/** The reply as words only, with why the chart is missing, for the person alone. */
export function withoutImage(reply: Reply, error: string): Reply {
  const { image: _image, ...rest } = reply;
  const note = uploadProblemText(error);
  return { ...rest, footer: rest.footer ? `${note}\n${rest.footer}` : note, visibility: 'requester' };
}
