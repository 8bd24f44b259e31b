/**
 * The small contract every chat platform meets, so src/app.ts starts a list of them instead of one
 * near-copy block per platform: a configured adapter knows its platform and starts; a started one posts
 * through its sink and stops. What only some have is optional, and the app checks before using it
 * (`connected` for /readyz, `done` for the terminal chat whose input can end).
 */
import type { Core } from './core.js';
import type { HttpServer } from './http/server.js';
import type { InputGate } from './inputs.js';
import type { Logger } from './log.js';
import type { Platform, Sink } from './sink.js';

/** What an adapter starts with. */
export interface PlatformStartArgs {
  /** Where commands go. */
  core: Core;
  log: Logger;
  /** The bot's one HTTP server, already listening, when it runs (Slack's HTTP mode mounts on it). */
  http: HttpServer | null;
  /** Repeated deliveries and double clicks: in memory for one bot, in the shared store for replicas. */
  inputs: InputGate;
}

/** A platform that is configured but not started yet. */
export interface PlatformAdapter {
  readonly platform: Platform;
  /** Its name in /readyz ("not connected to Slack"). */
  readonly name: string;
  /** The channel notifications go to without a subscription (SLACK_NOTIFY_CHANNEL, …), or null. */
  readonly notifyChannel: string | null;
  /**
   * Connects (and loads its library, which only a configured platform pays for); resolves once commands
   * can arrive. A start that fails leaves nothing running.
   */
  start(args: PlatformStartArgs): Promise<StartedPlatform>;
}

/** A started platform. Slack's and Discord's adapters are this shape already. */
export interface StartedPlatform {
  /** Posts and edits notifications in this platform's channels. */
  readonly sink: Sink;
  stop(): Promise<void>;
  /** Whether the platform can reach the bot now (/readyz); absent: always (the terminal). */
  connected?(): boolean;
  /** Resolves when the platform has nothing left to do (the terminal's input ended); absent: never. */
  readonly done?: Promise<void>;
}
