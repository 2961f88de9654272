import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemMachine } from '../../../tests/harness/system_machine.js';
import { flatMachine } from '../../../tests/harness/flat_machine.js';
import { SLOT_ELR, SLOT_SP_EL0, SLOT_SPSR } from './exception.js';
import { forEachCpuTier } from '../../../tests/harness/cpu_tiers.js';

// Encodings from aarch64-linux-gnu-as. VBAR_EL1 = 0x2000 throughout: current EL with SPx at
// 0x2200 (sync) / 0x2280 (IRQ), lower EL (AArch64) at 0x2400.

test('SVC from EL0 is taken to the EL1 vector with ESR/ELR/SPSR and SP_EL1; ERET returns to EL0', () => {
  const m = systemMachine();
  assert.equal(m.cpu.state.pstate, 0x3c5, 'reset: EL1h, DAIF masked');
  m.load([
    [0x1000, [
      0xd2840000, // mov x0, #0x2000
      0xd518c000, // msr vbar_el1, x0
      0xd2830001, // mov x1, #0x1800
      0xd5184021, // msr elr_el1, x1
      0xd518401f, // msr spsr_el1, xzr
      0xd2900002, // mov x2, #0x8000
      0xd5184102, // msr sp_el0, x2
      0xd2920003, // mov x3, #0x9000
      0x9100007f, // mov sp, x3
      0xd69f03e0, // eret
    ]],
    [0x1800, [
      0xd40000a1, // svc #5
      0xd28000e6, // mov x6, #7
      0x910003e8, // mov x8, sp
      0xd40000c1, // svc #6
      0x14000000, // b .
    ]],
    [0x2400, [
      0xd5385201, // mrs x1, esr_el1
      0xd5384022, // mrs x2, elr_el1
      0xd5384004, // mrs x4, spsr_el1
      0x910003e7, // mov x7, sp
      0x910004a5, // add x5, x5, #1
      0xf10008bf, // cmp x5, #2
      0x54000040, // b.eq 1f
      0xd69f03e0, // eret
      0xd4000002, // 1: hvc #0
    ]],
  ]);
  const exit = m.run();
  assert.equal(exit.kind, 'hvc');
  assert.equal(m.x(5), 2n, 'two SVCs taken');
  assert.equal(m.x(6), 7n, 'ERET resumed EL0 after the first SVC');
  assert.equal(m.x(8), 0x8000n, 'EL0 runs on SP_EL0');
  assert.equal(m.x(7), 0x9000n, 'the handler runs on SP_EL1');
  assert.equal(m.x(1), 0x5600_0006n, 'ESR: EC = SVC64, IL, imm 6');
  assert.equal(m.x(2), 0x1810n, 'ELR: the instruction after the SVC');
  assert.equal(m.x(4), 0n, 'SPSR: EL0t, NZCV restored to 0 by the first ERET');
  assert.equal(m.cpu.state.pstate, 0x3c5);
  assert.equal(m.cpu.state.pc, 0x2424, 'PC after the HVC');
});

const L3_0 = 0x12000;
/** Page descriptor: AF, AP = EL1 read/write (no EL0 access), attribute index 0. */
const page = (pa: number) => BigInt(pa) | 0x403n;

/** Page tables: TTBR0 maps 0..128 KiB identically except page 0x5000; TTBR1 maps 0xffffffc0_00000000 to PA 0 (1 GiB). */
function mmuMachine() {
  const m = systemMachine();
  const dv = m.dv;
  const L1_0 = 0x10000;
  const L2_0 = 0x11000;
  const L1_1 = 0x13000;
  dv.setBigUint64(L1_0, BigInt(L2_0) | 3n, true);
  dv.setBigUint64(L2_0, BigInt(L3_0) | 3n, true);
  for (let pa = 0; pa < 0x20000; pa += 0x1000) if (pa !== 0x5000) dv.setBigUint64(L3_0 + (pa >> 12) * 8, page(pa), true);
  dv.setBigUint64(L1_1 + 256 * 8, 0x401n, true);
  m.setX(9, 0x2000);
  m.setX(10, 25n | (25n << 16n) | (2n << 30n) | (2n << 32n)); // T0SZ = T1SZ = 25, TG1 = 4K, IPS = 40 bits
  m.setX(11, L1_0);
  m.setX(12, L1_1);
  return m;
}

/** VBAR = X9, MAIR = 0, TCR = X10, TTBR0 = X11, TTBR1 = X12, MMU on. */
const MMU_ON = [
  0xd518c009, // msr vbar_el1, x9
  0xd518a21f, // msr mair_el1, xzr
  0xd518204a, // msr tcr_el1, x10
  0xd518200b, // msr ttbr0_el1, x11
  0xd518202c, // msr ttbr1_el1, x12
  0xd5033fdf, // isb
  0xd5381000, // mrs x0, sctlr_el1
  0xb2400000, // orr x0, x0, #1
  0xd5181000, // msr sctlr_el1, x0
  0xd5033fdf, // isb
];

test('AT S1E1R/S1E0W/S1E1W report the PA or the fault in PAR_EL1', () => {
  const m = mmuMachine();
  m.setX(1, 0x3008);
  m.setX(3, 0x3000);
  m.setX(5, 0x5000);
  m.load([[0x1000, [
    ...MMU_ON,
    0xd5087801, // at s1e1r, x1
    0xd5387402, // mrs x2, par_el1
    0xd5087863, // at s1e0w, x3
    0xd5387404, // mrs x4, par_el1
    0xd5087825, // at s1e1w, x5
    0xd5387406, // mrs x6, par_el1
    0xd4000002, // hvc #0
  ]]]);
  assert.equal(m.run().kind, 'hvc');
  assert.equal(m.x(2), 0x3000n, 'PA of the page');
  assert.equal(m.x(4), 0x81fn, 'F = 1, permission fault level 3 (no EL0 access)');
  assert.equal(m.x(6), 0x80fn, 'F = 1, translation fault level 3');
});

test('MMU: identity and high mappings, TLBI drops stale translations, a data abort reports ESR and FAR', () => {
  const m = mmuMachine();
  const dv = m.dv;
  dv.setBigUint64(0x3000, 0x1122_3344_5566_7788n, true);
  dv.setBigUint64(0x4000, 0xaaaan, true);
  dv.setBigUint64(0x6000, 0xbbbbn, true);
  m.setX(13, 0xffff_ffc0_0000_3000n);
  m.load([
    [0x1000, [
      ...MMU_ON,
      0xf94001a1, // ldr x1, [x13]
      0xd2880014, // mov x20, #0x4000
      0xf9400282, // ldr x2, [x20]
      0xd4000002, // hvc #0
      0xf9400283, // ldr x3, [x20]
      0xd508871f, // tlbi vmalle1
      0xd5033f9f, // dsb sy
      0xd5033fdf, // isb
      0xf9400284, // ldr x4, [x20]
      0xd28a0014, // mov x20, #0x5000
      0xf9000281, // str x1, [x20]
      0x14000000, // b .
    ]],
    [0x2200, [
      0xd5385215, // mrs x21, esr_el1
      0xd5386016, // mrs x22, far_el1
      0xd5384037, // mrs x23, elr_el1
      0xd4000002, // hvc #0
    ]],
  ]);
  assert.equal(m.run().kind, 'hvc');
  assert.equal(m.x(1), 0x1122_3344_5566_7788n, 'high (TTBR1) mapping');
  assert.equal(m.x(2), 0xaaaan, 'identity mapping');
  // Remap VA 0x4000 to PA 0x6000 behind the TLB's back: stale until TLBI.
  dv.setBigUint64(L3_0 + 4 * 8, page(0x6000), true);
  assert.equal(m.run().kind, 'hvc');
  assert.equal(m.x(3), 0xaaaan, 'cached translation before TLBI');
  assert.equal(m.x(4), 0xbbbbn, 'new translation after TLBI');
  assert.equal(m.x(21), 0x9600_0047n, 'ESR: DABT from EL1, IL, WnR, translation fault level 3');
  assert.equal(m.x(22), 0x5000n, 'FAR');
  assert.equal(m.x(23), 0x1050n, 'ELR: the faulting STR');
});

test('an IRQ is taken only once PSTATE.I is clear, at the instruction after MSR DAIFClr', () => {
  const m = systemMachine();
  m.setX(9, 0x2000);
  m.load([
    [0x1000, [
      0xd518c009, // msr vbar_el1, x9
      0xd2800020, // mov x0, #1
      0xd2800040, // mov x0, #2
      0xd50342ff, // msr daifclr, #2
      0xd2800061, // mov x1, #3
      0x14000000, // b .
    ]],
    [0x2280, [
      0xd5384022, // mrs x2, elr_el1
      0xd5384003, // mrs x3, spsr_el1
      0xd538c104, // mrs x4, isr_el1
      0xd4000002, // hvc #0
    ]],
  ]);
  m.cpu.setIrq(true);
  assert.equal(m.run().kind, 'hvc');
  assert.equal(m.x(0), 2n);
  assert.equal(m.x(1), 0n, 'the IRQ came before the instruction after DAIFClr');
  assert.equal(m.x(2), 0x1010n, 'ELR');
  assert.equal(m.x(3), 0x345n, 'SPSR: EL1h with I clear');
  assert.equal(m.x(4), 0x80n, 'ISR_EL1.I');
  assert.equal(m.cpu.state.pstate, 0x3c5, 'IRQs masked in the handler');
  // Masked: the line stays high but nothing is taken.
  m.load([[0x1000, [0x14000000]]]);
  assert.equal(m.run(1000).kind, 'budget');
  assert.equal(m.cpu.state.pc, 0x1000);
});

test('an IRQ raised while running (an unmasked line rising between blocks) is taken at a block boundary', () => {
  const m = systemMachine();
  m.setX(9, 0x2000);
  m.load([
    [0x1000, [0xd518c009, 0xd50342ff, 0x14000000]], // msr vbar_el1, x9; msr daifclr, #2; b .
    [0x2280, [0xd5384022, 0xd4000002]], // mrs x2, elr_el1; hvc #0
  ]);
  assert.equal(m.run(1000).kind, 'budget');
  m.cpu.setIrq(true);
  assert.equal(m.run(1000).kind, 'hvc');
  assert.equal(m.x(2), 0x1008n);
  m.cpu.setIrq(false);
  assert.equal(m.cpu.irqLine, false);
});

test('SPSel banks SP_EL0 and SP_EL1; CurrentEL; timer, MPIDR, ID and ICC registers; unknown registers are UNDEFINED at EL1', () => {
  const m = systemMachine({ mpidr: 3, icc: [{ name: 'ICC_IGRPEN1_EL1', op0: 3, op1: 0, crn: 12, crm: 12, op2: 7, read: () => 42n }] });
  m.cpu.state.x64[31] = 0x9000n;
  m.cpu.state.sys[SLOT_SP_EL0] = 0x8000n;
  m.setX(1, 0x7000);
  m.load([
    [0x1000, [
      0xd50040bf, // msr spsel, #0
      0x910003e0, // mov x0, sp
      0x9100003f, // mov sp, x1
      0xd50041bf, // msr spsel, #1
      0x910003e2, // mov x2, sp
      0xd5384103, // mrs x3, sp_el0
      0xd5384244, // mrs x4, currentel
      0xd5384205, // mrs x5, spsel
      0xd4000002, // hvc #0
      0xd53be000, // mrs x0, cntfrq_el0
      0xd53be041, // mrs x1, cntvct_el0
      0xd51be342, // msr cntv_cval_el0, x2
      0xd2800023, // mov x3, #1
      0xd51be323, // msr cntv_ctl_el0, x3
      0xd53be304, // mrs x4, cntv_tval_el0
      0xd53be325, // mrs x5, cntv_ctl_el0
      0xd53800a6, // mrs x6, mpidr_el1
      0xd5380407, // mrs x7, id_aa64pfr0_el1
      0xd5380308, // mrs x8, mvfr0_el1
      0xd538ccea, // mrs x10, icc_igrpen1_el1 (supplied by the board)
      0xd538000b, // mrs x11, midr_el1
      0xd4000002, // hvc #0
      0xd518c009, // msr vbar_el1, x9
      0xd538ff00, // mrs x0, s3_0_c15_c15_0
      0x14000000, // b .
    ]],
    [0x2200, [
      0xd5385201, // mrs x1, esr_el1
      0xd5384022, // mrs x2, elr_el1
      0xd4000003, // smc #0
    ]],
  ]);
  assert.equal(m.run().kind, 'hvc');
  assert.equal(m.x(0), 0x8000n, 'SPSel = 0: SP is SP_EL0');
  assert.equal(m.x(2), 0x9000n, 'SPSel = 1: SP is SP_EL1 again');
  assert.equal(m.x(3), 0x7000n, 'SP_EL0 kept the value written through SP');
  assert.equal(m.x(4), 4n, 'CurrentEL = EL1');
  assert.equal(m.x(5), 1n);
  // Timer: 1600 ns = 100 ticks at 62.5 MHz.
  m.nowNs = 1600;
  m.setX(2, 150);
  assert.equal(m.run().kind, 'hvc');
  assert.equal(m.x(0), 62_500_000n);
  assert.equal(m.x(1), 100n, 'CNTVCT');
  assert.equal(m.x(4), 50n, 'CNTV_TVAL = CVAL - count');
  assert.equal(m.x(5), 1n, 'enabled, not yet fired');
  assert.deepEqual(m.timerIrqs, []);
  m.nowNs = 3200;
  m.timer.update();
  assert.deepEqual(m.timerIrqs, ['virt:true']);
  assert.equal(m.x(6), 0x8000_0003n, 'MPIDR');
  assert.equal(m.x(7), 0x0100_0011n, 'ID_AA64PFR0: EL0/EL1 AArch64, FP, AdvSIMD, GIC sysregs');
  assert.equal(m.x(8), 0n, 'unlisted ID-space register reads as zero');
  assert.equal(m.x(10), 42n, 'board-supplied ICC register');
  assert.equal(m.x(11), 0x410f_d034n, 'MIDR');
  m.setX(9, 0x2000);
  assert.equal(m.run().kind, 'smc');
  assert.equal(m.x(1), 0x0200_0000n, 'ESR: EC = 0 (unknown), IL');
  assert.equal(m.x(2), 0x105cn, 'ELR: the MRS');
});

test('ICC registers supplied by the board are read and written by MRS/MSR', () => {
  let written = 0n;
  const m = systemMachine({
    icc: [{ name: 'ICC_PMR_EL1', op0: 3, op1: 0, crn: 4, crm: 6, op2: 0, read: () => 0xf0n, write: (v) => { written = v; } }],
  });
  m.setX(1, 0x80);
  // mrs x0, icc_pmr_el1; msr icc_pmr_el1, x1; hvc #0
  m.load([[0x1000, [0xd5384600, 0xd5184601, 0xd4000002]]]);
  assert.equal(m.run().kind, 'hvc');
  assert.equal(m.x(0), 0xf0n);
  assert.equal(written, 0x80n);
});

test('HVC exits to the board with PC after it; injectUndefined turns it into an EL1 undefined exception', () => {
  const m = systemMachine();
  m.setX(9, 0x2000);
  m.load([
    [0x1000, [0xd518c009, 0xd4000002, 0x14000000]], // msr vbar_el1, x9; hvc #0; b .
    [0x2200, [0xd5385201, 0xd5384022, 0xd4000003]], // mrs x1, esr_el1; mrs x2, elr_el1; smc #0
  ]);
  const exit = m.run();
  assert.equal(exit.kind, 'hvc');
  assert.equal(m.cpu.state.pc, 0x1008);
  m.cpu.injectUndefined();
  assert.equal(m.run().kind, 'smc');
  assert.equal(m.x(1), 0x0200_0000n);
  assert.equal(m.x(2), 0x1004n, 'ELR: the HVC');
});

test('an illegal exception return (SPSR.M = AArch32) takes an Illegal Execution State exception', () => {
  const m = systemMachine();
  m.setX(9, 0x2000);
  m.setX(0, 0x10);
  m.setX(1, 0x1800);
  m.load([
    // msr vbar_el1, x9; msr spsr_el1, x0; msr elr_el1, x1; eret
    [0x1000, [0xd518c009, 0xd5184000, 0xd5184021, 0xd69f03e0]],
    [0x2200, [0xd5385201, 0xd5384022, 0xd4000003]],
  ]);
  assert.equal(m.run().kind, 'smc');
  assert.equal(m.x(1) >> 26n, 0x0en, 'EC = illegal execution state');
  assert.equal(m.x(2), 0x1800n);
  assert.equal(m.cpu.state.sys[SLOT_SPSR]! & (1n << 20n), 1n << 20n, 'SPSR.IL');
  assert.equal(m.cpu.state.sys[SLOT_ELR], 0x1800n);
});

test('an EL0 access to an EL1 register is UNDEFINED (EC 0) taken from the lower EL', () => {
  const m = systemMachine();
  m.setX(9, 0x2000);
  m.setX(1, 0x1800);
  m.load([
    [0x1000, [0xd518c009, 0xd518401f, 0xd5184021, 0xd69f03e0]], // vbar, spsr = 0, elr = 0x1800, eret
    [0x1800, [0xd5381000, 0x14000000]], // mrs x0, sctlr_el1
    [0x2400, [0xd5385201, 0xd5384022, 0xd4000003]],
  ]);
  assert.equal(m.run().kind, 'smc');
  assert.equal(m.x(1), 0x0200_0000n);
  assert.equal(m.x(2), 0x1800n);
});

test('user mode is unchanged: EL1 registers stay UNDEFINED at EL0 and exits go to the caller', () => {
  const m = flatMachine();
  m.load([0xd5381000]); // mrs x0, sctlr_el1
  const exit = m.run();
  assert.equal(exit.kind, 'exception');
  assert.equal(exit.kind === 'exception' && exit.esr, 0x0200_0000);
  m.load([0xd53be300]); // mrs x0, cntv_tval_el0 (no timer in user mode)
  assert.equal(m.run().kind, 'exception');
  m.load([0xd53be040, 0xd4000021]); // mrs x0, cntvct_el0; svc #1
  assert.equal(m.run().kind, 'svc');
});

test('EL0 permissions: a load from an EL1-only page and a branch into EL1 code (cached in the EL1 jump cache) abort from the lower EL', () => {
  const m = mmuMachine();
  // Page 0x7000: AP = 0b11 (read-only at EL0 and EL1), so EL0 may execute it.
  m.dv.setBigUint64(L3_0 + 7 * 8, page(0x7000) | (3n << 6n), true);
  // The kernel code page: UXN, as Linux maps kernel text (AP = 0b00 alone leaves it executable at EL0).
  m.dv.setBigUint64(L3_0 + 1 * 8, page(0x1000) | (1n << 54n), true);
  m.setX(1, 0x3000);
  m.setX(14, 0x7000);
  m.setX(15, 0x1000);
  m.load([
    [0x1000, [
      ...MMU_ON,
      0xd518402e, // msr elr_el1, x14
      0xd518401f, // msr spsr_el1, xzr
      0xd69f03e0, // eret
    ]],
    [0x7000, [
      0xf9400020, // ldr x0, [x1]
      0xd61f01e0, // br x15
    ]],
    [0x2400, [
      0x910004a5, // add x5, x5, #1
      0xf10004bf, // cmp x5, #1
      0x540000e1, // b.ne 2f
      0xd5385215, // mrs x21, esr_el1
      0xd5386016, // mrs x22, far_el1
      0xd5384037, // mrs x23, elr_el1
      0x910012f7, // add x23, x23, #4
      0xd5184037, // msr elr_el1, x23
      0xd69f03e0, // eret
      0xd5385218, // 2: mrs x24, esr_el1
      0xd5386019, // mrs x25, far_el1
      0xd4000002, // hvc #0
    ]],
  ]);
  assert.equal(m.run().kind, 'hvc');
  assert.equal(m.x(21), 0x9200_000fn, 'ESR: DABT from EL0, permission fault level 3');
  assert.equal(m.x(22), 0x3000n);
  assert.equal(m.x(24), 0x8200_000fn, 'ESR: IABT from EL0, permission fault level 3');
  assert.equal(m.x(25), 0x1000n);
});

test('MRS and MSR of DAIF and SP_EL0 in every tier: DAIF bits only, SP_EL0 UNDEFINED with SPSel = 0', () => {
  forEachCpuTier(({ name: tier, jit }) => {
    const m = systemMachine({ jit });
    m.cpu.state.sys[SLOT_SP_EL0] = 0x8000n;
    m.setX(9, 0x2000);
    m.setX(6, 0x55);
    m.load([
      [0x1000, [
        0xd518c009, // msr vbar_el1, x9
        0xd53b4220, // mrs x0, daif
        0x92806801, // movn x1, #0x340 (every bit but D and F)
        0xd51b4221, // msr daif, x1
        0xd53b4222, // mrs x2, daif
        0xd5384103, // mrs x3, sp_el0
        0xd2824684, // movz x4, #0x1234
        0xd5184104, // msr sp_el0, x4
        0xd5384105, // mrs x5, sp_el0
        0xd50040bf, // msr spsel, #0
        0xd5384106, // mrs x6, sp_el0 (UNDEFINED: taken to VBAR + 0, current EL with SP_EL0)
      ]],
      [0x2000, [
        0xd5385207, // mrs x7, esr_el1
        0xd5384028, // mrs x8, elr_el1
        0xd4000002, // hvc #0
      ]],
    ]);
    assert.equal(m.run().kind, 'hvc');
    assert.equal(m.x(0), 0x3c0n, `${tier}: reset masks D, A, I and F`);
    assert.equal(m.x(2), 0x80n, `${tier}: MSR DAIF takes only the DAIF bits`);
    assert.equal(m.x(3), 0x8000n, `${tier}: SP_EL0 read`);
    assert.equal(m.x(5), 0x1234n, `${tier}: SP_EL0 written`);
    assert.equal(m.x(6), 0x55n, `${tier}: the UNDEFINED MRS wrote nothing`);
    assert.equal(m.x(7), 0x0200_0000n, `${tier}: ESR: EC = 0 (unknown), IL`);
    assert.equal(m.x(8), 0x1028n, `${tier}: ELR: the MRS`);

    // Clearing PSTATE.I through MSR DAIF lets a pending IRQ in (at the end of the block, where
    // DAIFClr, which ends its block, lets it in before the next instruction).
    const n = systemMachine({ jit });
    n.setX(9, 0x2000);
    n.load([
      [0x1000, [0xd518c009, 0xd51b423f, 0x14000000]], // msr vbar_el1, x9; msr daif, xzr; b .
      [0x2280, [0xd5384022, 0xd4000002]], // mrs x2, elr_el1; hvc #0
    ]);
    n.cpu.setIrq(true);
    assert.equal(n.run().kind, 'hvc', `${tier}: the IRQ was taken`);
    assert.equal(n.x(2), 0x1008n, `${tier}: ELR`);
  });
});
