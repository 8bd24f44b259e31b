/**
 * Demo data and real people: with no Cloudflare credentials the bot talks to an embedded emulator whose
 * livestreams are made up. The terminal demo says so in its banner. A chat platform would show those
 * livestreams to real people as if they were theirs, so it runs on demo data only when DEMO=1 asks for
 * it, and then every reply and notification says DEMO (in the Reply's footer, which every renderer shows).
 */
import type { Config } from '../config.js';
import type { Core } from '../core.js';
import { markDemo } from '../reply.js';
import type { Sink } from '../sink.js';

/** The configuration problem when a chat platform would run on demo data unasked; null when fine. */
export function demoRefusal(config: Config, allowDemo: boolean): string | null {
  if (config.realtimekit.mode !== 'demo' || allowDemo) return null;
  const platforms = [config.slack ? 'Slack' : null, config.discord ? 'Discord' : null].filter(
    (name): name is string => name !== null,
  );
  if (platforms.length === 0) return null;
  const which = platforms.length === 1 ? `${platforms[0]} is` : `${platforms.join(' and ')} are`;
  return (
    `${which} configured but Cloudflare is not (CLOUDFLARE_API_TOKEN, CLOUDFLARE_ACCOUNT_ID and REALTIMEKIT_APP_ID are unset), ` +
    'so the bot would show made-up demo livestreams to real people: set the three Cloudflare settings, ' +
    'or set DEMO=1 to try the bot on demo data (every reply then says DEMO)'
  );
}

/** Every reply the core gives is marked as demo data. */
export function demoCore(core: Core): Core {
  return {
    replyToText: async (text, context) => markDemo(await core.replyToText(text, context)),
    replyToCommand: async (command, context) => markDemo(await core.replyToCommand(command, context)),
  };
}

/** Every notification posted or edited through the sink is marked as demo data. */
export function demoSink(sink: Sink): Sink {
  return {
    platform: sink.platform,
    pacingMs: sink.pacingMs,
    post: (channelId, reply, options) => sink.post(channelId, markDemo(reply), options),
    edit: (channelId, messageId, reply) => sink.edit(channelId, messageId, markDemo(reply)),
  };
}
