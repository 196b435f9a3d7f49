/**
 * The trader's live page: one self-contained document (no CDN, works offline). It reads
 * /api/totals once, then follows /api/stream (totals each second, liquidations batched four times a
 * second); the largest of the day come from /api/liquidations?sort=usd every 10 s. Rendering is
 * batched per animation frame, so a crash-day burst costs a few repaints a second.
 */
export const LIVE_PAGE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>liqstream — live liquidations</title>
<style>
:root { color-scheme: dark; --bg:#0f1115; --panel:#171a21; --line:#2a2f3a; --text:#e6e6e6; --dim:#8b93a1; --long:#ef5350; --short:#26a69a; --warn:#ffb300; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, sans-serif; background: var(--bg); color: var(--text); }
header { display: flex; gap: 16px; align-items: baseline; padding: 10px 16px; border-bottom: 1px solid var(--line); flex-wrap: wrap; }
header h1 { font-size: 16px; margin: 0; }
.dim { color: var(--dim); }
#banner { display: none; padding: 10px 16px; background: #5c1a1a; border-bottom: 1px solid var(--long); font-weight: 600; }
main { display: grid; grid-template-columns: minmax(420px, 1.2fr) minmax(360px, 1fr); gap: 12px; padding: 12px 16px; }
section { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; overflow: auto; }
h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: var(--dim); margin: 0 0 8px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 3px 6px; text-align: right; white-space: nowrap; border-bottom: 1px solid var(--line); }
th:first-child, td:first-child { text-align: left; }
th { color: var(--dim); font-weight: 500; }
.long { color: var(--long); } .short { color: var(--short); }
.badge { display: inline-block; font-size: 11px; padding: 0 5px; border: 1px solid var(--warn); color: var(--warn); border-radius: 3px; margin-left: 4px; }
.bar { height: 8px; background: var(--short); border-radius: 4px; overflow: hidden; margin-top: 6px; }
.bar > div { height: 100%; background: var(--long); }
#tape { max-height: 420px; }
.ok { color: var(--short); } .bad { color: var(--long); }
input { width: 110px; background: var(--bg); color: var(--text); border: 1px solid var(--line); border-radius: 4px; padding: 2px 6px; }
@media (max-width: 900px) { main { grid-template-columns: 1fr; } }
</style></head>
<body>
<header><h1>liqstream</h1><span id="asof" class="dim">connecting…</span><span id="status" class="dim"></span><span id="lag" class="dim"></span></header>
<div id="banner" role="alert"></div>
<main>
  <section><h2>Liquidated USD by venue (event-time windows, UTC)</h2>
    <table id="totals"><thead><tr><th>venue</th><th>1m</th><th>5m</th><th>1h</th><th>24h</th><th>long / short (24h)</th></tr></thead><tbody></tbody></table>
    <div id="share" class="dim" style="margin-top:8px"></div><div class="bar"><div id="sharebar" style="width:50%"></div></div>
    <p class="dim" style="margin:8px 0 0"><span class="badge">≥</span> lower bound: the source is sampled or partial. <span class="badge">≈</span> estimate: inferred from indirect evidence, may over- or under-count.</p>
    <p id="coverage" class="dim" style="margin:8px 0 0"></p>
  </section>
  <section><h2>Open interest</h2><table id="oi"><thead><tr><th>venue</th><th>USD</th><th>1 h change</th><th>age</th></tr></thead><tbody></tbody></table>
    <h2 style="margin-top:14px">Top symbols by liquidated USD</h2>
    <table id="symbols"><thead><tr><th>venue</th><th>symbol</th><th>1h</th><th>24h</th></tr></thead><tbody></tbody></table>
    <h2 style="margin-top:14px">Largest liquidations, last 24 h</h2>
    <table id="largest"><thead><tr><th>time (UTC)</th><th>venue</th><th>symbol</th><th>side</th><th>USD</th></tr></thead><tbody></tbody></table></section>
  <section id="defi" style="grid-column: 1 / -1; display: none"><h2>DeFi: on-chain lending liquidations, collateral seized (apart from the perps above)</h2>
    <table id="defitotals"><thead><tr><th>protocol</th><th>chain</th><th>1m</th><th>5m</th><th>1h</th><th>24h</th><th>since start</th><th>debt repaid</th></tr></thead><tbody></tbody></table>
    <p id="defiretracted" class="dim" style="margin:8px 0 0"></p></section>
  <section style="grid-column: 1 / -1"><h2>Tape <label class="dim" style="text-transform:none;letter-spacing:0">min USD <input id="minusd" type="number" min="0" step="1000" value="0"></label></h2>
    <div id="tape"><table><thead><tr><th>time (UTC)</th><th>venue</th><th>symbol</th><th>side</th><th>price</th><th>USD</th></tr></thead><tbody id="tapebody"></tbody></table></div></section>
</main>
<script>
"use strict";
const WINDOWS = ["1m", "5m", "1h", "24h"];
const TAPE_ROWS = 200;
const state = { totals: null, tape: [], largest: [], minUsd: 0, dirty: false, fresh: [], lags: [], received: 0 };
const usd = (n) => { const a = Math.abs(n); return a >= 1e9 ? "$" + (n / 1e9).toFixed(2) + "B" : a >= 1e6 ? "$" + (n / 1e6).toFixed(2) + "M" : a >= 1e3 ? "$" + (n / 1e3).toFixed(1) + "k" : "$" + n.toFixed(0); };
const time = (ms) => new Date(ms).toISOString().slice(11, 19);
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => "&#" + c.charCodeAt(0) + ";");
// ≥ a lower bound; ≈ an estimate (inferred liquidations, or a sum with some in it): not the same claim.
const badge = (lb, fidelity) => (!lb ? "" : fidelity === "inferred" ? '<span class="badge" title="estimate">≈</span>' : '<span class="badge" title="lower bound">≥</span>');
function row(e) { return "<tr><td>" + time(e.eventTime) + "</td><td>" + esc(e.venue) + "</td><td>" + esc(e.symbol) + '</td><td class="' + e.side + '">' + e.side + "</td><td>" + (e.price === undefined ? "" : e.price.toPrecision(6)) + "</td><td>" + usd(e.notionalUsd) + "</td></tr>"; }
function render() {
  state.dirty = false;
  // Lag: from the connector receiving the frame to this repaint (clocks of one machine, or synced ones).
  const now = Date.now();
  for (const e of state.fresh) state.lags.push(now - e.receiveTime);
  state.fresh = [];
  if (state.lags.length > 4000) state.lags = state.lags.slice(-2000);
  if (state.lags.length > 0) {
    const sorted = state.lags.slice().sort((a, b) => a - b);
    const p = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    document.body.dataset.lagP50 = String(p(0.5));
    document.body.dataset.lagP99 = String(p(0.99));
    document.getElementById("lag").textContent = "screen lag p50 " + p(0.5) + " ms";
  }
  document.body.dataset.received = String(state.received);
  const t = state.totals;
  if (t) {
    document.getElementById("asof").textContent = t.asOf ? "as of " + new Date(t.asOf).toISOString().replace("T", " ").slice(0, 19) + " UTC (newest event)" : "no events yet";
    const venues = Object.keys(t.byVenue).sort();
    let body = "";
    let long = 0, short = 0;
    for (const v of venues) {
      const b = t.byVenue[v];
      long += b.longUsd; short += b.shortUsd;
      body += '<tr data-venue="' + esc(v) + '"><td>' + esc(v) + badge(b.lowerBound, b.fidelity) + "</td>" + WINDOWS.map((w) => { const x = t.windows[w].byVenue[v]; return '<td data-window="' + w + '" data-usd="' + (x ? x.longUsd + x.shortUsd : 0) + '">' + usd(x ? x.longUsd + x.shortUsd : 0) + "</td>"; }).join("") + '<td><span class="long">' + usd(t.windows["24h"].byVenue[v].longUsd) + '</span> / <span class="short">' + usd(t.windows["24h"].byVenue[v].shortUsd) + "</span></td></tr>";
    }
    const estimate = venues.some((v) => t.byVenue[v].lowerBound && t.byVenue[v].fidelity === "inferred");
    body += '<tr data-venue="all"><td><b>all venues</b>' + badge(t.lowerBound, estimate ? "inferred" : undefined) + "</td>" + WINDOWS.map((w) => '<td data-window="' + w + '" data-usd="' + t.windows[w].usd + '"><b>' + usd(t.windows[w].usd) + "</b></td>").join("") + "<td></td></tr>";
    document.querySelector("#totals tbody").innerHTML = body;
    const total = long + short;
    document.getElementById("share").textContent = total > 0 ? "since start: longs " + ((100 * long) / total).toFixed(1) + "% · shorts " + ((100 * short) / total).toFixed(1) + "% of " + usd(total) + (t.lowerBound ? (estimate ? " (≈ estimate)" : " (lower bound)") : "") : "";
    document.getElementById("sharebar").style.width = total > 0 ? ((100 * long) / total).toFixed(1) + "%" : "50%";
    document.querySelector("#oi tbody").innerHTML = Object.entries(t.openInterest).sort().map(([v, o]) => "<tr><td>" + esc(v) + "</td><td>" + usd(o.usd) + '</td><td class="' + (o.change1h === null ? "" : o.change1h < 0 ? "long" : "short") + '">' + (o.change1h === null ? "–" : (o.change1h >= 0 ? "+" : "") + (100 * o.change1h).toFixed(1) + "%") + "</td><td>" + o.ageSeconds.toFixed(0) + " s</td></tr>").join("");
    document.querySelector("#symbols tbody").innerHTML = t.topSymbols.map((x) => "<tr><td>" + esc(x.venue) + "</td><td>" + esc(x.symbol) + "</td><td>" + usd(x.windows["1h"]) + "</td><td>" + usd(x.windows["24h"]) + "</td></tr>").join("");
    const s = t.status || {};
    const venuesUp = s.venues ? Object.entries(s.venues).map(([v, up]) => '<span class="' + (up ? "ok" : "bad") + '">' + esc(v) + "</span>").join(" ") : "";
    renderDefi(t.defi);
    document.getElementById("status").innerHTML = venuesUp + (s.busUp === false ? ' <span class="bad">bus down: spilling</span>' : "") + (t.gaps ? " · gaps " + t.gaps : "");
  }
  const rows = state.tape.filter((e) => e.notionalUsd >= state.minUsd).slice(0, TAPE_ROWS);
  document.getElementById("tapebody").innerHTML = rows.map(row).join("");
  document.querySelector("#largest tbody").innerHTML = state.largest.slice(0, 15).map((e) => "<tr><td>" + time(e.eventTime) + "</td><td>" + esc(e.venue) + "</td><td>" + esc(e.symbol) + '</td><td class="' + e.side + '">' + e.side + "</td><td>" + usd(e.notionalUsd) + "</td></tr>").join("");
}
// The DeFi panel (issue 20): lending protocols by chain, net of retractions; shown only when /api/totals has a defi block.
function renderDefi(d) {
  document.getElementById("defi").style.display = d ? "" : "none";
  if (!d) return;
  const cell = (usdValue, w, bold) => "<td" + (w ? ' data-window="' + w + '"' : "") + ' data-usd="' + usdValue + '">' + (bold ? "<b>" + usd(usdValue) + "</b>" : usd(usdValue)) + "</td>";
  let body = "";
  for (const [p, x] of Object.entries(d.byProtocol))
    for (const [c, y] of Object.entries(x.byChain))
      body += '<tr data-protocol="' + esc(p) + '" data-chain="' + esc(c) + '"><td>' + esc(p) + "</td><td>" + esc(c) + "</td>" + WINDOWS.map((w) => cell(((d.windows[w].byProtocol[p] || {})[c]) || 0, w)).join("") + cell(y.usd) + cell(y.debtUsd) + "</tr>";
  body += '<tr data-protocol="all"><td><b>all protocols</b></td><td></td>' + WINDOWS.map((w) => cell(d.windows[w].usd, w, true)).join("") + cell(d.usd, "", true) + cell(d.debtUsd, "", true) + "</tr>";
  document.querySelector("#defitotals tbody").innerHTML = body;
  document.getElementById("defiretracted").textContent = d.retracted.count ? d.retracted.count + " liquidations (" + usd(d.retracted.usd) + ") taken back after chain reorganisations; figures are net of them" : "";
}
function schedule() { if (!state.dirty) { state.dirty = true; requestAnimationFrame(render); } }
function showCascade(signal) {
  const el = document.getElementById("banner");
  if (signal.phase === "end") { el.style.display = "none"; return; }
  el.style.display = "block";
  el.textContent = "Liquidation cascade since " + time(signal.start) + " UTC: " + usd(signal.totalUsd) + " liquidated so far" + ", worst minute " + time(signal.peakMinute) + " (" + usd(signal.peakMinuteUsd) + "), longs " + (100 * signal.longShare).toFixed(0) + "%" + (signal.oiDrawdownPct !== null ? ", open interest −" + signal.oiDrawdownPct.toFixed(1) + "%" : "") + (signal.ledBy ? ", led by " + signal.ledBy : "");
}
async function loadLargest() {
  try { const r = await fetch("/api/liquidations?sort=usd&limit=50"); state.largest = (await r.json()).liquidations; schedule(); } catch {}
}
function connect() {
  const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/stream");
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    if (msg.type === "totals") state.totals = msg.totals;
    else if (msg.type === "liquidations") { state.received += msg.events.length; state.fresh.push(...msg.events); state.tape = msg.events.slice().reverse().concat(state.tape).slice(0, 2000); }
    else if (msg.type === "cascade") showCascade(msg.signal);
    schedule();
  };
  ws.onclose = () => { document.getElementById("asof").textContent = "disconnected; retrying…"; setTimeout(connect, 2000); };
}
document.getElementById("minusd").addEventListener("input", (e) => { state.minUsd = Number(e.target.value) || 0; schedule(); });
fetch("/api/venues").then((r) => r.json()).then((v) => { document.getElementById("coverage").innerHTML = "Venues: " + v.venues.map((x) => '<span title="' + esc(x.name) + '">' + esc(x.id) + badge(x.lowerBound, x.fidelity) + "</span>").join(", ") + ". " + esc(v.summary) + "."; }).catch(() => {});
fetch("/api/cascades").then((r) => r.json()).then((c) => { const last = c.cascades[c.cascades.length - 1]; if (last) showCascade(last); }).catch(() => {});
fetch("/api/liquidations?limit=200").then((r) => r.json()).then((l) => { state.tape = l.liquidations; schedule(); }).catch(() => {});
loadLargest(); setInterval(loadLargest, 10000);
connect();
</script></body></html>
`;
