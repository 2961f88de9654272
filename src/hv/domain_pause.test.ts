import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WFI_LOOP } from './_test_arm64_image.js';
import { testDomainRuntime } from './_test_domain_runtime.js';

/** mov x0, #0; loop: add x0, x0, #1; b loop — a guest that counts as fast as it can. */
const COUNT_LOOP = [0xd2800000, 0x91000400, 0x17ffffff];

test('a paused domain: its guest clock and work stop, and both resume where they were on unpause', () => {
  let hostNs = 0;
  const clock = { monotonicNs: () => hostNs, wallClockMs: () => 0 };
  const rt = testDomainRuntime(COUNT_LOOP, clock);
  rt.unpause();
  hostNs += 1e6;
  rt.arch.runRound();
  const x0 = () => rt.arch.vcpus[0]!.cpu.state.x64[0]!;
  const counted = x0();
  assert.ok(counted > 0n, 'the guest ran');
  rt.pause();
  const guestNs = rt.clock.nowNs();
  hostNs += 5e9;
  assert.equal(rt.arch.runRound().kind, 'stopped', 'a paused domain runs no vCPU');
  assert.equal(rt.clock.nowNs(), guestNs, 'guest time does not move while paused');
  assert.equal(x0(), counted, 'the guest did no work while paused');
  rt.unpause();
  assert.equal(rt.clock.nowNs(), guestNs, 'guest time continues from where it stopped, without a jump');
  hostNs += 1e6;
  rt.arch.runRound();
  assert.ok(x0() > counted, 'the guest works again');
  assert.equal(rt.clock.nowNs(), guestNs + 1e6);
});

test('a paused idle domain stays paused across rounds (its timer does not wake it)', () => {
  let hostNs = 0;
  const rt = testDomainRuntime(WFI_LOOP, { monotonicNs: () => hostNs, wallClockMs: () => 0 });
  rt.unpause();
  rt.arch.runRound();
  rt.pause();
  hostNs += 1e9;
  assert.equal(rt.arch.runRound().kind, 'stopped');
  assert.equal(rt.d.state, 'paused');
});
