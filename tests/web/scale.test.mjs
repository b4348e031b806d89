// The live page's chart arithmetic (src/web/scale.js), run with `node --test tests/web/`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coarsen, coarsenFactor, niceScale, steps } from '../../src/web/scale.js';

test('niceScale rounds to about four steps of 1, 2, 2.5 or 5', () => {
  assert.deepEqual(niceScale(0, 9), { lo: 0, hi: 10, step: 2.5 });
  assert.deepEqual(niceScale(0, 500), { lo: 0, hi: 600, step: 200 });
  assert.deepEqual(niceScale(-1200, 3400), { lo: -2000, hi: 4000, step: 2000 });
  assert.deepEqual(niceScale(0, 100), { lo: 0, hi: 100, step: 25 });
});

test('coarsenFactor merges points until two pixels are left for each', () => {
  assert.equal(coarsenFactor(720, 2000), 1);
  assert.equal(coarsenFactor(720, 1064), 2);
  assert.equal(coarsenFactor(720, 400), 5);
  assert.equal(coarsenFactor(720, 10), 30);
});

test('coarsen takes the mean or the max of each group, null for a group without value', () => {
  assert.deepEqual(coarsen([1, 3, null, null, 5], 2, false), [2, null, 5]);
  assert.deepEqual(coarsen([1, 3, null, null, 5], 2, true), [3, null, 5]);
  assert.deepEqual(coarsen([1, null, 4], 1, false), [1, null, 4]);
});

test('steps draws a stepped line broken at missing points, closed to zero for an area', () => {
  const X = t => t * 10, Y = v => 100 - v;
  assert.equal(steps([10, 20], 0, 1, X, Y, false), 'M0 90L10 90L10 80L20 80');
  assert.equal(steps([10, null, 20], 0, 1, X, Y, false), 'M0 90L10 90M20 80L30 80');
  assert.equal(steps([10, null, 20], 0, 1, X, Y, true),
    'M0 100L0 90L10 90L10 100ZM20 100L20 80L30 80L30 100Z');
  assert.equal(steps([null, null], 0, 1, X, Y, true), '');
});
