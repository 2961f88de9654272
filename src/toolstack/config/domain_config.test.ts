import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ConfigError } from './config_error.js';
import { parseDomainConfig, resolveConfigPath, validateDomainName, type DomainConfigResult } from './domain_config.js';
import { ORACLE_DIR, missingOracle } from '../../../tests/harness/tools.js';
import { skipUnlessAvailable } from '../../../tests/harness/prereq.js';
import { DOMU_DEV_CFG, DOMU_MIN_CFG } from './_oracle_fixtures.js';

const zeros = (n: number): Uint8Array => new Uint8Array(n);
const parse = (text: string, overrides?: string[]): DomainConfigResult =>
  parseDomainConfig(text, { source: 'domU.cfg', random: zeros, ...(overrides ? { overrides } : {}) });
const MIN = 'name = "g"\nkernel = "vmlinuz"\n';

function rejects(text: string, message: string): void {
  assert.throws(() => parse(text), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.message, message);
    return true;
  });
}

test('the oracle fixtures match the oracle files', skipUnlessAvailable(missingOracle()), () => {
  assert.equal(readFileSync(`${ORACLE_DIR}/guest/domU-min.cfg`, 'utf8'), DOMU_MIN_CFG);
  assert.equal(readFileSync(`${ORACLE_DIR}/guest/domU-dev.cfg`, 'utf8'), DOMU_DEV_CFG);
});

test('parseDomainConfig() reads the oracle domU-min.cfg with xl\'s defaults', () => {
  const { config, warnings } = parse(DOMU_MIN_CFG);
  assert.deepEqual(config, {
    name: 'domU-min', uuid: '00000000-0000-4000-8000-000000000000', type: 'pvh', memoryMiB: 256, maxMemoryMiB: 256, vcpus: 1, maxVcpus: 1,
    kernel: '/boot/vmlinuz-domU', ramdisk: '/boot/domU-initrd.gz', cmdline: 'console=hvc0 rdinit=/init',
    onPoweroff: 'destroy', onReboot: 'restart', onWatchdog: 'destroy', onCrash: 'preserve', onSoftReset: 'soft-reset',
    gicVersion: 'default', disks: [], nics: [],
  });
  assert.deepEqual(warnings, []);
});

test('parseDomainConfig() reads the oracle domU-dev.cfg disk, vif and acpi', () => {
  const { config } = parse(DOMU_DEV_CFG);
  assert.equal(config.acpi, false);
  assert.deepEqual(config.disks.map((d) => [d.target, d.vdev, d.devid, d.format, d.readwrite]), [['/var/lib/xen/disk.img', 'xvda', 51712, 'raw', true]]);
  assert.deepEqual(config.nics.map((n) => [n.devid, n.mac, n.bridge]), [[0, '00:16:3e:00:00:02', 'xenbr0']]);
});

test('parseDomainConfig() applies defaults: 32 MiB, memory/maxmem from each other, one vCPU', () => {
  const c = (extra: string) => parse(MIN + extra).config;
  assert.deepEqual([c('').memoryMiB, c('').maxMemoryMiB, c('').vcpus, c('').maxVcpus], [32, 32, 1, 1]);
  assert.deepEqual([c('memory = 512').memoryMiB, c('memory = 512').maxMemoryMiB], [512, 512]);
  assert.deepEqual([c('maxmem = 0x400').memoryMiB, c('maxmem = 0x400').maxMemoryMiB], [1024, 1024]);
  assert.deepEqual([c('memory = "256"\nmaxmem = 0400').memoryMiB, c('memory = 256\nmaxmem = 0400').maxMemoryMiB], [256, 256]);
  assert.deepEqual([c('vcpus = 2\nmaxvcpus = 4').vcpus, c('vcpus = 2\nmaxvcpus = 4').maxVcpus], [2, 4]);
  assert.deepEqual([c('vcpus = 0').vcpus, c('vcpus = 3\nmaxvcpus = 0').maxVcpus], [1, 3]);
});

test('parseDomainConfig() takes a uuid, or makes a version 4 one from the injected random source', () => {
  assert.equal(parse(`${MIN}uuid = "A58E0F59-0BF2-4E7F-8D70-D6152391F3B9"`).config.uuid, 'a58e0f59-0bf2-4e7f-8d70-d6152391f3b9');
  const ones = parseDomainConfig(MIN, { source: 'x', random: (n) => new Uint8Array(n).fill(0xff) }).config.uuid;
  assert.equal(ones, 'ffffffff-ffff-4fff-bfff-ffffffffffff');
});

test('parseDomainConfig() builds the kernel command line from cmdline, root and extra as xl does', () => {
  const cmd = (extra: string) => parse(MIN + extra);
  assert.equal(cmd('root = "/dev/xvda1 ro"\nextra = "console=hvc0"').config.cmdline, 'root=/dev/xvda1 ro console=hvc0');
  assert.equal(cmd('root = "/dev/xvda1"').config.cmdline, 'root=/dev/xvda1');
  assert.equal(cmd('extra = "quiet"').config.cmdline, 'quiet');
  const both = cmd('cmdline = "a"\nroot = "/dev/xvda"');
  assert.equal(both.config.cmdline, 'a');
  assert.deepEqual(both.warnings, ['domU.cfg:3: "cmdline": ignoring root= and extra= in favour of cmdline=']);
});

test('parseDomainConfig() reads type by prefix as xl does and turns PV into PVH with libxl\'s warning', () => {
  assert.equal(parse(`${MIN}type = "hvm"`).config.type, 'hvm');
  assert.equal(parse(`${MIN}type = "h"`).config.type, 'hvm');
  assert.equal(parse(`${MIN}builder = "hvm"`).config.type, 'hvm');
  const pv = parse(`${MIN}type = "pv"`);
  assert.equal(pv.config.type, 'pvh');
  assert.deepEqual(pv.warnings, ['domU.cfg:3: "type": converting PV guest to PVH: Arm guests are now PVH, please fix your configuration']);
  rejects(`${MIN}type = "kvm"`, 'domU.cfg:3: "type": invalid domain type "kvm"');
  rejects(`${MIN}type = "hvm"\nbuilder = "generic"`, 'domU.cfg:4: "builder": contradicting "builder" and "type" options specified');
});

test('parseDomainConfig() reads actions, gic_version, vuart and cpus', () => {
  const { config } = parse(`${MIN}on_poweroff = "preserve"\non_reboot = "rename-restart"\non_watchdog = "coredump-destroy"\non_crash = "coredump-restart"
gic_version = "V3"\nvuart = "sbsa_uart"\nvcpus = 2\ncpus = ["0-1", "2", "3"]`);
  assert.deepEqual([config.onPoweroff, config.onReboot, config.onWatchdog, config.onCrash], ['preserve', 'rename-restart', 'coredump-destroy', 'coredump-restart']);
  assert.equal(config.gicVersion, 'v3');
  assert.equal(config.vuart, 'sbsa_uart');
  assert.deepEqual(config.cpus, { kind: 'per-vcpu', cpus: [[{ op: 'add', unit: 'cpu', first: 0, last: 1 }], [{ op: 'add', unit: 'cpu', first: 2, last: 2 }]] });
  assert.deepEqual(parse(`${MIN}cpus = "all,^1"`).config.cpus, { kind: 'all-vcpus', cpus: [{ op: 'add', unit: 'cpu', all: true }, { op: 'remove', unit: 'cpu', first: 1, last: 1 }] });
});

test('parseDomainConfig() lists ignored keys, telling xl keys from unknown ones', () => {
  assert.deepEqual(parse(`${MIN}vnc = 1\nmemroy = 512`).warnings, [
    'domU.cfg:3: "vnc": not supported by Xenon, ignored',
    'domU.cfg:4: "memroy": unknown key, ignored (as xl does)',
  ]);
});

test('parseDomainConfig() lets command-line overrides win, as in `xl create domU.cfg memory=512 \'name="x"\'`', () => {
  const { config } = parse(DOMU_MIN_CFG, ['memory=512', 'name="x"']);
  assert.deepEqual([config.name, config.memoryMiB], ['x', 512]);
});

test('parseDomainConfig() refuses bad settings, naming file, line and key', () => {
  rejects('kernel = "k"\n', 'domU.cfg: "name": domain name must be specified');
  rejects(`${MIN}memory = "lots"`, 'domU.cfg:3: "memory": expected a number, got "lots"');
  rejects(`${MIN}memory = 0`, 'domU.cfg:3: "memory": 0 is out of range (1 to 8796093022207)');
  rejects(`${MIN}memory = 1\nmemory += 2`, 'domU.cfg:4: "memory": "+=" cannot be used with numbers');
  rejects(`${MIN}memory = [1]`, 'domU.cfg:3: "memory": expected a single value, got a list');
  rejects(`${MIN}disk = "x"`, 'domU.cfg:3: "disk": expected a list, got a single value');
  rejects(`${MIN}disk = [["x"]]`, 'domU.cfg:3: "disk": item 1 is a list, expected a string');
  rejects(`${MIN}memory = 512\nmaxmem = 256`, 'domU.cfg:4: "maxmem": 256 is less than memory (512)');
  rejects(`${MIN}vcpus = 4\nmaxvcpus = 2`, 'domU.cfg:4: "maxvcpus": maxvcpus (2) < vcpus (4)');
  rejects(`${MIN}vcpus = 129`, 'domU.cfg:3: "vcpus": 129 is out of range (-9007199254740991 to 128)');
  rejects(`${MIN}uuid = "not-a-uuid"`, 'domU.cfg:3: "uuid": failed to parse UUID "not-a-uuid"');
  rejects(`${MIN}on_crash = "reboot"`, 'domU.cfg:3: "on_crash": unknown on_crash action "reboot" specified');
  rejects(`${MIN}gic_version = "native"`, 'domU.cfg:3: "gic_version": unknown gic_version "native" (expected "default", "v2", "v3")');
  rejects(`${MIN}vuart = "pl011"`, 'domU.cfg:3: "vuart": invalid value "pl011" (expected "sbsa_uart", "unknown")');
  rejects(`${MIN}cpus = "^all"`, 'domU.cfg:3: "cpus": Can\'t combine "^" and "all"');
  rejects('name = "g"\n', 'domU.cfg: "kernel": neither kernel nor bootloader specified');
  rejects(`${MIN}disk = ['/a,,xvda', '/b,,d0p0']`, 'domU.cfg:3: "disk": vdev "d0p0" is the same device as "xvda"');
  rejects(`${MIN}vif = ['type=ioemu']`, 'domU.cfg:3: "vif": trying to create PV or PVH guest with an emulated interface');
  rejects(`${MIN}vif = ['', 'devid=0']`, 'domU.cfg:3: "vif": devid 0 is used twice');
});

test('parseDomainConfig() says a bootloader is unsupported rather than missing when a PVH guest has no kernel', () => {
  // xl_parse.c accepts `bootloader` (pygrub) instead of `kernel` and fails only when both are absent.
  rejects('name = "g"\nbootloader = "pygrub"\n', 'domU.cfg:2: "bootloader": not supported by Xenon, and no kernel specified');
  const both = parse('name = "g"\nbootloader = "pygrub"\nkernel = "k"\n');
  assert.equal(both.config.kernel, 'k');
  assert.deepEqual(both.warnings, ['domU.cfg:2: "bootloader": not supported by Xenon, ignored']);
});

test('validateDomainName() refuses separators, blanks, shell metacharacters, leading "-" and domids', () => {
  for (const ok of ['domU-dev', 'web_01.example', 'a:b+c@d', 'Domain-0x']) assert.equal(validateDomainName(ok), undefined, ok);
  for (const bad of ['', 'a/b', 'a b', 'tab\there', 'x;rm', 'x|y', '$(x)', '`x`', 'a*', 'q"', "q'", 'a&', 'a>b', '-x', '42', 'caf\u00e9']) {
    assert.notEqual(validateDomainName(bad), undefined, bad);
  }
  rejects('name = "a/b"\nkernel = "k"', 'domU.cfg:1: "name": "a/b" contains "/"; domain names may contain only letters, digits and "-_.:+@"');
});

test('resolveConfigPath() joins relative paths to the configuration directory and folds . and ..', () => {
  assert.equal(resolveConfigPath('/etc/xen', 'images/k'), '/etc/xen/images/k');
  assert.equal(resolveConfigPath('/etc/xen', '../boot/./k'), '/etc/boot/k');
  assert.equal(resolveConfigPath('/etc/xen', '/boot/vmlinuz'), '/boot/vmlinuz');
  assert.equal(resolveConfigPath('cfg', '../../k'), '../k');
  assert.equal(resolveConfigPath('/', '../k'), '/k');
});
