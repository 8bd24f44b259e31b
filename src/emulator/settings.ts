/** How to reach an emulator: its .env lines, and the same as RealtimeKit client options. */
import type { RealtimeKitClientOptions } from '../realtimekit/client.js';

/** What a `.env` needs to point the bot at this emulator. */
export interface EmulatorSettings {
  CLOUDFLARE_API_BASE_URL: string;
  CLOUDFLARE_API_TOKEN: string;
  CLOUDFLARE_ACCOUNT_ID: string;
  REALTIMEKIT_APP_ID: string;
  /** Where the emulator publishes its webhook signing key (for a bot with PUBLIC_URL set). */
  REALTIMEKIT_WEBHOOK_KEY_URL: string;
}

/** The same settings as RealtimeKit client options: how the bot, the tests and the bench connect. */
export function clientSettingsOf(
  settings: EmulatorSettings,
): Pick<RealtimeKitClientOptions, 'baseUrl' | 'apiToken' | 'accountId' | 'appId'> {
  return {
    baseUrl: settings.CLOUDFLARE_API_BASE_URL,
    apiToken: settings.CLOUDFLARE_API_TOKEN,
    accountId: settings.CLOUDFLARE_ACCOUNT_ID,
    appId: settings.REALTIMEKIT_APP_ID,
  };
}
