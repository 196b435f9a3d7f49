/**
 * Base58 (Bitcoin's alphabet), as Solana spells public keys, signatures and the data of instructions a node cannot
 * parse. Pure; a string with a character outside the alphabet, or longer than MAX_BASE58_CHARS, decodes to
 * undefined (never throws).
 */
const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const INDEX = new Map([...ALPHABET].map((c, i) => [c, i]));

/** Far above an instruction's data (a transaction is at most 1,232 bytes): longer text is refused before any work. */
export const MAX_BASE58_CHARS = 4_096;

/** A 32-byte public key (32–44 characters) or a 64-byte signature (64–88): the shape only, not the length in bytes. */
export const BASE58 = /^[1-9A-HJ-NP-Za-km-z]+$/;

export function base58Decode(text: string): Uint8Array | undefined {
  if (text.length > MAX_BASE58_CHARS) return undefined;
  // Little-endian base-256 digits, multiplied by 58 and added to per character (quadratic, fine at these sizes).
  const bytes: number[] = [];
  for (const c of text) {
    let carry = INDEX.get(c);
    if (carry === undefined) return undefined;
    for (let i = 0; i < bytes.length; i++) {
      carry += bytes[i]! * 58;
      bytes[i] = carry & 0xff;
      carry >>= 8;
    }
    while (carry > 0) {
      bytes.push(carry & 0xff);
      carry >>= 8;
    }
  }
  // Each leading '1' is a leading zero byte.
  let zeros = 0;
  while (zeros < text.length && text[zeros] === '1') zeros++;
  return Uint8Array.from([...new Array<number>(zeros).fill(0), ...bytes.reverse()]);
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
