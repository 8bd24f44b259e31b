/**
 * Why the PostgreSQL store could not open, as a kind and one sentence naming DATABASE_URL, with its
 * password never printed.
 */
import { REDACTED } from '../log.js';
import { passwordsOf } from './database-url.js';

export type PgStoreOpenFailure =
  /** DATABASE_URL is not a postgres:// URL. */
  | 'bad-url'
  /** Nothing answers at the host and port (refused, unknown host, timeout, TLS refused). */
  | 'unreachable'
  /** PostgreSQL refused the user or the password. */
  | 'auth'
  /** The server runs, but the database named in DATABASE_URL does not exist. */
  | 'no-database'
  /** The user may not create or change the bot's tables. */
  | 'permission'
  /** The database holds tables of the same names that this bot did not create. */
  | 'foreign'
  /** Written by a newer version of the bot. */
  | 'newer'
  /** Anything else the server said while opening. */
  | 'failed';

export class PgStoreOpenError extends Error {
  override readonly name = 'PgStoreOpenError';
  constructor(
    readonly kind: PgStoreOpenFailure,
    message: string,
  ) {
    super(message);
  }
}

/** Raised by the migrations when the database's schema is newer than this code's. */
export class SchemaTooNewError extends Error {
  override readonly name = 'SchemaTooNewError';
  constructor(
    readonly found: number,
    readonly known: number,
  ) {
    super(`schema version ${found}, newer than this bot (${known})`);
  }
}

/**
 * The URL with its password replaced, in the authority (`user:secret@`) and as a `password=` parameter.
 * Works on text that does not parse as a URL too: it may be the very reason opening failed. A password
 * written without encoding may hold `@`, `/`, `?` or `#`: everything from `user:` to the last `@` goes
 * (more than the password, if the rest of the URL has an `@`: never less).
 */
export function redactDatabaseUrl(url: string): string {
  return url
    .replace(/^([^:/?#]*:\/\/[^/?#@:]*:).*@/s, `$1${REDACTED}@`)
    .replace(/([?&]password=)[^&#]*/gi, `$1${REDACTED}`);
}

/** Text with DATABASE_URL's password taken out (every form of it), should a server or driver repeat it. */
export function withoutPasswords(text: string, url: string): string {
  let said = text;
  // Longest first, so a decoded form inside a written one goes with it. Very short ones would mangle text.
  for (const password of passwordsOf(url).sort((a, b) => b.length - a.length))
    if (password.length >= 4) said = said.split(password).join(REDACTED);
  return said;
}

/** What the operator reads, one sentence per kind: what is wrong with DATABASE_URL, and what to do. */
export function describePgOpenFailure(kind: PgStoreOpenFailure, url: string, detail: string): string {
  const where = `DATABASE_URL ${redactDatabaseUrl(url)}`;
  const said = withoutPasswords(detail, url);
  switch (kind) {
    case 'bad-url':
      return `${where} is not a PostgreSQL URL (${said}): write it as postgres://user:password@host:5432/database.`;
    case 'unreachable':
      return `${where}: PostgreSQL cannot be reached (${said}). Check the host and port, and that the server runs and accepts connections from this machine.`;
    case 'auth':
      return `${where}: PostgreSQL refused the user or password (${said}). Check the credentials in DATABASE_URL.`;
    case 'no-database':
      return `${where}: the database does not exist (${said}). Create it (CREATE DATABASE) or correct its name in DATABASE_URL.`;
    case 'permission':
      return `${where}: this user may not create or change the bot's tables (${said}). Grant it CREATE on the schema, or let the database's owner start the bot once.`;
    case 'foreign':
      return `${where}: the database holds tables this bot did not create (${said}). Point DATABASE_URL at a database of its own.`;
    case 'newer':
      return `${where}: the database has ${said}: upgrade the bot, or point DATABASE_URL at a database of its own.`;
    case 'failed':
      return `${where}: the notification state could not be opened (${said}).`;
  }
}

/** Where opening got to when it failed: the same server error means different things at each step. */
export type PgOpenStep = 'connect' | 'schema';

/** The kind of an error thrown while opening, from its SQLSTATE or system error code and the step. */
export function classifyPgOpenError(step: PgOpenStep, error: unknown): PgStoreOpenFailure {
  if (error instanceof SchemaTooNewError) return 'newer';
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  // 28P01 invalid_password, 28000 invalid_authorization_specification (no such role, pg_hba refuses).
  if (code === '28P01' || code === '28000') return 'auth';
  if (code === '3D000') return 'no-database';
  if (code === '42501') return 'permission';
  // A duplicate or differently shaped table (class 42, syntax or access rule) under our own SQL.
  if (step === 'schema' && code.startsWith('42')) return 'foreign';
  if (/^E[A-Z]+$/.test(code) || code === '') return step === 'connect' ? 'unreachable' : 'failed';
  // 08xxx connection exceptions, 57P03 cannot_connect_now (starting up, shutting down).
  if (code.startsWith('08') || code === '57P03') return 'unreachable';
  return 'failed';
}
