// The live page: polls /api/v1/meters and draws each meter with plain DOM and SVG.
// No framework and no build step: this file is served as written, from the binary.
'use strict';
(() => {
  const POLL_MS = 2500;      // live values
  const HISTORY_MS = 30000;  // charts: two-minute points, so every 30 s is plenty
  const SVG = 'http://www.w3.org/2000/svg';
  const main = document.getElementById('meters');
  const conn = document.getElementById('conn');
  const cards = new Map();
  const history = {};
  let data = null, historyAt = 0, offline = false;

  // ---- small helpers ----
  function el(tag, cls, ...kids) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    for (const k of kids) if (k != null && k !== false) e.append(k);
    return e;
  }
  function svg(tag, attrs, ...kids) {
    const e = document.createElementNS(SVG, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    for (const k of kids) if (k != null) e.append(k);
    return e;
  }
  const num = n => n == null ? '–' : String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');
  const kwh = wh => wh == null ? '–' : (wh / 1000).toFixed(wh < 100000 ? 2 : 1);
  const pad = n => String(n).padStart(2, '0');
  const hhmm = t => { const d = new Date(t * 1000); return pad(d.getHours()) + ':' + pad(d.getMinutes()); };
  function ago(s) {
    if (s == null) return 'never';
    if (s < 2) return 'just now';
    if (s < 90) return Math.round(s) + ' s ago';
    if (s < 5400) return Math.round(s / 60) + ' min ago';
    if (s < 172800) return Math.floor(s / 3600) + ' h ' + Math.round(s % 3600 / 60) + ' min ago';
    return Math.round(s / 86400) + ' days ago';
  }

  // ---- French tariff words, explained ----
  const PERIODS = {
    BASE: ['Base', 'single price'],
    HCHC: ['HC', 'off-peak hours'],
    HCHP: ['HP', 'peak hours'],
    EJPHN: ['EJP normal', 'normal hours'],
    EJPHPM: ['EJP peak', 'mobile peak hours: expensive'],
  };
  const COLOURS = { B: 'blue', W: 'white', R: 'red' };
  // [short name, explanation, Tempo colour or null]
  function describe(period, name) {
    if (PERIODS[period]) return [...PERIODS[period], null];
    const t = /^BBRH([CP])J([BWR])$/.exec(period || '');
    if (t) {
      const c = COLOURS[t[2]];
      return ['H' + t[1] + ' ' + c, (t[1] === 'C' ? 'off-peak' : 'peak') + ', ' + c + ' day', c];
    }
    // Standard mode: the supplier's own words (LTARF), explained when recognised.
    const n = (name || '').toUpperCase();
    let what = /CREUSE|\bHC\b/.test(n) ? 'off-peak hours'
      : /PLEINE|\bHP\b/.test(n) ? 'peak hours'
        : /BASE/.test(n) ? 'single price'
          : /NON CONSO/.test(n) ? 'production-only meter' : '';
    const c = /BLEU/.test(n) ? 'blue' : /BLANC/.test(n) ? 'white' : /ROUGE/.test(n) ? 'red' : null;
    if (c) what = (what ? what.replace(' hours', '') + ', ' : 'Tempo ') + c + ' day';
    return [name || period, what || 'supplier index ' + String(period).replace('EASF', ''), c];
  }
  function chip(text, colour) {
    const c = el('span', 'chip' + (colour ? ' ' + colour : ''), text);
    c.title = text;
    return c;
  }

  // ---- panels ----
  function head(m) {
    const sub = [m.source, m.mode && m.mode + ' mode', m.mode && (m.three_phase ? 'three-phase' : 'single-phase'),
      m.producer && 'producer', m.serial && 'meter ' + m.serial].filter(Boolean).join(' · ');
    const badge = { up: 'live', down: 'down', waiting: 'waiting' }[m.state] || m.state;
    return el('header', 'card-head', el('h2', null, m.name), el('span', 'badge ' + m.state, badge), el('p', 'sub', sub));
  }

  function waiting(m) {
    const h = m.health;
    const hint = !m.source_open
      ? 'The source cannot be opened yet (device missing, permissions, or TCP peer down). It is retried every few seconds.'
      : h.bytes_total > 0
        ? num(h.bytes_total) + ' bytes received but no frame yet: check the speed (1200 or 9600 Bd) and the wiring.'
        : 'The source is open; nothing received yet.';
    return el('div', 'wait-box', el('div', 'spinner'),
      el('p', 'wait-title', 'Waiting for the first frame on ', el('code', null, m.source), '…'),
      el('p', 'small', hint));
  }

  // A phase in overload, in the API's terms: ADPS/ADIRn is the current itself, and the
  // excess over the subscription comes from the API (null when the subscription is unknown).
  function overText(m, ph) {
    const cur = ph.overload_current_amperes + ' A, ';
    return ph.overload_excess_amperes == null ? cur + 'above the subscription'
      : cur + ph.overload_excess_amperes + ' A over the ' + m.subscribed_current_amperes + ' A subscription';
  }

  function powerPanel(m) {
    const v = el('span', 'power-value', num(m.apparent_power_va));
    v.dataset.testid = 'power';
    const p = el('div', 'panel power', el('h3', null, 'Apparent power now'), el('div', 'big', v, el('span', 'unit', ' VA')));
    const limit = m.subscribed_power_va;
    if (limit && m.apparent_power_va != null) {
      const pct = m.apparent_power_va / limit * 100;
      const fill = el('i', pct >= 90 ? 'hot' : null);
      fill.style.width = Math.min(100, pct).toFixed(1) + '%';
      p.append(el('div', 'meterbar', fill), el('p', 'small', Math.round(pct) + ' % of the ' + limit / 1000 + ' kVA subscribed'));
    }
    return p;
  }

  function tariffPanel(m) {
    const t = m.tariff;
    const p = el('div', 'panel', el('h3', null, 'Tariff now'));
    if (t.period) {
      const [short, what, colour] = describe(t.period, t.period_name);
      p.append(el('div', 'period', chip(short, colour), el('span', null, what)));
    } else p.append(el('p', 'small', 'not sent by the meter'));
    const opt = [t.calendar, t.option && 'option ' + t.option].filter(Boolean).join(' · ');
    if (opt) p.append(el('p', 'small', opt));
    if (m.tempo) {
      const day = c => el('span', 'tc ' + c, c === 'unknown' ? 'not known yet' : c);
      p.append(el('div', 'tempo', el('span', null, 'Tempo today'), day(m.tempo.today),
        el('span', null, 'tomorrow'), day(m.tempo.tomorrow)));
    }
    const mp = m.mobile_peak;
    if (mp && (mp.notice || mp.active)) {
      p.append(el('p', 'warn', mp.active ? 'Mobile peak now (PM' + mp.active + ')' : 'Mobile peak announced (PM' + mp.notice + ')'));
    }
    return p;
  }

  function todayPanel(m) {
    const since = m.today_since_unix_seconds;
    const p = el('div', 'panel', el('h3', null, 'Energy today'),
      el('div', 'big', el('span', 'today-value', kwh(m.energy_today_wh)), el('span', 'unit', ' kWh')),
      el('p', 'small', since == null ? 'nothing read yet today' : 'since ' + hhmm(since)));
    const periods = m.tariff.periods.filter(x => x.active || x.index_wh > 0);
    if (periods.length > 1 || (periods.length === 1 && periods[0].period !== 'BASE')) {
      const tbl = el('table', 'periods');
      for (const x of periods) {
        const [short, what, colour] = describe(x.period, x.name);
        const row = el('tr', x.active ? 'active' : null,
          el('td', null, chip(short, colour), el('span', 'what', what)),
          el('td', 'num', kwh(x.today_wh), el('span', 'unit', ' kWh')));
        row.title = 'index ' + x.period + ': ' + num(x.index_wh) + ' Wh';
        tbl.append(row);
      }
      p.append(tbl);
    }
    if (m.energy_drawn_wh != null) p.append(el('p', 'small', 'Meter total ' + num(m.energy_drawn_wh / 1000) + ' kWh'));
    return p;
  }

  function phasePanel(m) {
    if (!m.three_phase) {
      const ph = m.phases[0], over = ph.overload_current_amperes > 0;
      return el('div', 'panel', el('h3', null, 'Current and voltage'),
        el('div', 'big' + (over ? ' over' : ''), num(ph.current_amperes), el('span', 'unit', ' A'),
          ph.voltage_volts != null ? el('span', 'sep', num(ph.voltage_volts), el('span', 'unit', ' V')) : null),
        over ? el('p', 'warn', overText(m, ph)) : null);
    }
    const cols = [['current_amperes', 'A', 'Current'], ['voltage_volts', 'V', 'Voltage'], ['apparent_power_va', 'VA', 'Power']]
      .filter(([k]) => m.phases.some(ph => ph[k] != null));
    const tbl = el('table', 'phases', el('tr', null, el('th', null, m.three_phase ? 'Phase' : ''), ...cols.map(c => el('th', 'num', c[2]))));
    for (const ph of m.phases) {
      const over = ph.overload_current_amperes > 0;
      tbl.append(el('tr', over ? 'over' : null,
        el('td', null, m.three_phase ? 'L' + ph.phase : '', ph.absent ? el('span', 'warn', ' absent') : null,
          over ? el('span', 'warn', ' ' + overText(m, ph)) : null),
        ...cols.map(([k, u]) => el('td', 'num', num(ph[k]), el('span', 'unit', ' ' + u)))));
    }
    return el('div', 'panel', el('h3', null, m.three_phase ? 'Phases' : 'Current and voltage'), tbl);
  }

  function producerPanel(m) {
    return el('div', 'panel producer', el('h3', null, 'Injected (production)'),
      el('div', 'big', num(m.injected_power_va), el('span', 'unit', ' VA')),
      el('p', 'small', 'today ' + kwh(m.energy_injected_today_wh) + ' kWh · total ' + num((m.energy_injected_wh || 0) / 1000) + ' kWh'));
  }

  const BAD_FLAGS = new Set(['cover_open', 'overvoltage', 'overload', 'clock_degraded']);
  function statusRow(m) {
    const r = el('div', 'status');
    if (m.relays) {
      const rl = el('span', 'relays', 'Relays');
      for (const x of m.relays) {
        const b = el('b', x.closed ? 'on' : null, String(x.relay));
        b.title = 'relay ' + x.relay + (x.relay === 1 ? ' (dry contact)' : '') + (x.closed ? ': closed' : ': open');
        rl.append(b);
      }
      r.append(rl);
    }
    if (m.cutoff_device) {
      const ok = m.cutoff_device === 'closed';
      r.append(el('span', ok ? 'flag ok' : 'flag bad', ok ? 'supply on' : 'supply cut: ' + m.cutoff_device.replace(/^open_/, '').replace(/_/g, ' ')));
    }
    for (const [k, on] of Object.entries(m.status_flags || {})) {
      if (on) r.append(el('span', BAD_FLAGS.has(k) ? 'flag bad' : 'flag', k.replace(/_/g, ' ')));
    }
    if (m.overload_events) r.append(el('span', 'flag', num(m.overload_events) + ' overload' + (m.overload_events > 1 ? 's' : '') + ' since start'));
    return r.childNodes.length ? r : null;
  }

  // The API's ratio (bad-checksum groups / groups received), as a percentage with the four
  // significant digits of the alert's humanizePercentage, so both read the same number.
  const percent = r => r == null ? '–' : +(r * 100).toPrecision(4) + ' %';
  function healthRow(m) {
    const h = m.health, ratio = h.checksum_error_ratio;
    return el('footer', 'health',
      el('span', null, 'last frame ' + ago(h.frame_age_seconds)),
      el('span', null, num(h.frames_total) + ' clean frames'),
      el('span', ratio > 0.01 ? 'warn' : null, 'bad checksums ' + percent(ratio) + ' of groups'),
      h.frame_errors_total ? el('span', null, num(h.frame_errors_total) + ' frame errors') : null,
      h.reconnects_total ? el('span', null, num(h.reconnects_total) + ' reconnects') : null,
      h.cooked_tty ? el('span', 'warn', 'line in tty cooked mode: set the port raw') : null);
  }
  // The link doctor's sentences for the most frequent causes of trouble (from the API).
  function adviceList(m) {
    const advice = m.health.advice || [];
    if (!advice.length) return null;
    return el('ul', 'advice', ...advice.map(a =>
      el('li', null, el('b', null, num(a.count) + ' × ' + a.cause.replace(/_/g, ' ')), ' — ' + a.advice)));
  }

  // ---- charts (inline SVG, sized to the page so that text stays at its real size) ----
  const H = 170, PL = 46, PR = 10, PT = 10, PB = 22;
  function niceScale(lo, hi) {
    const step0 = (hi - lo || 1) / 4, mag = 10 ** Math.floor(Math.log10(step0));
    const step = [1, 2, 2.5, 5, 10].map(f => f * mag).find(s => s >= step0);
    return { lo: Math.floor(lo / step) * step, hi: Math.ceil(hi / step) * step, step };
  }
  const chartWidth = () => Math.max(280, Math.min(1140, main.clientWidth - 34));
  function plot(x0, x1, sc, fmtY, label) {
    const W = chartWidth();
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
  const fmtPower = v => Math.abs(v) >= 1000 ? +(v / 1000).toFixed(2) + 'k' : String(v);
  const fmtEnergy = v => Math.abs(v) >= 1000 ? +(v / 1000).toFixed(2) + ' kWh' : v + ' Wh';

  // A stepped path over the history's points, broken where there is no value.
  function steps(values, x0, step, X, Y, area) {
    let d = '', open = false, last = 0;
    values.forEach((v, i) => {
      const a = X(x0 + i * step), b = X(x0 + (i + 1) * step);
      if (v == null) {
        if (open && area) d += `L${last} ${Y(0)}Z`;
        open = false;
        return;
      }
      d += open ? `L${a} ${Y(v)}L${b} ${Y(v)}` : (area ? `M${a} ${Y(0)}L${a} ${Y(v)}` : `M${a} ${Y(v)}`) + `L${b} ${Y(v)}`;
      open = true; last = b;
    });
    if (open && area) d += `L${last} ${Y(0)}Z`;
    return d;
  }

  // Merges the history's points k by k (aligned on the clock, so that they do not
  // shift as time goes on) when there are more points than pixels to draw them.
  function coarsen(values, k, max) {
    const out = [];
    for (let i = 0; i < values.length; i += k) {
      const part = values.slice(i, i + k).filter(v => v != null);
      out.push(!part.length ? null : max ? Math.max(...part) : part.reduce((a, b) => a + b, 0) / part.length);
    }
    return out;
  }

  function powerChart(m, p0, now) {
    const need = p0.avg_va.length / ((chartWidth() - PL - PR) / 2);
    const k = [1, 2, 3, 5, 10, 15, 20, 30].find(f => f >= need) || 30;
    const pad = (p0.start_unix_seconds / p0.step_seconds) % k;
    const padded = a => a && coarsen(Array(pad).fill(null).concat(a), k, a === p0.max_va);
    const p = { avg_va: padded(p0.avg_va), max_va: padded(p0.max_va), injected_avg_va: padded(p0.injected_avg_va) };
    const step = p0.step_seconds * k, x0 = p0.start_unix_seconds - pad * p0.step_seconds;
    const x1 = p0.start_unix_seconds + p0.avg_va.length * p0.step_seconds;
    const inj = p.injected_avg_va;
    const top = Math.max(500, m.apparent_power_va || 0, ...p.max_va.map(v => v || 0));
    const bottom = inj ? -Math.max(0, m.injected_power_va || 0, ...inj.map(v => v || 0)) : 0;
    const c = plot(x0, x1, niceScale(bottom, top), fmtPower, 'apparent power over the last 24 hours, VA');
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
  function energyChart(m, e, today) {
    const x0 = e.start_unix_seconds, step = e.step_seconds, n = e.drawn_wh.length, x1 = x0 + n * step;
    const inj = e.injected_wh;
    const top = Math.max(100, ...e.drawn_wh.map(v => v || 0));
    const bottom = inj ? -Math.max(0, ...inj.map(v => v || 0)) : 0;
    const c = plot(x0, x1, niceScale(bottom, top), fmtEnergy, 'energy per hour over the last 48 hours, Wh');
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

  const figure = (title, chart, keys) => el('figure', 'chart',
    el('figcaption', null, title, ...keys.map(([cls, text]) => el('span', 'key ' + cls, text))), chart);

  // ---- the page ----
  function cardBody(m, h, now, today) {
    const out = [head(m)];
    if (m.state === 'waiting') return [...out, waiting(m)];
    if (m.state === 'down') {
      out.push(el('p', 'banner down', (m.source_open ? 'No frame lately' : 'Source lost, reopening') +
        ' — last frame ' + ago(m.health.frame_age_seconds) + '. The values below are the last ones read.'));
    }
    if (m.overload) {
      const over = m.phases.filter(p => p.overload_current_amperes > 0)
        .map(p => (m.three_phase ? 'L' + p.phase + ' ' : '') + overText(m, p));
      out.push(el('p', 'banner overload', 'Overload: above the subscription' + (over.length ? ' (' + over.join('; ') + ')' : '') + '. The meter may cut the supply.'));
    }
    const grid = el('div', 'grid', powerPanel(m), tariffPanel(m), todayPanel(m));
    if (m.phases.length) grid.append(phasePanel(m));
    if (m.producer) grid.append(producerPanel(m));
    out.push(grid);
    if (h) {
      out.push(el('div', 'charts',
        figure('Apparent power, last 24 h', powerChart(m, h.power_24h, now),
          [['avg', 'mean'], ['max', 'peak'], ...(h.power_24h.injected_avg_va ? [['inj', 'injected (below 0)']] : [])]),
        figure('Energy per hour, last 48 h', energyChart(m, h.energy_per_hour, today),
          [['bar', 'drawn'], ...(h.energy_per_hour.injected_wh ? [['inj', 'injected (below 0)']] : [])])));
    }
    out.push(statusRow(m), healthRow(m), adviceList(m));
    return out.filter(Boolean);
  }

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
      card.replaceChildren(...cardBody(m, history[m.name], data.now_unix_seconds, data.today_start_unix_seconds));
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
})();
