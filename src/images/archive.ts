/**
 * A minimal client for a Debian archive (the "Debian Repository Format" on wiki.debian.org):
 * `dists/<suite>/InRelease` or `Release` lists the SHA256 and size of every index;
 * `<component>/binary-<arch>/Packages.xz` lists every package with its pool path, size and SHA256.
 * The chain InRelease signature → Packages hash → .deb hash is what makes the download trustworthy.
 */
import { parseParagraph, splitParagraphs, type ControlParagraph } from './control.js';
import { decompressAll } from './decompress.js';
import { imageFetchError } from './errors.js';
import { fetchBytes } from './http.js';
import { gpgvAvailable, verifyClearsigned, verifyDetached } from './gpg.js';

/** One entry of the Release file's SHA256 list. */
export interface IndexFile {
  readonly sha256: string;
  readonly size: number;
}

/** A package's fields from Packages that downloads need. */
export interface PackageInfo {
  readonly name: string;
  readonly version: string;
  readonly filename: string;
  readonly size: number;
  readonly sha256: string;
  readonly depends: string;
}

/** Options for `openArchive`. */
export interface ArchiveOptions {
  readonly mirror: string;
  readonly suite: string;
  readonly component?: string;
  readonly arch?: string;
  /** Keyring for gpgv. Without it (or without gpgv) the archive is refused unless `allowUnsigned`. */
  readonly keyring?: string;
  /**
   * Trust the mirror without a signature (apt's `trusted=yes`): for a local test mirror. Without
   * it, a suite whose Release is not signed by the keyring (InRelease, or Release with
   * Release.gpg) is refused, whatever the mirror answers.
   */
  readonly allowUnsigned?: boolean;
  /** Status lines for the user (not progress). */
  readonly log: (line: string) => void;
  /** Abort a transfer that delivers no data for this long; default `DEFAULT_IDLE_TIMEOUT_MS`. */
  readonly idleTimeoutMs?: number;
}

/** An opened archive: the package index of one suite/component/arch. */
export interface Archive {
  readonly mirror: string;
  readonly suite: string;
  /** True when the Release's signature (InRelease or Release.gpg) was checked with gpgv. */
  readonly releaseVerified: boolean;
  lookup(name: string): PackageInfo | undefined;
  /** URL of a pool file. */
  url(filename: string): string;
}

/** Parse the SHA256 field of a Release file into path → hash and size. */
export function parseReleaseHashes(release: string): Map<string, IndexFile> {
  const para = parseParagraph(splitParagraphs(release)[0] ?? '');
  const out = new Map<string, IndexFile>();
  for (const line of (para.get('sha256') ?? '').split('\n')) {
    const [sha256, size, path] = line.trim().split(/\s+/);
    if (sha256 && size && path) out.set(path, { sha256: sha256.toLowerCase(), size: Number(size) });
  }
  return out;
}

/**
 * Reject a Release file meant for another suite, or past its Valid-Until date, as apt does: with a
 * valid signature these are the remaining ways to be fed an old or wrong index (replay).
 */
export function checkReleaseFields(release: string, suite: string, now = Date.now()): void {
  const para = parseParagraph(splitParagraphs(release)[0] ?? '');
  const names = [para.get('suite'), para.get('codename')].filter((n): n is string => n !== undefined);
  if (names.length > 0 && !names.includes(suite)) {
    throw imageFetchError(`Release file is for "${names.join('"/"')}", not the requested suite "${suite}"`);
  }
  const validUntil = para.get('valid-until');
  if (validUntil !== undefined && Date.parse(validUntil) < now) {
    throw imageFetchError(`Release file of "${suite}" expired on ${validUntil}`);
  }
}

function toPackage(p: ControlParagraph): PackageInfo | undefined {
  const name = p.get('package');
  const version = p.get('version');
  const filename = p.get('filename');
  const size = Number(p.get('size'));
  const sha256 = p.get('sha256');
  if (!name || !version || !filename || !sha256 || !Number.isSafeInteger(size)) return undefined;
  // Names and versions become cache directory names: allow only what Debian Policy 5.6.1/5.6.12 allow.
  if (!/^[a-z0-9][a-z0-9+.-]+$/.test(name) || !/^[A-Za-z0-9.+~:-]+$/.test(version) || !/^[0-9a-fA-F]{64}$/.test(sha256)) {
    return undefined;
  }
  return { name, version, filename, size, sha256: sha256.toLowerCase(), depends: p.get('depends') ?? '' };
}

/**
 * Index a Packages file by package name without parsing every paragraph (bookworm's arm64 list
 * has about 60,000); the first entry for a name wins.
 */
export function indexPackages(text: string): (name: string) => PackageInfo | undefined {
  const byName = new Map<string, string>();
  for (const para of splitParagraphs(text)) {
    const m = /^Package:\s*(\S+)/m.exec(para);
    if (m && !byName.has(m[1]!)) byName.set(m[1]!, para);
  }
  return (name) => {
    const para = byName.get(name);
    return para === undefined ? undefined : toPackage(parseParagraph(para));
  };
}

function idle(opts: ArchiveOptions): { idleTimeoutMs?: number } {
  return opts.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: opts.idleTimeoutMs };
}

/**
 * Fetch the Release file with its signature checked, as apt does: InRelease (clearsigned), or else
 * Release with its detached Release.gpg. A mirror that answers 404 for both signatures is refused:
 * anyone between the user and a plain-HTTP mirror could otherwise choose the unsigned path.
 */
async function fetchRelease(base: string, opts: ArchiveOptions): Promise<{ text: string; verified: boolean }> {
  const keyring = opts.keyring;
  const verifier = keyring !== undefined && (await gpgvAvailable(keyring));
  const unsigned = async (why: string) => {
    if (opts.allowUnsigned !== true) {
      throw imageFetchError(`Cannot trust "${base}": ${why}. Install gpgv and debian-archive-keyring (or name a keyring with --keyring), or pass --allow-unsigned for a mirror you trust without a signature`);
    }
    opts.log(`Release: ${why}; using Release WITHOUT signature verification (--allow-unsigned)`);
    return { text: new TextDecoder().decode(await fetchBytes(`${base}/Release`, idle(opts))), verified: false };
  };
  if (!verifier) return unsigned(`gpgv or the keyring "${keyring ?? '(none)'}" is unavailable`);
  const signed = await fetchBytes(`${base}/InRelease`, { optional: true, ...idle(opts) });
  if (signed !== undefined) {
    const text = await verifyClearsigned(signed, keyring, `${base}/InRelease`);
    opts.log(`Release: InRelease signature verified with gpgv against "${keyring}"`);
    return { text, verified: true };
  }
  const release = await fetchBytes(`${base}/Release`, idle(opts));
  const signature = await fetchBytes(`${base}/Release.gpg`, { optional: true, ...idle(opts) });
  if (signature === undefined) return unsigned('the mirror has neither InRelease nor Release.gpg');
  await verifyDetached(release!, signature, keyring, `${base}/Release`);
  opts.log(`Release: Release.gpg signature verified with gpgv against "${keyring}"`);
  return { text: new TextDecoder().decode(release), verified: true };
}

/** Fetch and verify the suite's Release and package index. */
export async function openArchive(opts: ArchiveOptions): Promise<Archive> {
  const component = opts.component ?? 'main';
  const arch = opts.arch ?? 'arm64';
  const mirror = opts.mirror.replace(/\/+$/, '');
  const base = `${mirror}/dists/${opts.suite}`;
  const release = await fetchRelease(base, opts);
  checkReleaseFields(release.text, opts.suite);
  const hashes = parseReleaseHashes(release.text);
  const stem = `${component}/binary-${arch}/Packages`;
  const choice = ['.xz', '.gz'].map((ext) => stem + ext).find((p) => hashes.has(p));
  if (!choice) throw imageFetchError(`Cannot find "${stem}.xz" or ".gz" in the Release file of "${base}"`);
  const expect = hashes.get(choice)!;
  const compressed = await fetchBytes(`${base}/${choice}`, { ...expect, ...idle(opts) });
  opts.log(`Packages: ${choice} (${compressed!.length} bytes) matches the Release SHA256`);
  const text = new TextDecoder().decode(await decompressAll(compressed!, choice));
  const lookup = indexPackages(text);
  return {
    mirror,
    suite: opts.suite,
    releaseVerified: release.verified,
    lookup,
    url: (filename) => `${mirror}/${filename}`,
  };
}

/** Names of the first alternative of each dependency in a Depends field. */
export function dependencyNames(depends: string): string[] {
  return depends
    .split(',')
    .map((d) => d.split('|')[0]!.trim().split(/[\s(]/)[0]!)
    .filter((n) => n !== '');
}
