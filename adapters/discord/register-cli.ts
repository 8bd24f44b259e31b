/**
 * `npm run discord:register`: registers `/livestream` without starting the bot, e.g. from a deploy
 * step. Reads the same configuration as `npm start` (environment and `.env`).
 */
import { pathToFileURL } from 'node:url';
import { REST } from 'discord.js';
import dotenv from 'dotenv';
import { ConfigError, type Env, loadConfig } from '../../src/config.js';
import { COMMAND_NAME } from './commands.js';
import { discordInviteUrl } from './invite.js';
import { registerCommands } from './register.js';
import { describeRegistrationError, discordRestOptions } from './rest.js';

export interface RegisterCliArgs {
  env: Env;
  /** Where messages go (stderr in the CLI). */
  write: (line: string) => void;
}

/** Returns the process exit code: 0 registered, 1 Discord refused or failed, 2 not configured. */
export async function runRegisterCli({ env, write }: RegisterCliArgs): Promise<number> {
  let discord: ReturnType<typeof loadConfig>['discord'];
  try {
    discord = loadConfig(env).discord;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    write(`${error.message}\nSee .env.example and docs/discord.md for every setting.`);
    return 2;
  }
  if (discord === null) {
    write(
      'Discord is not configured: set DISCORD_BOT_TOKEN and DISCORD_APPLICATION_ID (and DISCORD_GUILD_ID for one server), in the environment or .env. See docs/discord.md.',
    );
    return 2;
  }
  // No retries on 5xx: a deploy step should fail fast and say why, not hang.
  const rest = new REST(discordRestOptions(discord, { retries: 0 })).setToken(discord.botToken);
  const invite = `To add the bot to a server (scopes bot and applications.commands; View Channel, Send Messages and Embed Links), open: ${discordInviteUrl(discord.applicationId)}`;
  try {
    const registration = await registerCommands({
      rest,
      applicationId: discord.applicationId,
      guildId: discord.guildId,
    });
    write(
      registration.scope === 'guild'
        ? `Registered /${COMMAND_NAME} in guild ${registration.guildId}: it is available there now.`
        : `Registered /${COMMAND_NAME} globally: Discord can take up to an hour to show it everywhere.`,
    );
    write(invite);
    return 0;
  } catch (error) {
    write(
      `Could not register /${COMMAND_NAME}: ${describeRegistrationError({ error, applicationId: discord.applicationId, guildId: discord.guildId })}`,
    );
    write(invite);
    return 1;
  }
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  dotenv.config({ quiet: true });
  runRegisterCli({ env: process.env, write: (line) => process.stderr.write(`${line}\n`) }).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(
        `discord:register failed: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exit(1);
    },
  );
}
