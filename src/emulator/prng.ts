/**
 * A seeded pseudo-random generator. The emulator takes every id, key and simulated event from one of
 * these (never from Math.random or crypto) so that a run replays exactly from its seed.
 */
export interface Prng {
  /** A float in [0, 1). */
  next(): number;
  /** An unsigned 32-bit integer. */
  uint32(): number;
  /** An integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
  pick<T>(items: readonly T[]): T;
  /** `bytes` random bytes as lowercase hex. */
  hex(bytes: number): string;
  /** A version 4 UUID built from this generator's bytes. */
  uuid(): string;
}

/**
 * Scratch space for hex(): seeding 50,000 streams makes hundreds of thousands of ids, and one flat
 * Buffer.toString beats concatenating (and later flattening and collecting) a string per byte.
 */
const SCRATCH = Buffer.alloc(64);

/** Mulberry32: tiny, fast and well distributed enough for a simulation (not for secrets). */
export function createPrng(seed: number): Prng {
  let state = seed >>> 0;
  const uint32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const next = (): number => uint32() / 4_294_967_296;
  const int = (maxExclusive: number): number => Math.floor(next() * maxExclusive);
  const hex = (bytes: number): string => {
    const buffer = bytes <= SCRATCH.length ? SCRATCH : Buffer.alloc(bytes);
    for (let i = 0; i < bytes; i += 4) {
      const word = uint32();
      for (let j = 0; j < 4 && i + j < bytes; j++) buffer[i + j] = (word >>> (j * 8)) & 0xff;
    }
    return buffer.toString('hex', 0, bytes);
  };
  const uuid = (): string => {
    const h = hex(16);
    // Version nibble 4 and variant bits 10xx, as RFC 9562 asks, so strict UUID checks accept it.
    const variant = ((Number.parseInt(h[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  };
  const pick = <T>(items: readonly T[]): T => {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[int(items.length)] as T;
  };
  return { next, uint32, int, pick, hex, uuid };
}

/** A seed for callers that did not give one: varied between runs, which is what a demo wants. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 4_294_967_296) >>> 0;
}
