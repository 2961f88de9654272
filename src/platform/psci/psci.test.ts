import { test } from 'node:test';
import assert from 'node:assert/strict';
import { psciCall, PSCI_FN, PSCI_RET, PSCI_VERSION_1_0, type AffinityState, type PsciBoard } from './psci.js';

function board(states: AffinityState[]) {
  const log: string[] = [];
  const b: PsciBoard = {
    cpuIndexOf: (mpidr) => (mpidr < states.length ? mpidr : -1),
    cpuState: (i) => states[i]!,
    isEntryAddressValid: (pa) => pa >= 0x4000_0000 && pa < 0x8000_0000,
    startCpu: (i, pa, ctx) => { states[i] = 'onPending'; log.push(`start ${i} ${pa.toString(16)} ${ctx}`); },
    stopCurrentCpu: () => log.push('off'),
    systemOff: () => log.push('system off'),
    systemReset: () => log.push('system reset'),
  };
  return { b, log };
}

const args = (a = 0n, b = 0n, c = 0n): [bigint, bigint, bigint] => [a, b, c];

test('psciCall() reports PSCI 1.0 and NOT_SUPPORTED for SMCCC_VERSION and unknown IDs', () => {
  const { b } = board(['on']);
  assert.equal(psciCall(PSCI_FN.VERSION, args(), b), PSCI_VERSION_1_0);
  assert.equal(psciCall(PSCI_FN.PSCI_FEATURES, args(0x8000_0000n), b), PSCI_RET.NOT_SUPPORTED);
  assert.equal(psciCall(PSCI_FN.PSCI_FEATURES, args(BigInt(PSCI_FN.CPU_ON64)), b), PSCI_RET.SUCCESS);
  assert.equal(psciCall(0xc400_0012, args(), b), PSCI_RET.NOT_SUPPORTED);
  assert.equal(psciCall(PSCI_FN.MIGRATE_INFO_TYPE, args(), b), 2);
});

test('psciCall() CPU_ON validates the target and entry point and starts the vCPU', () => {
  const { b, log } = board(['on', 'off']);
  assert.equal(psciCall(PSCI_FN.CPU_ON64, args(7n, 0x4008_0000n), b), PSCI_RET.INVALID_PARAMETERS);
  assert.equal(psciCall(PSCI_FN.CPU_ON64, args(1n, 0x10n), b), PSCI_RET.INVALID_ADDRESS);
  assert.equal(psciCall(PSCI_FN.CPU_ON64, args(0n, 0x4008_0000n), b), PSCI_RET.ALREADY_ON);
  assert.equal(psciCall(PSCI_FN.CPU_ON64, args(1n, 0x4008_0000n, 0xabcn), b), PSCI_RET.SUCCESS);
  assert.equal(psciCall(PSCI_FN.CPU_ON64, args(1n, 0x4008_0000n), b), PSCI_RET.ON_PENDING);
  assert.equal(psciCall(PSCI_FN.AFFINITY_INFO64, args(1n), b), 2);
  assert.equal(psciCall(PSCI_FN.AFFINITY_INFO64, args(1n, 1n), b), PSCI_RET.INVALID_PARAMETERS);
  assert.deepEqual(log, ['start 1 40080000 2748']);
});

test('psciCall() 32-bit functions ignore the upper halves of their arguments', () => {
  const { b, log } = board(['on', 'off']);
  assert.equal(psciCall(PSCI_FN.CPU_ON, args(0xffff_ffff_0000_0001n, 0x1_4008_0000n, 0x5_0000_0007n), b), PSCI_RET.SUCCESS);
  assert.deepEqual(log, ['start 1 40080000 7']);
});

test('psciCall() SYSTEM_OFF, SYSTEM_RESET and CPU_OFF reach the board', () => {
  const { b, log } = board(['on']);
  psciCall(PSCI_FN.CPU_OFF, args(), b);
  psciCall(PSCI_FN.SYSTEM_RESET, args(), b);
  psciCall(PSCI_FN.SYSTEM_OFF, args(), b);
  assert.deepEqual(log, ['off', 'system reset', 'system off']);
});
