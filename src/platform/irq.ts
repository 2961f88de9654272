/** A level-sensitive interrupt line from a device to the interrupt controller. */
export interface IrqLine {
  set(level: boolean): void;
}

/** A line that goes nowhere, for devices whose interrupt is not wired. */
export const DISCONNECTED_IRQ: IrqLine = { set: () => undefined };
