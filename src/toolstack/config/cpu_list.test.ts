import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuListToSet, parseCpuList, type CpuList } from './cpu_list.js';

/** The host of xl.cfg(5)'s example: 16 CPUs, four per NUMA node. */
const HOST = { nrCpus: 16, nodeCpus: [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11], [12, 13, 14, 15]] };

function cpus(text: string): number[] {
  const list = parseCpuList(text);
  assert.notEqual(typeof list, 'string', text);
  return [...cpuListToSet(list as CpuList, HOST)].sort((a, b) => a - b);
}

test('parseCpuList() and cpuListToSet() give the sets xl.cfg(5) describes for its examples', () => {
  assert.deepEqual(cpus('all'), [...Array(16).keys()]);
  assert.deepEqual(cpus('0-3,5,^1'), [0, 2, 3, 5]);
  assert.deepEqual(cpus('all,^7'), [...Array(16).keys()].filter((c) => c !== 7));
  assert.deepEqual(cpus('nodes:0-3,^node:2'), [0, 1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15]);
  assert.deepEqual(cpus('1,node:1,^6'), [1, 4, 5, 7]);
  assert.deepEqual(cpus('all,^node:1'), [0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15]);
  assert.deepEqual(cpus('3-8,^5'), [3, 4, 6, 7, 8]);
  assert.deepEqual(cpus('node:0,node:2,^9-11,18-20'), [0, 1, 2, 3, 8]);
});

test('parseCpuList() keeps the terms, skipping empty items as strtok does', () => {
  assert.deepEqual(parseCpuList('2,,^nodes:1-2,'), [
    { op: 'add', unit: 'cpu', first: 2, last: 2 },
    { op: 'remove', unit: 'node', first: 1, last: 2 },
  ]);
});

test('parseCpuList() returns xl\'s messages for bad lists', () => {
  assert.equal(parseCpuList('^all'), 'Can\'t combine "^" and "all"');
  assert.equal(parseCpuList('^nodes:all'), 'Can\'t combine "^" and "all"');
  assert.equal(parseCpuList('3-1'), 'Invalid pcpu range: 3-1');
  assert.equal(parseCpuList('0-3,x'), 'Invalid pcpu range: x');
  assert.equal(parseCpuList('1 '), 'Invalid pcpu range: 1 ');
});
