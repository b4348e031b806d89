// The live page's entry (a module: no build step, served as written from the binary): polls
// /api/v1/meters and draws each meter with plain DOM and SVG (render.js, charts.js).
import { el } from './dom.js';
import { num } from './format.js';
import { cardBody } from './render.js';

const POLL_MS = 2500;      // live values
const HISTORY_MS = 30000;  // charts: two-minute points, so every 30 s is plenty
const main = document.getElementById('meters');
const conn = document.getElementById('conn');
const cards = new Map();
const history = {};
let data = null, historyAt = 0, offline = false;
const chartWidth = () => Math.max(280, Math.min(1140, main.clientWidth - 34));

function render() {
  if (!data) return;
  const seen = new Set();
  for (const m of data.meters) {
    seen.add(m.name);
    let card = cards.get(m.name);
    if (!card) {
      card = el('section', 'card');
      card.dataset.meter = m.name;
      cards.set(m.name, card);
    }
    main.append(card);
    card.className = 'card is-' + m.state + (m.overload ? ' overload' : '') + (offline ? ' stale' : '');
    card.replaceChildren(...cardBody(m, history[m.name], data.now_unix_seconds, data.today_start_unix_seconds, chartWidth()));
  }
  for (const [name, card] of cards) {
    if (!seen.has(name)) { card.remove(); cards.delete(name); }
  }
  const first = data.meters.find(m => m.up);
  document.title = (first ? num(first.apparent_power_va) + ' VA · ' + first.name + ' — ' : '') + 'Electricity meter';
}

async function tick() {
  if (!document.hidden) {
    const full = Date.now() - historyAt > HISTORY_MS;
    try {
      const r = await fetch('/api/v1/meters' + (full ? '' : '?history=false'), { cache: 'no-store' });
      if (!r.ok) throw new Error('HTTP ' + r.status);
      const d = await r.json();
      if (full) {
        historyAt = Date.now();
        for (const m of d.meters) history[m.name] = m.history;
      }
      data = d;
      offline = false;
      conn.className = 'conn ok';
      conn.textContent = 'updated ' + new Date().toLocaleTimeString();
    } catch (e) {
      offline = true;
      conn.className = 'conn bad';
      conn.textContent = 'exporter unreachable, retrying';
    }
    render();
  }
  setTimeout(tick, POLL_MS);
}
document.addEventListener('visibilitychange', () => { if (!document.hidden) render(); });
addEventListener('resize', render);
tick();
