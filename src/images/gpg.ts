/**
 * Check a clearsigned InRelease file (or a Release with its detached Release.gpg) with gpgv(1), as
 * apt does, and return only the text that was signed (never the unsigned parts around it).
 */
import { execFile } from 'node:child_process';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageFetchError } from './errors.js';

function run(cmd: string, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, (err, _stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 127) : 0;
      resolve({ code, stderr: String(stderr) });
    });
  });
}

/** True when gpgv runs and `keyring` is readable. */
export async function gpgvAvailable(keyring: string): Promise<boolean> {
  try {
    await access(keyring);
  } catch {
    return false; // A missing keyring simply means "cannot verify"; the caller says so.
  }
  return (await run('gpgv', ['--version'])).code === 0;
}

/** Verify `signed` against `keyring`; returns the signed text or throws IMAGE_FETCH. */
export async function verifyClearsigned(signed: Uint8Array, keyring: string, what: string): Promise<string> {
  // Say what is wrong with a file that is not clearsigned at all, rather than pass on gpgv's words.
  const head = new TextDecoder().decode(signed.subarray(0, 64));
  if (!head.startsWith('-----BEGIN PGP SIGNED MESSAGE-----')) {
    throw imageFetchError(`Cannot verify "${what}": it is not a clearsigned file (no "-----BEGIN PGP SIGNED MESSAGE-----" line first)`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'xenon-gpgv-'));
  try {
    const input = join(dir, 'InRelease');
    const output = join(dir, 'Release');
    await writeFile(input, signed);
    const r = await run('gpgv', ['--quiet', '--keyring', keyring, '--output', output, input]);
    if (r.code !== 0) {
      const detail = r.stderr.trim().split('\n').pop() ?? '';
      throw imageFetchError(`Cannot verify the signature of "${what}" with "${keyring}": ${detail}`);
    }
    return await readFile(output, 'utf8');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Verify `data` against its detached `signature` (Release and Release.gpg); throws IMAGE_FETCH. */
export async function verifyDetached(data: Uint8Array, signature: Uint8Array, keyring: string, what: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'xenon-gpgv-'));
  try {
    const dataFile = join(dir, 'Release');
    const sigFile = join(dir, 'Release.gpg');
    await writeFile(dataFile, data);
    await writeFile(sigFile, signature);
    const r = await run('gpgv', ['--quiet', '--keyring', keyring, sigFile, dataFile]);
    if (r.code !== 0) {
      const detail = r.stderr.trim().split('\n').pop() ?? '';
      throw imageFetchError(`Cannot verify the signature of "${what}" (Release.gpg) with "${keyring}": ${detail}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
