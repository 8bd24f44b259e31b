/**
 * The buttons each reply offers, as platform-neutral Reply actions: every one is a Command (or a link)
 * that a click brings back into the core, so a button can do nothing a person could not type.
 * Replies and notifications build their buttons here; renderers turn them into Block Kit, Discord
 * components or the terminal command they stand for.
 */
import type { ListQuery } from '../realtimekit/types.js';
import type { ActionConfirm, CommandAction, LinkAction, ReplyAction } from '../reply.js';

/** Details of one livestream (`show <id>`): its status whatever it is, and its recent sessions. */
export function detailsAction(livestreamId: string, label = 'Details'): CommandAction {
  return { label, command: { name: 'show', livestreamId } };
}

/** The playback page, opened by the platform: no command runs. */
export function watchAction(url: string): LinkAction {
  return { label: 'Watch', url };
}

/**
 * Stop a meeting's livestream: the unconfirmed stop, which only names what it would stop and how long
 * it has been live, and answers with the confirming button (`stopConfirmAction`).
 */
export function stopAction(meetingId: string): CommandAction {
  return { label: 'Stop', command: { name: 'stop', meetingId, confirmed: false }, style: 'danger' };
}

/**
 * The confirming button of a stop prompt: it stops the livestream. Slack asks once more in a dialog
 * (destructive, and a prompt can sit in a channel for a while); elsewhere the prompt is the question.
 */
export function stopConfirmAction(meetingId: string, livestreamName: string | null): CommandAction {
  const what = livestreamName ? `“${livestreamName}”` : 'this livestream';
  const confirm: ActionConfirm = {
    title: 'Stop the livestream?',
    text: `Viewers of ${what} are cut off now. Starting it again makes a new session.`,
    confirm: 'Stop it',
    deny: 'Keep it live',
  };
  return {
    label: 'Stop livestream',
    command: { name: 'stop', meetingId, confirmed: true },
    style: 'danger',
    confirm,
  };
}

/**
 * Previous / Next for a page of `list`, answered in place of the page they are on. `pageNo` is the page
 * shown (1-based); `hasNext` whether the list said there is more.
 */
export function listPagingActions(query: ListQuery, pageNo: number, hasNext: boolean): CommandAction[] {
  const page = (to: number, label: string): CommandAction => ({
    label,
    command: { name: 'list', query: { ...query, pageNo: to } },
    inPlace: true,
  });
  const actions: CommandAction[] = [];
  if (pageNo > 1) actions.push(page(pageNo - 1, 'Previous'));
  if (hasNext) actions.push({ ...page(pageNo + 1, 'Next'), style: 'primary' });
  return actions;
}

/** The actions of a livestream reply (create, start): Details, and Watch when it has a playback URL. */
export function livestreamActions(livestream: { id: string; playbackUrl: string | null }): ReplyAction[] {
  return [
    detailsAction(livestream.id),
    ...(livestream.playbackUrl ? [watchAction(livestream.playbackUrl)] : []),
  ];
}
