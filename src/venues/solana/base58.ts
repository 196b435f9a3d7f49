/**
 * Base58 (Bitcoin's alphabet), as Solana spells public keys, signatures and the data of instructions a node cannot
 * parse. Pure; a string with a character outside the alphabet, or longer than MAX_BASE58_CHARS, decodes to
 * undefined (never throws).
 */
const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
/** Character code → digit, -1 outside the alphabet (a table: every account key of every transaction is decoded). */
const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DIGIT[ALPHABET.charCodeAt(i)] = i;

/** Far above an instruction's data (a transaction is at most 1,232 bytes): longer text is refused before any work. */
export const MAX_BASE58_CHARS = 4_096;

/** A 32-byte public key (32–44 characters) or a 64-byte signature (64–88): the shape only, not the length in bytes. */
export const BASE58 = /^[1-9A-HJ-NP-Za-km-z]+$/;

/** Bytes per base58 character, rounded up: log(58) / log(256) = 0.7322… */
const BYTES_PER_CHAR = 0.7323;

/** 58¹, 58², 58³: three digits are read at once (255 × 58³ plus a carry stays below 2²⁶, safe for bit operations). */
const POWERS = [1, 58, 58 * 58, 58 * 58 * 58];

export function base58Decode(text: string): Uint8Array | undefined {
  if (text.length > MAX_BASE58_CHARS) return undefined;
  // Little-endian base-256 digits, multiplied by 58³ and added to per three characters (quadratic, fine at these
  // sizes), in one buffer sized for the longest value `text` can spell.
  const bytes = new Uint8Array(Math.ceil(text.length * BYTES_PER_CHAR) + 1);
  let used = 0;
  for (let k = 0; k < text.length; ) {
    let carry = 0;
    let n = 0;
    for (; n < 3 && k < text.length; n++, k++) {
      const code = text.charCodeAt(k);
      const digit = code < 128 ? DIGIT[code]! : -1;
      if (digit < 0) return undefined;
      carry = carry * 58 + digit;
    }
    const times = POWERS[n]!;
    for (let i = 0; i < used; i++) {
      carry += bytes[i]! * times;
      bytes[i] = carry & 0xff;
      carry >>= 8;
    }
    while (carry > 0) {
      bytes[used++] = carry & 0xff;
      carry >>= 8;
    }
  }
  // Each leading '1' is a leading zero byte.
  let zeros = 0;
  while (zeros < text.length && text.charCodeAt(zeros) === 49) zeros++;
  const out = new Uint8Array(zeros + used);
  for (let i = 0; i < used; i++) out[zeros + i] = bytes[used - 1 - i]!;
  return out;
}

export function base58Encode(bytes: Uint8Array): string {
  const digits: number[] = [];
  for (const byte of bytes) {
    let carry = byte;
    for (let i = 0; i < digits.length; i++) {
      carry += digits[i]! << 8;
      digits[i] = carry % 58;
      carry = (carry / 58) | 0;
    }
    while (carry > 0) {
      digits.push(carry % 58);
      carry = (carry / 58) | 0;
    }
  }
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  return '1'.repeat(zeros) + digits.reverse().map((d) => ALPHABET[d]).join('');
}

/** A 32-byte Solana address (public key), checked by decoding. */
export function isAddress(text: unknown): text is string {
  return typeof text === 'string' && text.length >= 32 && text.length <= 44 && base58Decode(text)?.length === 32;
}

/** A 64-byte transaction signature. */
export function isSignature(text: unknown): text is string {
  return typeof text === 'string' && text.length >= 64 && text.length <= 88 && base58Decode(text)?.length === 64;
}
