/** XenbusState (xen/include/public/io/xenbus.h), written as decimal strings to `<dir>/state`. */
export const XenbusState = {
  Unknown: 0,
  Initialising: 1,
  InitWait: 2,
  Initialised: 3,
  Connected: 4,
  Closing: 5,
  Closed: 6,
  Reconfiguring: 7,
  Reconfigured: 8,
} as const;
export type XenbusStateValue = (typeof XenbusState)[keyof typeof XenbusState];

/** What a backend does as its frontend's state changes (Linux's frontend_changed in each backend). */
export interface FrontendStateHandlers {
  /** The backend's own state now. */
  readonly backendState: number;
  /** Go to this state (InitWait again after a close, Closing when the frontend closes). */
  switchState(s: XenbusStateValue): void;
  /** Map the frontend's rings and go to Connected. */
  connect(): void;
  /** The frontend closed or vanished: let go of its rings, then go to Closed. */
  closed(): void;
}

/**
 * The state machine Linux's blkback and netback share: a frontend that re-initialises after a
 * close finds the backend in InitWait again; Initialised or Connected connect once (two watch
 * events can follow one change); Closing is followed; Closed or gone disconnects.
 */
export function followFrontend(frontendState: number, h: FrontendStateHandlers): void {
  switch (frontendState) {
    case XenbusState.Initialising:
      if (h.backendState === XenbusState.Closed) h.switchState(XenbusState.InitWait);
      break;
    case XenbusState.Initialised:
    case XenbusState.Connected:
      if (h.backendState === XenbusState.Connected || h.backendState === XenbusState.Closing) break;
      h.connect();
      break;
    case XenbusState.Closing:
      h.switchState(XenbusState.Closing);
      break;
    case XenbusState.Closed:
    case XenbusState.Unknown:
      h.closed();
      break;
    default:
      break;
  }
}
