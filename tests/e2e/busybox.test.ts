/**
 * Debian's arm64 busybox-static under `xenon run-elf` must give byte-identical output and exit
 * status to qemu-aarch64-static over a broad battery of applets, with hot blocks compiled (the
 * default) and with every block interpreted (`--jit off`).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { busyboxPath, missingTools, runQemu, runXenon } from '../harness/tools.js';
import { assertSameBehaviour, type CompareOptions } from './compare.js';
import { makeBusyboxFixture } from './busybox_fixture.js';
import { skipUnlessAvailable } from '../harness/prereq.js';

interface Case extends CompareOptions {
  readonly name: string;
  readonly args: readonly string[];
  readonly input?: string;
  /** Exit status QEMU must give, so a case can never pass by failing the same way on both sides. */
  readonly status?: number;
}

const SH = (script: string): string[] => ['sh', '-c', script];

/** Applets run directly, or through `sh -c` using only shell built-ins (no fork needed). */
const CASES: readonly Case[] = [
  { name: 'sh arithmetic', args: SH('echo $((0x7fffffff * 3)) $((-17 / 5)) $((-17 % 5)) $((1 << 40)) $((~5)) $((7 ** 2))') },
  { name: 'sh loops', args: SH('i=0; s=0; while [ $i -lt 300 ]; do s=$((s + i * i % 7)); i=$((i + 1)); done; echo $s') },
  { name: 'sh functions and case', args: SH('f() { case $1 in 1) echo one;; *[02468]) echo even $1;; *) echo other $1;; esac; return $(($1 % 3)); }; for x in 1 2 3 4 5 16; do f $x; echo rc=$?; done') },
  { name: 'sh string ops', args: SH('v=hello-world.tar.gz; echo ${v%.*} ${v%%.*} ${v#*-} ${#v} ${v/o/0}; set -- a b c; echo $# "$@"') },
  { name: 'sed substitute/delete', args: ['sed', '-e', 's/[aeiou]/#/g', '-e', '3d', '-e', '/foo/s/b/B/2', 'data.txt'] },
  { name: 'sed ranges', args: ['sed', '-n', '/foo/,/bar/{=;p}', 'data.txt'] },
  { name: 'awk fields', args: ['awk', '{ n += NF; s += length($0) } END { print n, s, n / NR }', 'data.txt'] },
  // Debian's busybox is built without awk's libm functions (sqrt, sin, ^), so this sticks to arithmetic and formatting.
  { name: 'awk floating point', args: ['awk', 'BEGIN { for (i = 1; i <= 40; i++) printf "%.6f %e %g %d %.10g\\n", i / 7, i * i / 3.0, i * 1.1, int(i * 2.7), 1e300 * i / 3 }'] },
  { name: 'awk arrays and split', args: ['awk', '-F:', '{ c[$1]++; t[$1] += $2 * 1.5 } END { for (k in c) print k, c[k], t[k] }', 'nums.txt'], sortLines: true },
  { name: 'awk printf and string functions', args: ['awk', '-F:', 'NR % 20 == 0 { printf "%-8s|%10.3f|%s|%d\\n", toupper($1), $3 / 7, substr($1, 2, 3), index($1, "a") }', 'nums.txt'] },
  { name: 'sort', args: ['sort', 'data.txt'] },
  { name: 'sort numeric reverse by field', args: ['sort', '-t:', '-k2,2nr', 'nums.txt'] },
  { name: 'sort unique', args: ['sort', '-u', '-k1,1', 'data.txt'] },
  { name: 'uniq -c', args: ['uniq', '-c', 'data.txt'] },
  { name: 'cut', args: ['cut', '-d', ' ', '-f', '2-3', 'data.txt'] },
  { name: 'tr', args: ['tr', 'a-z', 'A-Z'], input: 'hello, World 123\nxenon on arm64\n' },
  { name: 'tr delete and squeeze', args: ['tr', '-s', 'a-z', '-d', 'aeiou'], input: 'bookkeeper committee aardvark\n' },
  { name: 'md5sum', args: ['md5sum', 'big.bin', 'data.txt'] },
  { name: 'sha1sum', args: ['sha1sum', 'big.bin'] },
  { name: 'sha256sum', args: ['sha256sum', 'big.bin', 'nums.txt'] },
  { name: 'sha512sum', args: ['sha512sum', 'big.bin'] },
  { name: 'gzip compress', args: ['gzip', '-c', 'big.bin'] },
  { name: 'gzip decompress', args: ['gzip', '-dc', 'big.bin.gz'] },
  { name: 'bzip2 compress', args: ['bzip2', '-c', 'data.txt'] },
  { name: 'bzip2 decompress', args: ['bzip2', '-dc', 'big.bin.bz2'] },
  { name: 'dc', args: ['dc', '-e', '2 64 ^ p 20 k 1 3 / p 17 v p 12345678901234567890 987654321 * p'] },
  { name: 'bc', args: ['bc', '-l'], input: 'scale=30\n4*a(1)\ne(1)\nl(10)\nsqrt(2)\n2^100\n7/3\n' },
  { name: 'printf with floats', args: ['printf', '%.3f %e %5.2g %x %o %s %c|%-6d|\\n', '3.14159', '12345.678', '0.000123', '255', '8', 'str', 'z', '42'] },
  { name: 'seq', args: ['seq', '1', '7', '200'] },
  { name: 'seq fractional', args: ['seq', '-w', '0.5', '0.25', '3'] },
  { name: 'factor', args: ['factor', '600851475143', '1234567890123', '4294967291', '18446744073709551615', '9223372036854775807'] },
  { name: 'od', args: ['od', '-A', 'x', '-t', 'x1', '-N', '96', 'big.bin'] },
  { name: 'od characters', args: ['od', '-c', '-N', '64', 'data.txt'] },
  { name: 'od decimal', args: ['od', '-t', 'd4', '-N', '64', '-j', '100', 'big.bin'] },
  { name: 'expr', args: ['expr', '1234', '*', '5678', '+', '100', '/', '7', '%', '3'] },
  { name: 'expr strings', args: ['expr', 'substr', 'xenonhv', '2', '4'] },
  // Unsorted on purpose: both list directories in the host's getdents order.
  { name: 'find', args: ['find', 'tree', '-name', '*.txt'] },
  { name: 'find by type', args: ['find', 'tree', '-type', 'd'] },
  { name: 'wc', args: ['wc', 'data.txt', 'nums.txt', 'big.bin'] },
  { name: 'grep', args: ['grep', '-c', '-e', 'foo', '-e', 'x[a-z]n', 'data.txt'] },
  { name: 'head', args: ['head', '-n', '3', 'data.txt'] },
  { name: 'tail', args: ['tail', '-n', '2', 'nums.txt'] },
  { name: 'exit status', args: SH('exit 42'), status: 42 },
  { name: 'failing applet', args: ['cat', 'no-such-file'], status: 1 },
];

/** Cases that need fork/exec (pipelines, external applets from the shell). */
const PIPELINE_CASES: readonly Case[] = [
  { name: 'external applets from sh', args: SH('expr length "hello world"; head -c 20 data.txt; echo; tail -n 1 nums.txt') },
  { name: 'pipeline', args: SH('seq 1 500 | awk "{ s += \\$1 * \\$1 } END { print s }"') },
  { name: 'gzip round trip', args: SH('gzip -c big.bin | gzip -dc | md5sum') },
  { name: 'bzip2 round trip', args: SH('bzip2 -c data.txt | bzip2 -dc | sha256sum') },
  { name: 'sort | uniq | head', args: SH('tr " " "\\n" < data.txt | sort | uniq -c | sort -rn | head -5') },
];

describe('busybox battery', skipUnlessAvailable(missingTools(['qemu', 'busybox'])), () => {
  let dir = '';
  let bb = '';
  before(() => {
    dir = makeBusyboxFixture();
    bb = busyboxPath()!;
    // Compressed inputs made by busybox itself under QEMU, so both sides see the same files.
    execFileSync('qemu-aarch64-static', [bb, 'sh', '-c', 'gzip -c big.bin > big.bin.gz; bzip2 -c big.bin > big.bin.bz2'], { cwd: dir });
  });
  after(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });
  // Hot blocks compiled to WebAssembly (the default), and every block interpreted (issue 9: both modes).
  for (const mode of [{ label: '', flags: [] }, { label: ' (--jit off)', flags: ['--jit', 'off'] }]) {
    for (const c of [...CASES, ...PIPELINE_CASES]) {
      test(`busybox ${c.name}${mode.label}`, () => {
        const opts = { cwd: dir, ...(c.input === undefined ? {} : { input: c.input }) };
        const argv0 = path.join(path.dirname(bb), 'busybox');
        const qemu = runQemu(argv0, c.args, opts);
        assert.equal(qemu.status, c.status ?? 0, `the case itself fails under QEMU: ${qemu.stderr}`);
        assertSameBehaviour(runXenon(argv0, c.args, { ...opts, xenonFlags: mode.flags }), qemu, c);
      });
    }
  }
});
