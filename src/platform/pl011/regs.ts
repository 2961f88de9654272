/** PL011 UART register map and bits (ARM PrimeCell UART PL011 Technical Reference Manual, 3.2–3.3). */
export const PL011_REGS = {
  DR: 0x000,
  RSR: 0x004, // receive status / error clear
  FR: 0x018,
  ILPR: 0x020,
  IBRD: 0x024,
  FBRD: 0x028,
  LCR_H: 0x02c,
  CR: 0x030,
  IFLS: 0x034,
  IMSC: 0x038,
  RIS: 0x03c,
  MIS: 0x040,
  ICR: 0x044,
  DMACR: 0x048,
} as const;

export const FR = { BUSY: 1 << 3, RXFE: 1 << 4, TXFF: 1 << 5, RXFF: 1 << 6, TXFE: 1 << 7 } as const;
/** Interrupt bits shared by IMSC, RIS, MIS and ICR. */
export const INT = { RX: 1 << 4, TX: 1 << 5, RT: 1 << 6 } as const;
export const LCR_H_FEN = 1 << 4;

export const PL011_ID = [0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1] as const;
export const PL011_ID_BASE = 0xfe0;
export const PL011_SIZE = 0x1000;
export const PL011_FIFO_DEPTH = 16;
