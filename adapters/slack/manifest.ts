/**
 * What the Slack app must declare, as data the code and the manifest test share: the command the
 * listener registers, the bot scopes the code calls with, and the usage hint built from the grammar.
 * `manifest.yml` at the repo root is checked against these by test/slack/manifest.test.ts.
 */
import { COMMAND_SPECS } from '../../src/commands/index.js';

export const SLASH_COMMAND = '/livestream';

/**
 * `commands`: receive /livestream. `chat:write`: the sink's chat.postMessage and chat.update in channels
 * the bot was invited to. Not `chat:write.public`: posting where nobody invited the bot is not wanted.
 * respond() needs no scope: it posts to the command's response_url. `files:write`: `stats` shares its
 * chart with files.uploadV2 (files.getUploadURLExternal and files.completeUploadExternal), since a
 * Slack message cannot carry an image file any other way (upload.ts).
 */
export const BOT_SCOPES = ['commands', 'chat:write', 'files:write'] as const;

/**
 * Buttons (list paging, Details, Stop) need interactivity on. Clicks come the way commands do (over the
 * socket, or signed POSTs to /slack/events in HTTP mode) and are answered through their response_url,
 * so they need no scope of their own.
 */
export const INTERACTIVITY = true;

/** `list [live|idle|errored|invoked] | create [name...] | …`: each command with its arguments, no options. */
export function usageHint(): string {
  return COMMAND_SPECS.map((spec) => spec.usage.split(' [--')[0]).join(' | ');
}
