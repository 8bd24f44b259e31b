/**
 * Streams added in bulk (seeding an app of 1,000,000) are not kept as objects: every field of one is
 * derived from its row number and its batch, and a WireLivestream is built only when it is read (a list
 * page, a lookup). Its id encodes the row, so finding a stream by id needs no map either. What varies
 * per row and is needed to answer lists (created_at, status, whether it has a meeting) lives in the
 * store's typed arrays; a stream that changes status becomes an ordinary object there.
 */
import type { Prng } from './prng.js';
import type { LivestreamInput, WireLivestream } from './wire-types.js';

export const INGEST_SERVER = 'rtmps://live.cloudflare.com:443/live/';

export interface CompactBatch {
  /** The first row of the batch; its rows are `first` to `first + count - 1`. */
  readonly first: number;
  readonly count: number;
  /** Fields every stream of the batch shares (a seed template). */
  readonly template: LivestreamInput;
  /** The digits of a stream's number in its generated name ("Stream 0042" in a batch of 1,000). */
  readonly nameWidth: number;
  /** Derives keys, playback URLs and meeting ids: different for every batch. */
  readonly key: number;
  /** The id's last 22 characters, shared by the batch (`4xxx-Vxxx-xxxxxxxxxxxx`): finds the batch. */
  readonly idTail: string;
}

export function newBatch(first: number, count: number, template: LivestreamInput, ids: Prng): CompactBatch {
  const tail = ids.hex(9);
  const variant = '89ab'[ids.int(4)]!;
  return {
    first,
    count,
    template,
    nameWidth: String(count).length,
    key: ids.uint32(),
    idTail: `4${tail.slice(0, 3)}-${variant}${tail.slice(3, 6)}-${tail.slice(6, 18)}`,
  };
}

/**
 * A version 4 UUID whose first 12 hex digits are the row number, scrambled by an invertible
 * permutation keyed by the batch (so ids look random, as real ones do, and decode back to the row).
 */
export function compactId(batch: CompactBatch, row: number): string {
  const hex = permute(row, batch.key).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${batch.idTail}`;
}

/** The row an id names if it has the shape of a compact id of some batch in `batches` (unchecked). */
export function rowOfCompactId(id: string, batches: ReadonlyMap<string, CompactBatch>): number | null {
  if (id.length !== 36 || id[8] !== '-' || id[13] !== '-') return null;
  const batch = batches.get(id.slice(14));
  if (!batch) return null;
  const head = `${id.slice(0, 8)}${id.slice(9, 13)}`;
  if (!/^[0-9a-f]{12}$/.test(head)) return null;
  const row = unpermute(Number.parseInt(head, 16), batch.key);
  // Any 12 digits decode to some number: only one inside the batch that encodes back to `id` is a row.
  if (row < batch.first || row >= batch.first + batch.count) return null;
  return compactId(batch, row) === id ? row : null;
}

/** The stream's wire form, built now (the caller may keep it). */
export function compactWire(
  batch: CompactBatch,
  row: number,
  fields: { createdMs: number; status: string; hasMeeting: boolean },
): WireLivestream {
  const { template } = batch;
  const createdAt = template.created_at ?? new Date(fields.createdMs).toISOString();
  const number = String(row - batch.first + 1).padStart(batch.nameWidth, '0');
  return {
    id: compactId(batch, row),
    // A template field that is present but undefined counts as null, as it did for one stream at a time.
    name: 'name' in template ? (template.name ?? null) : `Stream ${number}`,
    status: fields.status,
    disabled: template.disabled ?? false,
    ingest_server: template.ingest_server ?? INGEST_SERVER,
    stream_key: template.stream_key ?? derivedHex(batch.key, row, 1, 32),
    playback_url:
      template.playback_url ??
      `https://customer-emulator.cloudflarestream.com/${derivedHex(batch.key, row, 2, 16)}/manifest/video.m3u8`,
    meeting_id: 'meeting_id' in template ? (template.meeting_id ?? null) : meetingIdOf(batch, row, fields),
    created_at: createdAt,
    updated_at: template.updated_at ?? createdAt,
  };
}

function meetingIdOf(batch: CompactBatch, row: number, fields: { hasMeeting: boolean }): string | null {
  if (!fields.hasMeeting) return null;
  const h = derivedHex(batch.key, row, 3, 16);
  const variant = '89ab'[Number.parseInt(h[16]!, 16) & 3]!;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** `bytes` bytes of hex that depend only on (key, row, salt). */
function derivedHex(key: number, row: number, salt: number, bytes: number): string {
  let out = '';
  let state = mix(key ^ Math.imul(salt, 0x9e3779b9), row);
  for (let i = 0; i < bytes; i += 4) {
    state = mix(state, i + 1);
    out += state.toString(16).padStart(8, '0');
  }
  return out.slice(0, bytes * 2);
}

/** A 32-bit hash of two integers (the murmur3 finaliser over their combination). */
function mix(a: number, b: number): number {
  let h = (a ^ Math.imul(b, 0x85ebca6b)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const HALF_BITS = 24;
const HALF_MASK = (1 << HALF_BITS) - 1;
const HALF = 2 ** HALF_BITS;
const ROUNDS = 4;

/** A 48-bit Feistel permutation: four rounds over two 24-bit halves, keyed by the batch. */
function permute(value: number, key: number): number {
  let left = Math.floor(value / HALF) & HALF_MASK;
  let right = value & HALF_MASK;
  for (let round = 0; round < ROUNDS; round++) {
    [left, right] = [right, (left ^ mix(key + round, right)) & HALF_MASK];
  }
  return left * HALF + right;
}

function unpermute(value: number, key: number): number {
  let left = Math.floor(value / HALF) & HALF_MASK;
  let right = value & HALF_MASK;
  for (let round = ROUNDS - 1; round >= 0; round--) {
    [left, right] = [(right ^ mix(key + round, left)) & HALF_MASK, left];
  }
  return left * HALF + right;
}
