import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VcpuRunstate } from './runstate.js';

test('VcpuRunstate accumulates the time spent in each state and lays out vcpu_runstate_info', () => {
  const r = new VcpuRunstate();
  assert.equal(r.change('running', 1000), true);
  assert.equal(r.change('running', 1500), false, 'no change, no update');
  r.change('runnable', 4000);
  r.change('blocked', 4500);
  const dv = new DataView(r.bytes().buffer);
  assert.equal(dv.getInt32(0, true), 2, 'blocked');
  assert.equal(dv.getBigUint64(8, true), 4500n, 'state_entry_time');
  assert.deepEqual([0, 1, 2, 3].map((i) => dv.getBigUint64(16 + i * 8, true)), [3000n, 500n, 0n, 1000n], 'running, runnable, blocked, offline (offline until 1000)');
});

test('VcpuRunstate marks an update in progress with XEN_RUNSTATE_UPDATE in state_entry_time', () => {
  const r = new VcpuRunstate();
  r.change('running', 7);
  assert.equal(new DataView(r.bytes(true).buffer).getBigUint64(8, true), (1n << 63n) | 7n);
});
