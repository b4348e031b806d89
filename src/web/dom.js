// DOM and SVG element helpers of the live page.
const SVG = 'http://www.w3.org/2000/svg';

export function el(tag, cls, ...kids) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  for (const k of kids) if (k != null && k !== false) e.append(k);
  return e;
}

export function svg(tag, attrs, ...kids) {
  const e = document.createElementNS(SVG, tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  for (const k of kids) if (k != null) e.append(k);
  return e;
}

export function chip(text, colour) {
  const c = el('span', 'chip' + (colour ? ' ' + colour : ''), text);
  c.title = text;
  return c;
}
