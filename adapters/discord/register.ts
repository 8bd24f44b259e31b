/**
 * Registers `/livestream` with one bulk overwrite (PUT): Discord replaces the whole command set with
 * exactly what is sent, so running it twice changes nothing and a removed option disappears.
 * Guild-scoped when a guild id is given (visible at once), global otherwise (can take up to an hour).
 */
import { type APIApplicationCommand, type REST, Routes } from 'discord.js';
import { applicationCommands, type CommandScope } from './commands.js';

export interface RegisterCommandsArgs {
  /** A REST client with the bot token set (`client.rest`, or `new REST(...).setToken(...)`). */
  rest: REST;
  applicationId: string;
  guildId: string | null;
}

export interface Registration {
  scope: CommandScope;
  guildId: string | null;
  /** The names Discord now has registered, as it answered. */
  commands: string[];
}

export async function registerCommands({
  rest,
  applicationId,
  guildId,
}: RegisterCommandsArgs): Promise<Registration> {
  const scope: CommandScope = guildId ? 'guild' : 'global';
  const route = guildId
    ? Routes.applicationGuildCommands(applicationId, guildId)
    : Routes.applicationCommands(applicationId);
  const answer = (await rest.put(route, { body: applicationCommands(scope) })) as APIApplicationCommand[];
  return { scope, guildId, commands: Array.isArray(answer) ? answer.map((command) => command.name) : [] };
}
