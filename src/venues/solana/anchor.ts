import { createHash } from 'node:crypto';

/**
 * An Anchor program's 8-byte discriminators: an instruction's is sha256("global:<snake_case name>")[0..8], an
 * account's sha256("account:<TypeName>")[0..8]. Hex, as the parser compares them.
 */
export const instructionDiscriminator = (name: string): string => createHash('sha256').update(`global:${name}`).digest().subarray(0, 8).toString('hex');
export const accountDiscriminator = (type: string): string => createHash('sha256').update(`account:${type}`).digest().subarray(0, 8).toString('hex');
