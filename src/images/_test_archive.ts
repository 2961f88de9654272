/**
 * Test fixtures: a synthetic Debian archive (Release, Packages, .debs built with dpkg-deb) served
 * by a local HTTP server on 127.0.0.1, with switches for the failure cases.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export const KVER = '6.1.0-99-arm64';
export const KPKG = `linux-image-${KVER}`;

/** A fake arm64 Image: header magic "ARM\x64" at 0x38, then a recognisable pattern. */
export function fakeImage(size = 8192): Uint8Array {
  const b = Uint8Array.from({ length: size }, (_, i) => (i * 7) & 0xff);
  b.set([0x41, 0x52, 0x4d, 0x64], 0x38);
  return b;
}

/** The fake busybox's applets (sorted as busybox sorts them) and the directories its tables give them. */
export const FAKE_APPLETS: readonly (readonly [string, string])[] = [
  ['[', 'usr/bin'], ['[[', 'usr/bin'], ['arping', 'usr/sbin'], ['cat', 'bin'], ['init', 'sbin'],
  ['linuxrc', ''], ['ls', 'bin'], ['mount', 'bin'], ['sh', 'bin'],
];

/** Busybox's generated tables for `applets`: applet_install_loc (a nibble each) and applet_names. */
export function busyboxTables(applets: readonly (readonly [string, string])[]): { installLoc: Uint8Array; names: Uint8Array } {
  const dirs = ['', 'bin', 'sbin', 'usr/bin', 'usr/sbin'];
  const installLoc = new Uint8Array((applets.length + 1) >> 1);
  applets.forEach(([, dir], i) => { installLoc[i >> 1]! |= dirs.indexOf(dir) << ((i & 1) * 4); });
  return { installLoc, names: new TextEncoder().encode(`${applets.map(([n]) => `${n}\0`).join('')}\0`) };
}

/**
 * A fake static busybox: a 64-bit little-endian ELF header for EM_AARCH64 (183), then busybox's
 * applet tables for FAKE_APPLETS with filler between them, as .rodata holds them.
 */
export function fakeBusybox(): Uint8Array {
  const { installLoc, names } = busyboxTables(FAKE_APPLETS);
  const b = new Uint8Array(256 + installLoc.length + 40 + names.length + 16).fill(0x5a);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
  b[18] = 183;
  b[19] = 0;
  b.set(installLoc, 256);
  b.set(names, 256 + installLoc.length + 40);
  return b;
}

/**
 * A minimal ELF64 little-endian relocatable file with a `.modinfo` section, like a kernel module:
 * sections null, .modinfo, .shstrtab.
 */
export function fakeModule(name: string, depends: string): Uint8Array {
  const enc = new TextEncoder();
  const modinfo = enc.encode(`license=GPL\0depends=${depends}\0name=${name}\0`);
  const shstrtab = enc.encode('\0.modinfo\0.shstrtab\0');
  const modinfoOff = 64;
  const strOff = modinfoOff + modinfo.length;
  const shoff = (strOff + shstrtab.length + 7) & ~7;
  const out = new Uint8Array(shoff + 3 * 64);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
  v.setUint16(16, 1, true); // ET_REL
  v.setUint16(18, 183, true); // EM_AARCH64
  v.setBigUint64(0x28, BigInt(shoff), true);
  v.setUint16(0x3a, 64, true);
  v.setUint16(0x3c, 3, true);
  v.setUint16(0x3e, 2, true);
  out.set(modinfo, modinfoOff);
  out.set(shstrtab, strOff);
  const sh = (i: number, nameOff: number, type: number, off: number, size: number): void => {
    v.setUint32(shoff + i * 64, nameOff, true);
    v.setUint32(shoff + i * 64 + 4, type, true);
    v.setBigUint64(shoff + i * 64 + 24, BigInt(off), true);
    v.setBigUint64(shoff + i * 64 + 32, BigInt(size), true);
  };
  sh(1, 1, 1, modinfoOff, modinfo.length); // SHT_PROGBITS
  sh(2, 10, 3, strOff, shstrtab.length); // SHT_STRTAB
  return out;
}

/** Module files of the fake kernel package: a chain that needs two extra passes to resolve. */
export function fakeModuleTree(): Record<string, Uint8Array> {
  const dir = `lib/modules/${KVER}`;
  return {
    [`${dir}/kernel/drivers/virtio/virtio_mmio.ko`]: fakeModule('virtio_mmio', ''),
    [`${dir}/kernel/drivers/block/virtio_blk.ko`]: fakeModule('virtio_blk', 'blk-helper,virtio_ring'),
    [`${dir}/kernel/drivers/block/blk-helper.ko`]: fakeModule('blk_helper', 'deep_helper'),
    [`${dir}/kernel/lib/deep_helper.ko`]: fakeModule('deep_helper', ''),
    [`${dir}/kernel/drivers/net/virtio_net.ko`]: fakeModule('virtio_net', 'net_failover'),
    [`${dir}/kernel/drivers/net/net_failover.ko`]: fakeModule('net_failover', 'failover'),
    [`${dir}/kernel/net/core/failover.ko`]: fakeModule('failover', ''),
    [`${dir}/kernel/drivers/unrelated.ko`]: fakeModule('unrelated', ''),
    [`${dir}/kernel/fs/ext4/ext4.ko`]: fakeModule('ext4', 'mbcache,jbd2,crc16'),
    [`${dir}/kernel/fs/jbd2/jbd2.ko`]: fakeModule('jbd2', ''),
    [`${dir}/kernel/fs/mbcache.ko`]: fakeModule('mbcache', ''),
    [`${dir}/kernel/lib/crc16.ko`]: fakeModule('crc16', ''),
    [`${dir}/kernel/crypto/crc32c_generic.ko`]: fakeModule('crc32c_generic', ''),
    [`${dir}/modules.builtin`]: new TextEncoder().encode('kernel/drivers/virtio/virtio_ring.ko\nkernel/drivers/virtio/virtio.ko\n'),
  };
}

const enc = (text: string): Uint8Array => new TextEncoder().encode(text);

/** The fake base-files: a few of the real package's files, its os-release link and postinst templates. */
export const FAKE_BASE_FILES: Record<string, Uint8Array | DebSymlink> = {
  'etc/debian_version': enc('12.99\n'),
  'usr/lib/os-release': enc('PRETTY_NAME="Debian GNU/Linux 12 (test)"\n'),
  'etc/os-release': { symlink: '../usr/lib/os-release' },
  'usr/share/base-files/profile': enc('export PATH=/sbin:/bin\n'),
  'usr/share/base-files/dot.profile': enc('# ~/.profile\n'),
  'usr/share/base-files/motd': enc('test motd\n'),
};

export function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

/** A symbolic link in a fake package. */
export interface DebSymlink {
  readonly symlink: string;
}

/** Build a .deb with dpkg-deb from `files` (path → bytes, 0755; or a symlink's target). */
export function buildDeb(name: string, version: string, files: Record<string, Uint8Array | DebSymlink>, compression: 'xz' | 'gzip'): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'xenon-deb-'));
  try {
    const root = join(dir, 'root');
    mkdirSync(join(root, 'DEBIAN'), { recursive: true });
    writeFileSync(
      join(root, 'DEBIAN/control'),
      `Package: ${name}\nVersion: ${version}\nArchitecture: arm64\nMaintainer: Test <t@example.invalid>\nDescription: test\n`,
    );
    for (const [path, data] of Object.entries(files)) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      if (data instanceof Uint8Array) writeFileSync(join(root, path), data, { mode: 0o755 });
      else symlinkSync(data.symlink, join(root, path));
    }
    const out = join(dir, 'out.deb');
    execFileSync('dpkg-deb', ['--root-owner-group', `-Z${compression}`, '--build', root, out], { stdio: 'ignore' });
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Knobs for the failure cases. */
export interface ArchiveFaults {
  /** Wrong SHA256 for this package in Packages. */
  badHashFor?: string;
  /** Serve only the first half of this package's .deb while declaring the full length. */
  truncate?: string;
  /** Wrong SHA256 for the Packages index in Release. */
  badPackagesHash?: boolean;
  /** Serve an InRelease with a bogus signature. */
  bogusInRelease?: boolean;
  /** Serve Release with Content-Encoding: gzip (Content-Length then counts compressed bytes). */
  gzipRelease?: boolean;
  /** Send the headers and half of this package's .deb, then nothing (connection stays open). */
  stall?: string;
  /** Serve the Release text, unsigned, as InRelease. */
  plainInRelease?: boolean;
  /** Serve Release as a body that never ends (no Content-Length). */
  endlessRelease?: boolean;
  /** Sign the suite with this test signer: a clearsigned InRelease, and/or Release.gpg beside Release. */
  signWith?: { readonly signer: TestSigner; readonly inRelease: boolean; readonly releaseGpg: boolean };
}

/** A throwaway OpenPGP key (in its own GnuPG home) and the keyring gpgv checks it with. */
export interface TestSigner {
  readonly home: string;
  readonly keyring: string;
  /** Removes the key's directory. */
  dispose(): void;
}

/** Makes a signing key with gpg(1) in a temporary home, and exports its public keyring for gpgv. */
export function makeTestSigner(): TestSigner {
  const home = mkdtempSync(join(tmpdir(), 'xenon-gpg-'));
  const gpg = (args: string[], input?: string) => execFileSync('gpg', ['--batch', '--homedir', home, '--pinentry-mode', 'loopback', '--passphrase', '', ...args], { input, stdio: ['pipe', 'pipe', 'ignore'] });
  gpg(['--quick-gen-key', 'Xenon test archive <archive@example.invalid>', 'ed25519', 'sign', 'never']);
  const keyring = join(home, 'keyring.gpg');
  writeFileSync(keyring, gpg(['--export']));
  return { home, keyring, dispose: () => rmSync(home, { recursive: true, force: true }) };
}

function sign(signer: TestSigner, mode: '--clearsign' | '--detach-sign', text: string): Uint8Array {
  return execFileSync('gpg', ['--batch', '--homedir', signer.home, '--pinentry-mode', 'loopback', '--passphrase', '', mode, '--output', '-'], {
    input: text, stdio: ['pipe', 'pipe', 'ignore'],
  });
}

export interface TestArchive {
  readonly url: string;
  readonly image: Uint8Array;
  readonly busybox: Uint8Array;
  /** Paths requested so far. */
  readonly requests: string[];
  close(): Promise<void>;
}

/** Build the archive and start serving it. */
export async function startArchive(opts: { compression: 'xz' | 'gzip'; faults?: ArchiveFaults }): Promise<TestArchive> {
  const faults = opts.faults ?? {};
  const image = fakeImage();
  const busybox = fakeBusybox();
  const debs: [string, string, Uint8Array, string][] = [
    ['linux-image-arm64', '6.1.999-1', buildDeb('linux-image-arm64', '6.1.999-1', {}, opts.compression), `${KPKG} (= 6.1.999-1)`],
    [KPKG, '6.1.999-1', buildDeb(KPKG, '6.1.999-1', { [`boot/vmlinuz-${KVER}`]: gzipSync(image), ...fakeModuleTree() }, opts.compression), 'kmod'],
    ['busybox-static', '1:1.35.0-4', buildDeb('busybox-static', '1:1.35.0-4', { 'bin/busybox': busybox }, opts.compression), ''],
    ['base-files', '12.99', buildDeb('base-files', '12.99', FAKE_BASE_FILES, opts.compression), ''],
    ['netbase', '6.99', buildDeb('netbase', '6.99', { 'etc/services': enc('tcp 1/tcp\n'), 'etc/protocols': enc('ip 0 IP\n') }, opts.compression), ''],
  ];
  const files = new Map<string, Uint8Array>();
  const paras = debs.map(([name, version, deb, depends]) => {
    const filename = `pool/main/${name[0]}/${name}/${name}_${version.replace(/^\d+:/, '')}_arm64.deb`;
    files.set(`/${filename}`, deb);
    const hash = faults.badHashFor === name ? '0'.repeat(64) : sha256(deb);
    return `Package: ${name}\nVersion: ${version}\nArchitecture: arm64\n${depends ? `Depends: ${depends}\n` : ''}Filename: ${filename}\nSize: ${deb.length}\nSHA256: ${hash}\nDescription: test\n`;
  });
  const packages = new TextEncoder().encode(`Package: unrelated\nVersion: 1\n\n${paras.join('\n')}`);
  const index =
    opts.compression === 'xz'
      ? ['main/binary-arm64/Packages.xz', execFileSync('xz', ['-c'], { input: packages })]
      : ['main/binary-arm64/Packages.gz', gzipSync(packages)];
  const [indexPath, indexBytes] = index as [string, Uint8Array];
  files.set(`/dists/testing/${indexPath}`, indexBytes);
  const indexHash = faults.badPackagesHash ? 'f'.repeat(64) : sha256(indexBytes);
  const release =
    `Origin: Test\nSuite: testing\nArchitectures: arm64\nSHA256:\n` +
    ` ${sha256(packages)} ${packages.length} main/binary-arm64/Packages\n` +
    ` ${indexHash} ${indexBytes.length} ${indexPath}\n`;
  files.set('/dists/testing/Release', new TextEncoder().encode(release));
  if (faults.plainInRelease === true) files.set('/dists/testing/InRelease', new TextEncoder().encode(release));
  if (faults.signWith?.inRelease === true) files.set('/dists/testing/InRelease', sign(faults.signWith.signer, '--clearsign', release));
  if (faults.signWith?.releaseGpg === true) files.set('/dists/testing/Release.gpg', sign(faults.signWith.signer, '--detach-sign', release));
  if (faults.bogusInRelease) {
    const bogus =
      `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n${release}-----BEGIN PGP SIGNATURE-----\n\n` +
      `iQIzBAEBCAAdFiEEpHxYpXW2Fn8N3zmfgGt2HSr9cDgFAmYAAAAACgkQgGt2HSr9\n=abcd\n-----END PGP SIGNATURE-----\n`;
    files.set('/dists/testing/InRelease', new TextEncoder().encode(bogus));
  }

  const requests: string[] = [];
  const stalled: { destroy(): void }[] = [];
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    requests.push(path);
    const body = files.get(path);
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    if (faults.endlessRelease && path.endsWith('/Release')) {
      res.writeHead(200);
      const chunk = new Uint8Array(64 * 1024).fill(0x41);
      const more = (): void => {
        while (!res.destroyed && res.write(chunk)) { /* until the socket pushes back */ }
        if (!res.destroyed) res.once('drain', more);
      };
      res.on('close', () => res.removeAllListeners('drain'));
      more();
      return;
    }
    if (faults.gzipRelease && path.endsWith('/Release')) {
      const gz = gzipSync(body);
      res.writeHead(200, { 'content-length': gz.length, 'content-encoding': 'gzip' }).end(gz);
      return;
    }
    res.writeHead(200, { 'content-length': body.length });
    if (faults.stall && path.includes(`/${faults.stall}_`)) {
      res.write(body.subarray(0, body.length >> 1));
      stalled.push(res);
      return;
    }
    if (faults.truncate && path.includes(`/${faults.truncate}_`)) {
      res.write(body.subarray(0, body.length >> 1), () => res.destroy());
      return;
    }
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    image,
    busybox,
    requests,
    close: () => {
      stalled.forEach((r) => r.destroy());
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}
