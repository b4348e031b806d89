// The live page's panels: one meter's card from its /api/v1/meters entry. What the meter's
// values mean comes from the API (period kinds, Tempo colours, overload excess, advice);
// this file only lays them out.
import { chip, el } from './dom.js';
import { ago, describePeriod, euros, hhmm, kwh, num, percent } from './format.js';
import { energyChart, figure, powerChart } from './charts.js';

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
    const [short, what, colour] = describePeriod(t.period, t.period_name, t.period_kind, t.period_color, m.mode === 'standard');
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
      const [short, what, colour] = describePeriod(x.period, x.name, x.kind, x.color, m.mode === 'standard');
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

// With a price file (--prices): today's and this month's cost, and what the same energy
// would have cost under the other options the API compares.
function costPanel(m) {
  const c = m.cost;
  const p = el('div', 'panel cost', el('h3', null, 'Cost today'));
  if (!c.option) {
    p.append(el('p', 'small', 'the price file prices no option this meter reports'));
    return p;
  }
  p.append(el('div', 'big', el('span', 'cost-today', euros(c.today.euros))),
    el('p', 'small', 'since ' + hhmm(c.today.since_unix_seconds) + ' · ' + c.option + ' · energy, taxes included'),
    el('p', null, 'This month ', el('b', 'cost-month', euros(c.month.euros)),
      el('span', 'small', ' since ' + new Date(c.month.since_unix_seconds * 1000).toLocaleDateString())));
  if (c.month.options.length > 1) {
    const tbl = el('table', 'options', el('tr', null, el('th', null, 'This month on'),
      el('th', 'num', 'energy'), el('th', 'num', 'with subscription')));
    for (const o of c.month.options) {
      tbl.append(el('tr', o.own ? 'active' : null, el('td', null, o.option + (o.own ? ' (yours)' : '')),
        el('td', 'num', euros(o.euros)), el('td', 'num', euros(o.with_subscription_euros))));
    }
    p.append(tbl);
  }
  if (c.subscription_euros_per_month != null) p.append(el('p', 'small', 'Subscription ' + euros(c.subscription_euros_per_month) + ' per month'));
  if (c.unpriced_energy_wh > 0) p.append(el('p', 'warn', num(c.unpriced_energy_wh) + ' Wh drawn without a price in the price file'));
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
  // Which raised flags are faults is the API's word (status_warnings).
  const bad = new Set(m.status_warnings || []);
  for (const [k, on] of Object.entries(m.status_flags || {})) {
    if (on) r.append(el('span', bad.has(k) ? 'flag bad' : 'flag', k.replace(/_/g, ' ')));
  }
  if (m.overload_events) r.append(el('span', 'flag', num(m.overload_events) + ' overload' + (m.overload_events > 1 ? 's' : '') + ' since start'));
  return r.childNodes.length ? r : null;
}

// The checksum ratio is the API's, as a percentage (format.js).
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

// One meter's card: its panels, charts, status and health, from the API's entry.
export function cardBody(m, h, now, today, width) {
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
  if (m.cost) grid.append(costPanel(m));
  if (m.phases.length) grid.append(phasePanel(m));
  if (m.producer) grid.append(producerPanel(m));
  out.push(grid);
  if (h) {
    out.push(el('div', 'charts',
      figure('Apparent power, last 24 h', powerChart(m, h.power_24h, now, width),
        [['avg', 'mean'], ['max', 'peak'], ...(h.power_24h.injected_avg_va ? [['inj', 'injected (below 0)']] : [])]),
      figure('Energy per hour, last 48 h', energyChart(m, h.energy_per_hour, today, width),
        [['bar', 'drawn'], ...(h.energy_per_hour.injected_wh ? [['inj', 'injected (below 0)']] : [])])));
  }
  out.push(statusRow(m), healthRow(m), adviceList(m));
  return out.filter(Boolean);
}

