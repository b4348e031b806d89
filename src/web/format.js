// Pure formatting helpers of the live page: numbers, energy, times, ratios, and the English
// words for the API's tariff period kinds. No DOM here, so that node --test can run them.

/** An integer with thin spaces between thousands; '–' for null. */
export const num = n => n == null ? '–' : String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');

/** Wh as kWh: two decimals below 100 kWh, one above. */
export const kwh = wh => wh == null ? '–' : (wh / 1000).toFixed(wh < 100000 ? 2 : 1);

/** Euros: cents from 1 €, tenths of a cent below (the first hours of a day cost little). */
export const euros = x => x == null ? '–' : '€' + x.toFixed(Math.abs(x) < 1 && x !== 0 ? 3 : 2);

export const pad = n => String(n).padStart(2, '0');

/** Unix seconds as the browser's local HH:MM. */
export const hhmm = t => { const d = new Date(t * 1000); return pad(d.getHours()) + ':' + pad(d.getMinutes()); };

/** An age in seconds, in words. */
export function ago(s) {
  if (s == null) return 'never';
  if (s < 2) return 'just now';
  if (s < 90) return Math.round(s) + ' s ago';
  if (s < 5400) return Math.round(s / 60) + ' min ago';
  if (s < 172800) return Math.floor(s / 3600) + ' h ' + Math.round(s % 3600 / 60) + ' min ago';
  return Math.round(s / 86400) + ' days ago';
}

// The API's ratio (bad-checksum groups / groups received), as a percentage with the four
// significant digits of the alert's humanizePercentage, so both read the same number.
export const percent = r => r == null ? '–' : +(r * 100).toPrecision(4) + ' %';

/** A chart's power axis: VA, in k above 1000. */
export const fmtPower = v => Math.abs(v) >= 1000 ? +(v / 1000).toFixed(2) + 'k' : String(v);
/** A chart's energy axis and bar titles. */
export const fmtEnergy = v => Math.abs(v) >= 1000 ? +(v / 1000).toFixed(2) + ' kWh' : v + ' Wh';

// The API says what a period is (tariff.period_kind / periods[].kind, and its Tempo colour);
// the page only puts it in words: [short name on a historic meter, explanation].
const KINDS = {
  base: ['Base', 'single price'],
  off_peak: ['HC', 'off-peak hours'],
  peak: ['HP', 'peak hours'],
  normal: ['EJP normal', 'normal hours'],
  mobile_peak: ['EJP peak', 'mobile peak hours: expensive'],
  production_only: [null, 'production-only meter'],
};

/**
 * [short name, explanation, Tempo colour or null] of a tariff period, from the API's
 * `period`, `name`, `kind` and `color`. A standard-mode meter is named in the supplier's
 * own words (LTARF); a historic one by the usual short names.
 */
export function describePeriod(period, name, kind, color, standard) {
  const k = KINDS[kind];
  let short = standard || !k || !k[0] ? name || period : k[0];
  let what = k ? k[1] : '';
  if (color) {
    if (!standard && k && k[0]) short += ' ' + color;
    what = (what ? what.replace(' hours', '') + ', ' : 'Tempo ') + color + ' day';
  }
  return [short, what || 'supplier index ' + period, color || null];
}
