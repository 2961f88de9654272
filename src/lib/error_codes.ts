/**
 * The catalogue of error codes. Codes never change meaning; add new ones at the end of their group.
 * The CLI's exit status comes from here.
 */
export const ERROR_CODES = {
  USAGE: { exitStatus: 2, summary: 'Bad command-line arguments' },
  FILE_NOT_FOUND: { exitStatus: 3, summary: 'A file named by the user does not exist' },
  BAD_EXECUTABLE: { exitStatus: 4, summary: 'An executable or kernel image is malformed or unsupported' },
  GUEST_FAILED: { exitStatus: 5, summary: 'The guest stopped in a way that cannot continue' },
  IMAGE_FETCH: { exitStatus: 6, summary: 'Guest images could not be fetched or verified' },
  IMAGE_BUILD: { exitStatus: 10, summary: 'A guest disk image could not be built (a host tool failed or is missing, or the output is in the way)' },
  DECODE_TABLE: { exitStatus: 70, summary: 'The instruction decode table is inconsistent' },
  XENSTORE: { exitStatus: 7, summary: 'A xenstore request, connection or saved store was refused' },
  CONFIG: { exitStatus: 1, summary: 'A domain configuration is invalid' },
  DAEMON: { exitStatus: 1, summary: 'The toolstack daemon could not be reached, or refused a request' },
  HOST_IO: { exitStatus: 9, summary: 'A host file or stream could not be read or written (the message names it and why)' },
  GUEST_RESET: { exitStatus: 8, summary: 'The guest reset the machine (a reboot, or a kernel panic with panic=N) and was not booted again' },
} as const satisfies Record<string, { exitStatus: number; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
