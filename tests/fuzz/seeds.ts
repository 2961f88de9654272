/**
 * Seed corpora for the fuzz targets: small real inputs built in memory with the repository's test
 * builders (ELF, arm64 Image, FDT) or with writers written here to the formats' specifications
 * (ar, ustar/GNU/pax tar, deb822). xz seeds need the `xz` tool and are left out without it; nothing
 * uses the network.
 */
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { PT_GNU_STACK, PT_TLS } from '../../src/lib/elf.js';
import { makeElf } from '../../src/linux_user/_test_elf.js';
import { arm64Image, kernelElf, printAndPowerOff } from '../../src/platform/boot/_test_kernels.js';
import { minimalVirt } from '../../src/platform/fdt/_test_trees.js';
import { FdtTree } from '../../src/platform/fdt/tree.js';
import { fdtToBlob } from '../../src/platform/fdt/writer.js';
import { DOMU_DEV_CFG, DOMU_MIN_CFG } from '../../src/toolstack/config/_oracle_fixtures.js';
import { encodeMessage, latin1ToBytes, XS_MKDIR, XS_READ, XS_RM, XS_SET_PERMS, XS_TRANSACTION_END, XS_TRANSACTION_START, XS_WATCH, XS_WRITE } from '../../src/xenstore/wire.js';

const enc = new TextEncoder();

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** An ar archive (the "!<arch>" format of deb(5)), members padded to even length. */
export function arArchive(members: Record<string, Uint8Array>): Uint8Array {
  const parts: Uint8Array[] = [enc.encode("!<arch>\n")];
  for (const [name, data] of Object.entries(members)) {
    const h = `${`${name}/`.padEnd(16)}${'0'.padEnd(12)}${'0'.padEnd(6)}${'0'.padEnd(6)}${'100644'.padEnd(8)}${String(data.length).padEnd(10)}\`\n`;
    parts.push(enc.encode(h), data);
    if (data.length % 2 === 1) parts.push(enc.encode('\n'));
  }
  return concat(parts);
}

interface TarEntry {
  readonly path: string;
  readonly type?: string;
  readonly data?: Uint8Array;
  readonly link?: string;
}

function tarHeader(path: string, type: string, size: number, link = ''): Uint8Array {
  const h = new Uint8Array(512);
  const put = (off: number, s: string) => h.set(enc.encode(s), off);
  const oct = (off: number, len: number, v: number) => put(off, `${v.toString(8).padStart(len - 1, '0')}\0`);
  put(0, path.slice(0, 100));
  oct(100, 8, type === '5' ? 0o755 : 0o644);
  oct(108, 8, 0);
  oct(116, 8, 0);
  oct(124, 12, size);
  oct(136, 12, 1700000000);
  put(156, type);
  put(157, link.slice(0, 100));
  put(257, 'ustar\x0000');
  put(265, 'root');
  put(297, 'root');
  h.fill(0x20, 148, 156);
  const sum = h.reduce((a, b) => a + b, 0);
  put(148, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

function padded(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(data.length / 512) * 512);
  out.set(data);
  return out;
}

/** A tar archive as dpkg-deb writes it: ustar members, GNU long names ('L') and pax headers ('x'). */
export function tarArchive(entries: readonly TarEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    const data = e.data ?? new Uint8Array(0);
    const type = e.type ?? '0';
    if (e.path.length > 100) {
      const name = enc.encode(`${e.path}\0`);
      parts.push(tarHeader('././@LongLink', 'L', name.length), padded(name));
    }
    parts.push(tarHeader(e.path, type, type === '0' || type === 'x' ? data.length : 0, e.link), padded(type === '0' || type === 'x' ? data : new Uint8Array(0)));
  }
  parts.push(new Uint8Array(1024));
  return concat(parts);
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let n = body.length + 2;
  while (String(n).length + body.length !== n) n = String(n).length + body.length;
  return `${n}${body}`;
}

const SAMPLE_TAR = tarArchive([
  { path: './', type: '5' },
  { path: './boot/', type: '5' },
  { path: './boot/vmlinuz-6.1.0-99-arm64', data: Uint8Array.from({ length: 700 }, (_, i) => (i * 7) & 0xff) },
  { path: './bin/sh', type: '2', link: 'busybox' },
  { path: `./lib/modules/6.1.0-99-arm64/kernel/drivers/${'very-long-directory-name/'.repeat(4)}xen-blkfront.ko`, data: enc.encode('\x7fELF module') },
  { path: 'PaxHeaders/x', type: 'x', data: enc.encode(paxRecord('path', './etc/pax-named-file') + paxRecord('size', '5')) },
  { path: './etc/short', data: enc.encode('hello') },
]);

/** xz-compress with the xz tool, or undefined when it is not installed (the seed is then left out). */
function xz(data: Uint8Array): Uint8Array | undefined {
  try {
    return new Uint8Array(execFileSync('xz', ['-c', '-6', '--check=crc64'], { input: data }));
  } catch {
    return undefined;
  }
}

function defined<T>(xs: readonly (T | undefined)[]): T[] {
  return xs.filter((x): x is T => x !== undefined);
}

const CONTROL = enc.encode('Package: linux-image-6.1.0-99-arm64\nVersion: 6.1.99-1\nArchitecture: arm64\nMaintainer: Test <t@example.invalid>\nDescription: test\n');

function deb(dataName: string, data: Uint8Array): Uint8Array {
  return arArchive({ 'debian-binary': enc.encode('2.0\n'), 'control.tar.gz': gzipSync(tarArchive([{ path: './control', data: CONTROL }])), [dataName]: data });
}

const RELEASE = `Origin: Debian
Label: Debian
Suite: stable
Codename: bookworm
Date: Sat, 10 Feb 2024 10:06:06 UTC
Valid-Until: Sat, 17 Feb 2024 10:06:06 UTC
Architectures: all amd64 arm64
Components: main contrib
SHA256:
 0ed6d4c8891eb86358b94bb35d9e4da1ca8b4b7e4e1a0b2b3e3fd6e1bd35a0a3   738242 contrib/Contents-all
 a3f0b3cb63fd0d7ab51d5e8c9bd5a7c8e3a1b4d0f7c9e2a6b8d1f3e5a7c9b0d2  1234567 main/binary-arm64/Packages.xz
 b4e1c4dc74ae1e8bc62e6f9dace6b8d9f4b2c5e1a8dae3b7c9e2a4f6b8dac1e3  2345678 main/binary-arm64/Packages.gz
`;

const PACKAGES = `Package: linux-image-6.1.0-99-arm64
Source: linux-signed-arm64 (6.1.99+1)
Version: 6.1.99-1
Installed-Size: 345678
Maintainer: Debian Kernel Team <debian-kernel@lists.debian.org>
Architecture: arm64
Depends: kmod, linux-base (>= 4.3~), initramfs-tools (>= 0.120+deb8u2) | linux-initramfs-tool
Description: Linux 6.1 for 64-bit ARMv8 machines (signed)
 The Linux kernel 6.1 and modules for use on 64-bit ARMv8 machines.
 .
 A second paragraph line.
Filename: pool/main/l/linux-signed-arm64/linux-image-6.1.0-99-arm64_6.1.99-1_arm64.deb
Size: 68123456
SHA256: 5d8b7c6e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c

Package: busybox-static
Version: 1:1.35.0-4+b3
Architecture: arm64
Depends: libc6
Filename: pool/main/b/busybox/busybox-static_1.35.0-4+b3_arm64.deb
Size: 901234
SHA256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
`;

const xsMsg = (type: number, text: string, txId = 0) => encodeMessage({ type, reqId: 1, txId, payload: latin1ToBytes(text) });

function smallTree(): Uint8Array {
  const t = new FdtTree({ bootCpuidPhys: 0 });
  t.root.setU32('#address-cells', 2).setU32('#size-cells', 2).addNode('chosen').setString('bootargs', 'console=hvc0');
  return fdtToBlob(t);
}

/** Seeds per target name; each list is non-empty. */
export const SEEDS: Record<string, () => Uint8Array[]> = {
  elf: () => [
    makeElf({ segments: [{ flags: 5, vaddr: 0x400000, data: printAndPowerOff('hi') }] }),
    makeElf({
      type: 3,
      entry: 0x1000,
      segments: [
        { flags: 5, vaddr: 0x1000, data: printAndPowerOff('pie') },
        { flags: 6, vaddr: 0x12000, data: new Uint8Array(64), memSize: 0x3000 },
        { type: PT_TLS, flags: 4, vaddr: 0x12000, data: new Uint8Array(16) },
        { type: PT_GNU_STACK, flags: 6, vaddr: 0, data: new Uint8Array(0) },
      ],
    }),
    kernelElf({ entry: 0x4008_0000, segments: [{ paddr: 0x4008_0000, data: printAndPowerOff('elf') }, { paddr: 0x4010_0000, data: new Uint8Array(32), memSize: 0x2000 }] }),
  ],
  image: () => [
    arm64Image(printAndPowerOff('image')),
    arm64Image(printAndPowerOff('off'), { textOffset: 0x80000 }),
    kernelElf({ entry: 0xffff_8000_1008_0000n, segments: [{ paddr: 0x4008_0000, vaddr: 0xffff_8000_1008_0000n, data: printAndPowerOff('hi') }] }),
    printAndPowerOff('raw'),
  ],
  fdt: () => [fdtToBlob(minimalVirt()), smallTree()],
  ar: () => [deb('data.tar.gz', gzipSync(SAMPLE_TAR)), arArchive({ 'debian-binary': enc.encode('2.0\n'), odd: enc.encode('abc') })],
  tar: () => [Uint8Array.of(0, ...SAMPLE_TAR), Uint8Array.of(3, ...tarArchive([{ path: './a', data: enc.encode('x') }]))],
  deb: () => defined([deb('data.tar.gz', gzipSync(SAMPLE_TAR)), ((x) => (x === undefined ? undefined : deb('data.tar.xz', x)))(xz(SAMPLE_TAR)), deb('data.tar', SAMPLE_TAR)]),
  decompress: () =>
    defined([
      ((x) => (x === undefined ? undefined : Uint8Array.of(0, ...x)))(xz(SAMPLE_TAR)),
      ((x) => (x === undefined ? undefined : Uint8Array.of(0, ...x)))(xz(enc.encode(PACKAGES))),
      Uint8Array.of(1, ...gzipSync(SAMPLE_TAR)),
      Uint8Array.of(1, ...gzipSync(enc.encode(PACKAGES))),
    ]),
  control: () => [enc.encode(RELEASE), enc.encode(PACKAGES), enc.encode(`${RELEASE}\n${PACKAGES}`)],
  xlcfg: () =>
    [
      `\x00${DOMU_DEV_CFG}`,
      `\x00${DOMU_MIN_CFG}vif = ['rate=10Mb/s@20ms,mac=00:16:3e:00:00:01']\ncpus = ["0-3,^2", "nodes:1"]\nextra += " quiet"\n`,
      '\x01format=raw, vdev=xvda, access=rw, target=/var/lib/xen/disk.img',
      '\x02mac=00:16:3E:74:3d:76,model=rtl8139,bridge=xenbr0,rate=1MB/s@20ms',
      '\x03nodes:0-3,^node:2,all,^7',
    ].map((s) => enc.encode(s)),
  xenstore: () =>
    [
      [xsMsg(XS_WRITE, '/a/b\0v'), xsMsg(XS_READ, '/a/b\0'), xsMsg(XS_WATCH, '/a\0t\0'), xsMsg(XS_RM, '/a\0')],
      [xsMsg(XS_TRANSACTION_START, '\0'), xsMsg(XS_WRITE, 'x\0y', 1), xsMsg(XS_TRANSACTION_END, 'T\0', 1)],
      [xsMsg(XS_MKDIR, 'device/vbd\0'), xsMsg(XS_SET_PERMS, 'device\0n1\0r0\0')],
    ].map(concat),
  // The hypercall targets interpret bytes as an operation script; any bytes are a valid seed.
  evtchn: () => [Uint8Array.from({ length: 512 }, (_, i) => (i * 37 + 11) & 0xff), new Uint8Array(256)],
  grant: () => [Uint8Array.from({ length: 512 }, (_, i) => (i * 53 + 5) & 0xff), new Uint8Array(256).fill(0x82)],
  blkif: () => [blkifScript([0, 1, 3, 0, 6]), blkifScript([1, 5, 2, 200])],
  netif: () => [netifScript(), Uint8Array.of(1, 0xc8, 0x81, 0x20, 0x10, 0x90, 0x05, 0x20, 0xd0, 0xf6, 0xf4)],
};

/** A netback fuzz script: receive buffers, a two-slot packet with a GSO extra, a packet for the guest. */
function netifScript(): Uint8Array {
  const entry = (gref: number, offset: number, flags: number, id: number, size: number): number[] => {
    const b = new Uint8Array(12);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, gref, true);
    dv.setUint16(4, offset, true);
    dv.setUint16(6, flags, true);
    dv.setUint16(8, id, true);
    dv.setUint16(10, size, true);
    return [...b];
  };
  const gso = [1, 0, 0xa8, 0x05, 1, 0, 0, 0, 0, 0, 0, 0];
  return Uint8Array.from([
    0, 0xd0,
    0x01, ...entry(1000, 0, 0x0d, 1, 5000), 0x01, ...gso, 0x00, ...entry(1001, 0, 0, 2, 1000),
    0x90, 0x10, 0x20,
  ]);
}

/** A blkback fuzz script: a disk-kind byte, then for each op an action byte and a 112-byte request (2 segments, sector 8). */
function blkifScript(ops: readonly number[]): Uint8Array {
  const out: number[] = [0x01];
  for (const op of ops) {
    const req = new Uint8Array(112);
    const dv = new DataView(req.buffer);
    req[0] = op;
    req[1] = op === 6 ? 1 : 2;
    dv.setBigUint64(8, BigInt(op), true);
    dv.setBigUint64(16, 8n, true);
    for (let s = 0; s < 2; s++) {
      dv.setUint32(24 + s * 8, 100 + s, true);
      req[29 + s * 8] = 7;
    }
    if (op === 6) {
      req[1] = 1;
      dv.setUint16(2, 2, true);
      dv.setUint32(28, 107, true);
    }
    out.push(0x01, ...req);
  }
  return Uint8Array.from(out);
}
