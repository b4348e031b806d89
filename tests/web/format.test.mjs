// The live page's pure formatting helpers (src/web/format.js), run with `node --test tests/web/`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ago, describePeriod, euros, fmtEnergy, fmtPower, kwh, num, percent } from '../../src/web/format.js';

test('percent shows the API ratio with four significant digits, like the alert', () => {
  assert.equal(percent(0.002125), '0.2125 %');
  assert.equal(percent(0.000008), '0.0008 %');
  assert.equal(percent(1 / 22), '4.545 %');
  assert.equal(percent(0), '0 %');
  assert.equal(percent(null), '–');
});

test('num rounds and groups thousands with thin spaces', () => {
  assert.equal(num(1234567), '1\u202f234\u202f567');
  assert.equal(num(999.6), '1\u202f000');
  assert.equal(num(42), '42');
  assert.equal(num(null), '–');
});

test('kwh keeps two decimals below 100 kWh and one above', () => {
  assert.equal(kwh(5120), '5.12');
  assert.equal(kwh(123456), '123.5');
  assert.equal(kwh(null), '–');
});

test('ago puts an age in words', () => {
  assert.equal(ago(null), 'never');
  assert.equal(ago(1), 'just now');
  assert.equal(ago(45), '45 s ago');
  assert.equal(ago(600), '10 min ago');
  assert.equal(ago(7260), '2 h 1 min ago');
  assert.equal(ago(259200), '3 days ago');
});

test('chart axes: k above 1000 VA, kWh above 1000 Wh', () => {
  assert.equal(fmtPower(1500), '1.5k');
  assert.equal(fmtPower(-2000), '-2k');
  assert.equal(fmtPower(500), '500');
  assert.equal(fmtEnergy(2500), '2.5 kWh');
  assert.equal(fmtEnergy(100), '100 Wh');
});

test('describePeriod puts the API kind and colour in words', () => {
  // Historic: the usual short names.
  assert.deepEqual(describePeriod('HCHC', 'HC..', 'off_peak', null, false), ['HC', 'off-peak hours', null]);
  assert.deepEqual(describePeriod('BASE', 'TH..', 'base', null, false), ['Base', 'single price', null]);
  assert.deepEqual(describePeriod('EJPHPM', 'PM..', 'mobile_peak', null, false),
    ['EJP peak', 'mobile peak hours: expensive', null]);
  assert.deepEqual(describePeriod('BBRHCJB', 'HCJB', 'off_peak', 'blue', false), ['HC blue', 'off-peak, blue day', 'blue']);
  // Standard: the supplier's words, explained from the API's reading of them.
  assert.deepEqual(describePeriod('EASF02', 'HP  BLEU', 'peak', 'blue', true), ['HP  BLEU', 'peak, blue day', 'blue']);
  assert.deepEqual(describePeriod('EASF01', 'INDEX NON CONSO', 'production_only', null, true),
    ['INDEX NON CONSO', 'production-only meter', null]);
  assert.deepEqual(describePeriod('EASF05', 'JOUR ROUGE', null, 'red', true), ['JOUR ROUGE', 'Tempo red day', 'red']);
  assert.deepEqual(describePeriod('EASF07', null, null, null, true), ['EASF07', 'supplier index EASF07', null]);
});

test('euros keep tenths of a cent below one euro, cents above', () => {
  assert.equal(euros(0.0011417), '€0.001');
  assert.equal(euros(0.375), '€0.375');
  assert.equal(euros(12.345), '€12.35');
  assert.equal(euros(0), '€0.00');
  assert.equal(euros(null), '–');
});
