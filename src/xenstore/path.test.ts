import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalize, isAtOrBelow, parentPath } from './path.js';

const dom3 = { domid: 3, pathMax: 2048, allowSpecial: false };

test('canonicalize() resolves relative names against /local/domain/<caller>', () => {
  assert.deepEqual(canonicalize('device/vbd', dom3), { path: '/local/domain/3/device/vbd', relative: true });
  assert.deepEqual(canonicalize('/vm/x', dom3), { path: '/vm/x', relative: false });
  assert.deepEqual(canonicalize('/', dom3), { path: '/', relative: false });
});

test('canonicalize() refuses bad characters, trailing and double slashes, and "@" names where not allowed', () => {
  for (const bad of ['/a/', '/a//b', '/a b', '/a.b', '', '@introduceDomain', '/ä']) assert.equal(canonicalize(bad, dom3), undefined, bad);
  assert.equal(canonicalize('@releaseDomain', { ...dom3, allowSpecial: true })?.path, '@releaseDomain');
});

test('canonicalize() applies path-max below the domain home and 3072 to absolute paths', () => {
  assert.ok(canonicalize('a'.repeat(2047), dom3));
  assert.equal(canonicalize('a'.repeat(2048), dom3), undefined);
  const unlimited = { ...dom3, pathMax: 0 };
  assert.ok(canonicalize('/' + 'a'.repeat(3071), unlimited));
  assert.equal(canonicalize('/' + 'a'.repeat(3072), unlimited), undefined);
});

test('parentPath() and isAtOrBelow() follow path components, not string prefixes', () => {
  assert.equal(parentPath('/a/b'), '/a');
  assert.equal(parentPath('/a'), '/');
  assert.ok(isAtOrBelow('/a/b', '/a'));
  assert.ok(isAtOrBelow('/a', '/a'));
  assert.ok(!isAtOrBelow('/ab', '/a'));
  assert.ok(isAtOrBelow('/x', '/'));
});
