/** Deterministic Binance USD-M all-market frames, shaped like the documented samples. */
export function binanceBenchFrames(n: number, seed = 42): string[] {
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const symbols = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT', 'DOGEUSDT', '1000PEPEUSDT', 'BNBUSDT', 'ADAUSDT'];
  const prices = [62000, 3100, 145, 0.52, 0.12, 0.0089, 580, 0.45];
  const out: string[] = [];
  let t = 1_760_130_000_000;
  for (let i = 0; i < n; i++) {
    const k = Math.floor(rand() * symbols.length);
    const price = (prices[k]! * (0.9 + rand() * 0.2)).toPrecision(6);
    const qty = (rand() * 10 + 0.001).toFixed(3);
    t += Math.floor(rand() * 5);
    const S = rand() < 0.8 ? 'SELL' : 'BUY';
    out.push(
      `{"stream":"!forceOrder@arr","data":{"e":"forceOrder","E":${t + 2},"o":{"s":"${symbols[k]}","S":"${S}","o":"LIMIT","f":"IOC","q":"${qty}","p":"${price}","ap":"${price}","X":"FILLED","l":"${qty}","z":"${qty}","T":${t}}}}`,
    );
  }
  return out;
}
