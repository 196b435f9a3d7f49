import { VaultDetails } from './schema.js';

/** The venue's REST base (`/info`). Here rather than in metaAndAssetCtxs.ts, which re-exports it, so that fill.ts can use this module without an import cycle. */
export const HYPERLIQUID_REST_URL = 'https://api.hyperliquid.xyz';

/**
 * HLP's liquidator sub-vaults, which take over positions in backstop liquidations. "Liquidator" is the
 * one Hyperliquid's community docs name; the others appear as HLP child vaults named Liquidator 2–4.
 * This is the built-in default (`venues.hyperliquid.liquidators` replaces it); with discovery on, the
 * list is read from the venue instead (`fetchHlpLiquidators`). Sources: docs/venues/hyperliquid.md.
 */
export const HLP_LIQUIDATORS: readonly string[] = [
  '0x2e3d94f0562703b25c83308a05046ddaf9a8dd14',
  '0xb0a55f13d22f66e6d495ac98113841b2326e9540',
  '0x5e177e5e39c0f4e421f5865a6d8beed8d921cb70',
  '0x2ed5c4484ea3ff8b57d5f2fb152a40d9f2b68308',
];

/** HLP, the parent vault whose `vaultDetails` lists its children (`relationship.data.childAddresses`). */
export const HLP_VAULT = '0xdfc24b077bc1425ad1dea75bcb6f8158e10df303';


export interface FetchLiquidatorsOptions {
  baseUrl?: string;
  fetchImpl?: typeof fetch;
  signal?: AbortSignal;
  /** The parent vault; default HLP. */
  parent?: string;
}

/**
 * The liquidator vaults as the venue lists them now: HLP's `childAddresses`, each child's own
 * `vaultDetails`, kept when its name says Liquidator. HLP's other children (its market-making strategies)
 * trade all day against ordinary accounts: counting their trades would turn market making into
 * liquidations, so a child is never taken on address alone. Throws on network, HTTP or format errors, or
 * when no child is a liquidator (the caller keeps its list).
 */
export async function fetchHlpLiquidators(o: FetchLiquidatorsOptions = {}): Promise<string[]> {
  const doFetch = o.fetchImpl ?? fetch;
  const url = `${(o.baseUrl ?? HYPERLIQUID_REST_URL).replace(/\/+$/, '')}/info`;
  const details = async (vaultAddress: string) => {
    const res = await doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'vaultDetails', vaultAddress }),
      signal: o.signal,
    });
    if (!res.ok) throw new Error(`vaultDetails ${vaultAddress}: HTTP ${res.status}`);
    const parsed = VaultDetails.safeParse(await res.json());
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`vaultDetails ${vaultAddress}: unexpected response: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`);
    }
    return parsed.data;
  };
  const parent = await details(o.parent ?? HLP_VAULT);
  const children = parent.relationship?.data?.childAddresses ?? [];
  const liquidators: string[] = [];
  for (const child of children) {
    const d = await details(child);
    if (/\bliquidator\b/i.test(d.name)) liquidators.push(child.toLowerCase());
  }
  if (liquidators.length === 0) throw new Error(`vaultDetails: none of ${children.length} children of ${o.parent ?? HLP_VAULT} is named Liquidator`);
  return liquidators.sort();
}
