/**
 * Host I/O errors as the user sees them: one line naming the file and the reason, never a stack
 * trace; and a standard output that the reader closed ends the run quietly, as other Unix tools do
 * (`xenon boot … | head`).
 */
import { ERROR_CODES } from '../lib/error_codes.js';

/** A Node.js system error (fs, net, streams): it carries an errno code such as ENOENT. */
export interface SystemError extends Error {
  readonly code: string;
  readonly syscall?: string;
  readonly path?: string;
  readonly dest?: string;
}

export function isSystemError(e: unknown): e is SystemError {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code);
}

/** "open "/x/y.dtb": no such file or directory (ENOENT)", from Node's "ENOENT: no such file or directory, open '/x/y.dtb'". */
export function describeSystemError(e: SystemError): string {
  const reason = /^E[A-Z0-9]+: ([^,]+)/.exec(e.message)?.[1] ?? e.message;
  const what = e.path !== undefined ? `${e.syscall ?? 'access'} "${e.path}"${e.dest !== undefined ? ` -> "${e.dest}"` : ''}: ` : e.syscall !== undefined ? `${e.syscall}: ` : '';
  return `${what}${reason} (${e.code})`;
}

/**
 * Makes an error on standard output end the process: EPIPE (the reader went away) quietly with
 * status 0, anything else (ENOSPC on /dev/full) with one line on standard error.
 */
export function handleStdoutErrors(stdout: NodeJS.WriteStream, stderr: NodeJS.WriteStream, exit: (status: number) => never): void {
  stdout.on('error', (e: Error) => {
    if (isSystemError(e) && e.code === 'EPIPE') exit(0);
    stderr.write(`xenon: Cannot write to standard output: ${isSystemError(e) ? describeSystemError(e) : e.message}\n`);
    exit(ERROR_CODES.HOST_IO.exitStatus);
  });
}
