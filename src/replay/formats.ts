/** Input formats of `liqstream replay`; apart from sources.ts so the CLI can list them without loading the readers. */
export const INPUT_FORMATS = ['recording', 'hyperliquid-node-fills', 'tardis-liquidations'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];
