/**
 * The test PNG reader's own CRC-32 (png.ts): node:zlib's crc32 came only in Node 20.15, and
 * package.json allows Node 20.9, so the reader must not depend on it.
 */
import { expect, it } from 'vitest';
import { crc32 } from './png.js';

it('CRC-32 gives the standard check value and the CRC every PNG ends with (IEND)', () => {
  expect(crc32(Buffer.from('123456789', 'latin1'))).toBe(0xcbf43926);
  expect(crc32(new Uint8Array())).toBe(0);
  expect(crc32(Buffer.from('IEND', 'latin1'))).toBe(0xae426082);
});
