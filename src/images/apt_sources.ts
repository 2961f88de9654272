/**
 * Find the Debian archive this system is configured for, from apt's own configuration.
 *
 * Both formats of sources.list(5) are read: one-line `deb [options] uri suite component...`
 * (`/etc/apt/sources.list`, `sources.list.d/*.list`) and deb822 paragraphs
 * (`sources.list.d/*.sources`). We never name a mirror ourselves: either the user passes one, or
 * we use the first `deb` source whose suites include the running release's codename.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseControl } from './control.js';
import { imageFetchError } from './errors.js';

/** One `deb` source (deb-src entries are ignored). */
export interface AptSource {
  readonly uri: string;
  readonly suites: readonly string[];
  readonly components: readonly string[];
  /** The keyring from `signed-by`, when it names a file. */
  readonly signedBy?: string;
  /** Where it was read from, for messages. */
  readonly file: string;
}

/** The archive and suite chosen for `image pull`. */
export interface ArchiveChoice {
  readonly mirror: string;
  readonly suite: string;
  readonly keyring?: string;
  /** Human-readable origin, e.g. "/etc/apt/sources.list.d/debian.sources". */
  readonly origin: string;
}

/** Parse the one-line format, e.g. `deb [arch=amd64 signed-by=/k.gpg] http://host/debian bookworm main`. */
export function parseOneLineSources(text: string, file: string): AptSource[] {
  const out: AptSource[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line.startsWith('deb ') && !line.startsWith('deb\t')) continue;
    let rest = line.slice(4).trim();
    let signedBy: string | undefined;
    if (rest.startsWith('[')) {
      const end = rest.indexOf(']');
      if (end < 0) continue;
      for (const opt of rest.slice(1, end).trim().split(/\s+/)) {
        const [k, v] = opt.split('=');
        if (k === 'signed-by' && v) signedBy = v;
      }
      rest = rest.slice(end + 1).trim();
    }
    const [uri, suite, ...components] = rest.split(/\s+/);
    if (!uri || !suite) continue;
    out.push({ uri, suites: [suite], components, file, ...(signedBy ? { signedBy } : {}) });
  }
  return out;
}

/** Parse the deb822 format; honours `Enabled: no`. */
export function parseDeb822Sources(text: string, file: string): AptSource[] {
  const out: AptSource[] = [];
  for (const p of parseControl(text)) {
    const words = (k: string): string[] => (p.get(k) ?? '').split(/\s+/).filter((w) => w !== '');
    if (!words('types').includes('deb') || p.get('enabled')?.toLowerCase() === 'no') continue;
    const signedBy = p.get('signed-by');
    for (const uri of words('uris')) {
      out.push({
        uri,
        suites: words('suites'),
        components: words('components'),
        file,
        // An inline key block (several lines) is not a file name; ignore it.
        ...(signedBy && !signedBy.includes('\n') ? { signedBy } : {}),
      });
    }
  }
  return out;
}

/** Read every configured `deb` source under `etcApt` (default `/etc/apt`), in apt's order. */
export function readAptSources(etcApt = '/etc/apt'): AptSource[] {
  const out: AptSource[] = [];
  const main = join(etcApt, 'sources.list');
  if (existsSync(main)) out.push(...parseOneLineSources(readFileSync(main, 'utf8'), main));
  const dir = join(etcApt, 'sources.list.d');
  if (existsSync(dir)) {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (name.endsWith('.list')) out.push(...parseOneLineSources(readFileSync(path, 'utf8'), path));
      else if (name.endsWith('.sources')) out.push(...parseDeb822Sources(readFileSync(path, 'utf8'), path));
    }
  }
  return out;
}

/** VERSION_CODENAME from os-release(5), e.g. "bookworm". */
export function runningCodename(osRelease = '/etc/os-release'): string | undefined {
  if (!existsSync(osRelease)) return undefined;
  const m = /^VERSION_CODENAME=["']?([^"'\n]*)/m.exec(readFileSync(osRelease, 'utf8'));
  return m?.[1] || undefined;
}

/**
 * Pick the first `deb` source with component "main" whose suites include `codename`; without a
 * codename, the first source with "main" and its first suite.
 */
export function chooseArchive(sources: readonly AptSource[], codename: string | undefined): ArchiveChoice {
  const usable = sources.filter((s) => s.components.includes('main') && /^https?:\/\//.test(s.uri));
  const pick = codename ? usable.find((s) => s.suites.includes(codename)) : usable[0];
  const suite = codename ?? pick?.suites[0];
  if (!pick || !suite) {
    throw imageFetchError(
      `Cannot find a Debian archive in apt's sources${codename ? ` for suite "${codename}"` : ''}: pass --mirror URL --suite NAME`,
    );
  }
  return {
    mirror: pick.uri.replace(/\/+$/, ''),
    suite,
    origin: pick.file,
    ...(pick.signedBy ? { keyring: pick.signedBy } : {}),
  };
}
