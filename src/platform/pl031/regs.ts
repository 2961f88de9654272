/** PL031 real-time clock register map (ARM PrimeCell RTC PL031 Technical Reference Manual, 3.2). */
export const PL031_REGS = {
  DR: 0x000, // data: current counter, read-only
  MR: 0x004, // match
  LR: 0x008, // load: sets the counter
  CR: 0x00c, // control: bit 0 starts the counter (cannot be stopped once started)
  IMSC: 0x010, // interrupt mask set/clear
  RIS: 0x014, // raw interrupt status
  MIS: 0x018, // masked interrupt status
  ICR: 0x01c, // interrupt clear
} as const;

/** PeriphID0..3 then CellID0..3 at 0xfe0..0xffc: how the AMBA bus identifies a PL031. */
export const PL031_ID = [0x31, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1] as const;
export const PL031_ID_BASE = 0xfe0;
export const PL031_SIZE = 0x1000;
