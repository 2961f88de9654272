/** Trees shared by the FDT tests. */
import { FdtTree } from './tree.js';

/** The minimal `virt` tree from docs (arm64-platform.md section 13), plus a reservation. */
export function minimalVirt(): FdtTree {
  const t = new FdtTree({ bootCpuidPhys: 0 });
  t.addReservation(0x48200000, 0x100000);
  const r = t.root;
  r.setU32('#address-cells', 2).setU32('#size-cells', 2).setString('compatible', 'linux,dummy-virt');
  const chosen = r.addNode('chosen');
  const mem = r.addNode('memory@40000000').setString('device_type', 'memory');
  mem.setReg([[0x40000000, 0x20000000]]);
  const cpus = r.addNode('cpus').setU32('#address-cells', 1).setU32('#size-cells', 0);
  cpus
    .addNode('cpu@0')
    .setString('device_type', 'cpu')
    .setString('compatible', 'arm,cortex-a53')
    .setReg([[0, 0]])
    .setString('enable-method', 'psci');
  r.addNode('psci').setStrings('compatible', ['arm,psci-1.0', 'arm,psci-0.2']).setString('method', 'hvc');
  r.addNode('timer')
    .setString('compatible', 'arm,armv8-timer')
    .setU32('interrupts', 1, 13, 0x104, 1, 14, 0x104, 1, 11, 0x104, 1, 10, 0x104)
    .setEmpty('always-on');
  const gic = r.addNode('intc@8000000').setString('compatible', 'arm,cortex-a15-gic');
  gic.setU32('#interrupt-cells', 3).setEmpty('interrupt-controller');
  gic.setReg([
    [0x08000000, 0x10000],
    [0x08010000, 0x10000],
  ]);
  r.setCells('interrupt-parent', [gic]);
  const clk = r.addNode('clk24mhz').setString('compatible', 'fixed-clock');
  clk.setU32('#clock-cells', 0).setU32('clock-frequency', 24000000);
  const uart = r.addNode('pl011@9000000').setStrings('compatible', ['arm,pl011', 'arm,primecell']);
  uart.setReg([[0x09000000, 0x1000]]).setU32('interrupts', 0, 1, 4);
  uart.setCells('clocks', [clk, clk]).setStrings('clock-names', ['uartclk', 'apb_pclk']);
  chosen.setString('bootargs', 'console=ttyAMA0 panic=-1').setString('stdout-path', uart.path);
  chosen.setU64('linux,initrd-start', 0x48000000).setU64('linux,initrd-end', 0x480f1000n);
  chosen.setBytes('rng-seed', Uint8Array.from({ length: 32 }, (_, i) => i));
  return t;
}

