import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NR_MAGIC_PAGES, XEN_PAGE_SIZE } from '../abi/xen.js';
import { isPageDirty } from '../lib/dirty_log.js';
import { testDomainRuntime } from './_test_domain_runtime.js';

const STORED_IPA = 0x4060_0000;
/** mov x1, #STORED_IPA; mov x2, #0; loop: add x2, x2, #1; str x2, [x1]; b loop */
const STORE_LOOP = [0xd2a80c01, 0xd2800002, 0x91000442, 0xf9000022, 0x17fffffe];

test("log-dirty mode: a running domain's stores and its special pages each round; a paused one writes nothing", () => {
  let hostNs = 0;
  const rt = testDomainRuntime(STORE_LOOP, { monotonicNs: () => hostNs, wallClockMs: () => 0 });
  const { layout } = rt.built;
  const grantFrames = Atomics.load(new Int32Array(rt.built.grantNrFrames), 0);
  assert.ok(grantFrames >= 1 && grantFrames < layout.grantFrameHostOffsets.length, 'the table starts with fewer frames than its maximum');
  const special = [...layout.grantFrameHostOffsets.slice(0, grantFrames), ...Array.from({ length: NR_MAGIC_PAGES }, (_, k) => layout.magicHostOffset + k * XEN_PAGE_SIZE)]
    .map((off) => off / XEN_PAGE_SIZE);
  const stored = rt.d.mem.offsetOfGpa(STORED_IPA, 8) / XEN_PAGE_SIZE;
  assert.equal(rt.dirtyLog('peek'), null, 'the log starts off');
  rt.unpause();
  hostNs += 1e6;
  rt.arch.runRound();
  // The write TLB now maps the stored page: enable must make the next store mark it all the same.
  const enabled = rt.dirtyLog('enable')!;
  assert.equal(enabled.dirtyCount, special.length, 'enable starts clean, special pages aside');
  assert.ok(special.every((p) => isPageDirty(enabled.bits, p)));
  hostNs += 1e6;
  rt.arch.runRound();
  const round1 = rt.dirtyLog('clean')!;
  assert.ok(isPageDirty(round1.bits, stored), 'the store loop dirtied its page');
  assert.equal(round1.dirtyCount, special.length + 1);
  hostNs += 1e6;
  rt.arch.runRound();
  assert.ok(isPageDirty(rt.dirtyLog('clean')!.bits, stored), 'and again after the clean');
  rt.pause();
  hostNs += 1e6;
  rt.arch.runRound();
  const paused = rt.dirtyLog('clean')!;
  assert.equal(paused.dirtyCount, special.length, 'a paused domain dirties nothing');
  assert.equal(rt.dirtyLog('off'), null);
  assert.equal(rt.dirtyLog('clean'), null, 'no log once off');
});
