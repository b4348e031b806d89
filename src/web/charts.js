// The live page's charts: inline SVG, sized to the page (`W`, pixels) so that text stays at
// its real size.
import { el, svg } from './dom.js';
import { fmtEnergy, fmtPower, hhmm, pad } from './format.js';
import { coarsen, coarsenFactor, niceScale, steps } from './scale.js';

const H = 170, PL = 46, PR = 10, PT = 10, PB = 22;

function plot(x0, x1, sc, fmtY, label, W) {
  const X = t => +(PL + (t - x0) / (x1 - x0) * (W - PL - PR)).toFixed(1);
  const Y = v => +(PT + (sc.hi - v) / (sc.hi - sc.lo) * (H - PT - PB)).toFixed(1);
  const s = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'plot', role: 'img', 'aria-label': label });
  const g = svg('g', { class: 'axes' });
  for (let v = sc.lo; v <= sc.hi + 1e-9; v += sc.step) {
    g.append(svg('line', { x1: PL, x2: W - PR, y1: Y(v), y2: Y(v), class: v === 0 ? 'zero' : '' }),
      svg('text', { x: PL - 6, y: Y(v) + 4, 'text-anchor': 'end' }, fmtY(v)));
  }
  const every = W < 520 ? 12 : 6;
  for (let t = Math.ceil(x0 / 3600) * 3600; t <= x1; t += 3600) {
    const d = new Date(t * 1000), hr = d.getHours();
    if (hr % every) continue;
    g.append(svg('line', { x1: X(t), x2: X(t), y1: PT, y2: H - PB, class: hr ? 'tick' : 'midnight' }),
      svg('text', { x: X(t), y: H - 6, 'text-anchor': 'middle' },
        hr ? pad(hr) + ':00' : d.toLocaleDateString([], { weekday: 'short' })));
  }
  s.append(g);
  return { s, X, Y, W };
}

export function powerChart(m, p0, now, W) {
  const k = coarsenFactor(p0.avg_va.length, W - PL - PR);
  const pad = (p0.start_unix_seconds / p0.step_seconds) % k;
  const padded = a => a && coarsen(Array(pad).fill(null).concat(a), k, a === p0.max_va);
  const p = { avg_va: padded(p0.avg_va), max_va: padded(p0.max_va), injected_avg_va: padded(p0.injected_avg_va) };
  const step = p0.step_seconds * k, x0 = p0.start_unix_seconds - pad * p0.step_seconds;
  const x1 = p0.start_unix_seconds + p0.avg_va.length * p0.step_seconds;
  const inj = p.injected_avg_va;
  const top = Math.max(500, m.apparent_power_va || 0, ...p.max_va.map(v => v || 0));
  const bottom = inj ? -Math.max(0, m.injected_power_va || 0, ...inj.map(v => v || 0)) : 0;
  const c = plot(x0, x1, niceScale(bottom, top), fmtPower, 'apparent power over the last 24 hours, VA', W);
  c.s.append(svg('path', { d: steps(p.max_va, x0, step, c.X, c.Y, true), class: 'max' }),
    svg('path', { d: steps(p.avg_va, x0, step, c.X, c.Y, false), class: 'avg' }));
  if (inj) c.s.append(svg('path', { d: steps(inj.map(v => v == null ? null : -v), x0, step, c.X, c.Y, false), class: 'inj' }));
  if (m.apparent_power_va != null && now <= x1 + 60) {
    c.s.append(svg('circle', { cx: c.X(Math.min(now, x1)), cy: c.Y(m.apparent_power_va), r: 4, class: 'live' }));
  }
  if (!p.avg_va.some(v => v != null)) c.s.append(svg('text', { x: c.W / 2, y: H / 2, 'text-anchor': 'middle', class: 'empty' }, 'a point every two minutes appears here'));
  return c.s;
}

// `today` is the API's today_start_unix_seconds: French midnight, the meter's day, which
// is not the browser's midnight when the browser is in another time zone.
export function energyChart(m, e, today, W) {
  const x0 = e.start_unix_seconds, step = e.step_seconds, n = e.drawn_wh.length, x1 = x0 + n * step;
  const inj = e.injected_wh;
  const top = Math.max(100, ...e.drawn_wh.map(v => v || 0));
  const bottom = inj ? -Math.max(0, ...inj.map(v => v || 0)) : 0;
  const c = plot(x0, x1, niceScale(bottom, top), fmtEnergy, 'energy per hour over the last 48 hours, Wh', W);
  const bar = (i, v, cls) => {
    const t = x0 + i * step, a = c.X(t) + 1, w = Math.max(1, c.X(t + step) - c.X(t) - 2);
    const y0 = c.Y(0), y1 = c.Y(v);
    const r = svg('rect', { x: a, width: w, y: Math.min(y0, y1), height: Math.max(0.5, Math.abs(y1 - y0)), class: cls + (t >= today ? ' today' : '') });
    r.append(svg('title', {}, hhmm(t) + '–' + hhmm(t + step) + ': ' + fmtEnergy(Math.abs(v)) + (v < 0 ? ' injected' : '')));
    return r;
  };
  e.drawn_wh.forEach((v, i) => { if (v != null) c.s.append(bar(i, v, 'bar')); });
  if (inj) inj.forEach((v, i) => { if (v) c.s.append(bar(i, -v, 'bar inj')); });
  if (!e.drawn_wh.some(v => v != null)) c.s.append(svg('text', { x: c.W / 2, y: H / 2, 'text-anchor': 'middle', class: 'empty' }, 'a bar per hour appears here'));
  return c.s;
}

export const figure = (title, chart, keys) => el('figure', 'chart',
  el('figcaption', null, title, ...keys.map(([cls, text]) => el('span', 'key ' + cls, text))), chart);
