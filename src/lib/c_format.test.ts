import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cFixed } from './c_format.js';

test('cFixed() rounds as glibc\'s printf("%.Nf"): exact ties to even, everything else to nearest', () => {
  assert.equal(cFixed(1.25, 1), '1.2');
  assert.equal(cFixed(1.75, 1), '1.8');
  assert.equal(cFixed(6.25, 1), '6.2');
  assert.equal(cFixed(0.5, 0), '0');
  assert.equal(cFixed(1.5, 0), '2');
  assert.equal(cFixed(2.5, 0), '2');
  assert.equal(cFixed(-1.25, 1), '-1.2');
  assert.equal(cFixed(0.15, 1), '0.1', '0.15 is just below the tie in binary');
  assert.equal(cFixed(0.35, 1), '0.3');
  assert.equal(cFixed(2.05, 1), '2.0');
  assert.equal(cFixed(12.4, 1), '12.4');
  assert.equal(cFixed(0, 1), '0.0');
  assert.equal(cFixed(1e21, 1), '1e+21');
});
