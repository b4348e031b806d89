// Pure chart arithmetic of the live page: axis scales and the history's points. No DOM.

/** A scale from lo to hi with about four steps of 1, 2, 2.5 or 5 × a power of ten. */
export function niceScale(lo, hi) {
  const step0 = (hi - lo || 1) / 4, mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 2.5, 5, 10].map(f => f * mag).find(s => s >= step0);
  return { lo: Math.floor(lo / step) * step, hi: Math.ceil(hi / step) * step, step };
}

/** How many points to merge into one so that `n` points fit `pixels` at two pixels each. */
export function coarsenFactor(n, pixels) {
  const need = n / (pixels / 2);
  return [1, 2, 3, 5, 10, 15, 20, 30].find(f => f >= need) || 30;
}

// Merges the history's points k by k (aligned on the clock, so that they do not
// shift as time goes on) when there are more points than pixels to draw them: the mean of
// the values of each group, or their maximum; null for a group without value.
export function coarsen(values, k, max) {
  const out = [];
  for (let i = 0; i < values.length; i += k) {
    const part = values.slice(i, i + k).filter(v => v != null);
    out.push(!part.length ? null : max ? Math.max(...part) : part.reduce((a, b) => a + b, 0) / part.length);
  }
  return out;
}

/** An SVG path of steps over the points, broken where there is no value (closed to 0 for an area). */
export function steps(values, x0, step, X, Y, area) {
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
