import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from './config_error.js';
import { formatDiskSpec, parseDiskSpec, type DiskSpec } from './disk_spec.js';

const AT = { source: 'domU.cfg', line: 12, key: 'disk' };
const base = { directIoSafe: false, isCdrom: false, removable: false, readwrite: true, format: 'raw' } as const;

function expectDisk(spec: string | readonly string[], expected: DiskSpec): void {
  assert.deepEqual(parseDiskSpec(spec, AT), expected, JSON.stringify(spec));
}

test('parseDiskSpec() reads the first set of equivalent specs in xl-disk-configuration(5)', () => {
  const expected: DiskSpec = { ...base, target: '/dev/vg/guest-volume', vdev: 'hda', devid: 768 };
  for (const spec of [
    '/dev/vg/guest-volume,,hda',
    '/dev/vg/guest-volume,raw,hda,rw',
    'format=raw, vdev=hda, access=rw, target=/dev/vg/guest-volume',
    'raw:/dev/vg/guest-volume,hda,w',
  ]) expectDisk(spec, expected);
});

test('parseDiskSpec() reads the cdrom set of equivalent specs in xl-disk-configuration(5)', () => {
  const expected: DiskSpec = { ...base, target: '/root/image.iso', vdev: 'hdc', devid: 5632, isCdrom: true, removable: true, readwrite: false };
  for (const spec of [
    '/root/image.iso,,hdc,cdrom',
    '/root/image.iso,,hdc,,cdrom',
    '/root/image.iso,raw,hdc,devtype=cdrom',
    'format=raw, vdev=hdc, access=ro, devtype=cdrom, target=/root/image.iso',
    'raw:/root/image.iso,hdc:cdrom,ro',
  ]) expectDisk(spec, expected);
});

test('parseDiskSpec() reads the xend empty-cdrom form ",hdc:cdrom,r" as an empty removable drive', () => {
  expectDisk(',hdc:cdrom,r', { ...base, vdev: 'hdc', devid: 5632, format: 'empty', isCdrom: true, removable: true, readwrite: false });
});

test('parseDiskSpec() reads the oracle domU-dev disk', () => {
  expectDisk('format=raw, vdev=xvda, access=rw, target=/var/lib/xen/disk.img', { ...base, target: '/var/lib/xen/disk.img', vdev: 'xvda', devid: 51712 });
});

test('parseDiskSpec() reads keyed parameters and flags', () => {
  expectDisk('vdev=xvdb, format=qcow2, access=ro, backendtype=qdisk, backend=dd, script=block-iscsi, specification=virtio, direct-io-safe, no-discard, untrusted, grant_usage=1, target=iqn.x,lun=1,', {
    ...base, target: 'iqn.x,lun=1', vdev: 'xvdb', devid: 51728, format: 'qcow2', readwrite: false, backendType: 'qdisk', backendDomain: 'dd',
    script: 'block-iscsi', specification: 'virtio', directIoSafe: true, discard: false, trusted: false, grantUsage: true,
  });
  expectDisk('/a.img,,xvda,discard,trusted,devtype=disk', { ...base, target: '/a.img', vdev: 'xvda', devid: 51712, discard: true, trusted: true });
});

test('parseDiskSpec() handles the deprecated prefixes: formats, scripts, and ones that are ignored', () => {
  expectDisk('qcow:/a.img,xvda,w', { ...base, target: '/a.img', vdev: 'xvda', devid: 51712, format: 'qcow' });
  expectDisk('iscsi:iqn.2001,xvda,w', { ...base, target: 'iqn.2001', vdev: 'xvda', devid: 51712, script: 'block-iscsi' });
  expectDisk('tap:aio:/a.img,xvda,w', { ...base, target: '/a.img', vdev: 'xvda', devid: 51712 });
  expectDisk('phy:/dev/sdb,xvdb,r', { ...base, target: '/dev/sdb', vdev: 'xvdb', devid: 51728, readwrite: false });
});

test('parseDiskSpec() lets a flag name be a target only when it is longer (flex longest match)', () => {
  expectDisk('cdrom.iso,,xvda', { ...base, target: 'cdrom.iso', vdev: 'xvda', devid: 51712 });
});

test('parseDiskSpec() refuses bad specs with libxlu messages, located at the disk setting', () => {
  const cases: [string, string][] = [
    ['/a.img', 'no vdev specified'],
    ['vdev=xvda', 'no target specified (and device not removable)'],
    ['/a.img,,xvda,rx', 'unknown value for access near "rx"'],
    ['/a.img,vpc,xvda', 'unknown value for format near "vpc"'],
    ['format=raw,format=qcow2,/a.img,,xvda', 'format respecified near "qcow2"'],
    ['/a.img,,xvda,vdev=xvdb', 'vdev respecified near "xvdb"'],
    ['/a.img,,xvda,w,extra', 'too many positional parameters near "extra"'],
    ['foo=bar,/a.img,,xvda', 'unknown parameter near "foo=b"'],
    ['devtype=floppy,/a.img,,xvda', 'unknown value for type near "devtype=floppy,"'],
    ['weird:/a.img,xvda', 'unknown deprecated disk prefix near "weird:"'],
    [',hdc:tape,r', 'unknown deprecated type near "tape"'],
    ['/a.img,,xvda,=', 'bad disk syntax near "="'],
    ['/a.img,,xvd', 'invalid or unsupported virtual disk identifier near "xvd"'],
    ['backendtype=nbd,/a.img,,xvda', 'unknown value for backendtype near "nbd"'],
  ];
  for (const [spec, problem] of cases) {
    assert.throws(() => parseDiskSpec(spec, AT), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.message, `domU.cfg:12: "disk": ${problem} in disk specification ${JSON.stringify(spec)}`);
      return true;
    }, spec);
  }
});

test('parseDiskSpec() scans block-attach\'s components one after the other into one disk, as xlu_disk_parse does', () => {
  // target= takes the rest of its own component only; positionals continue across components.
  expectDisk(['target=/a,b.img', 'vdev=xvdb', 'access=ro'], { ...base, target: '/a,b.img', vdev: 'xvdb', devid: 51728, readwrite: false });
  expectDisk(['/a.img', 'qcow2', 'xvdc'], { ...base, target: '/a.img', vdev: 'xvdc', devid: 51744, format: 'qcow2' });
  assert.deepEqual(parseDiskSpec(['/a.img,raw', 'xvda,rw'], AT), parseDiskSpec('/a.img,raw,xvda,rw', AT));
  assert.throws(() => parseDiskSpec(['/a.img,,xvda', 'vdev=xvdb'], AT), /vdev respecified near "xvdb" in disk specification "vdev=xvdb"/);
  assert.throws(() => parseDiskSpec([], AT), /no vdev specified/);
});

test('formatDiskSpec() writes a spec that parseDiskSpec() reads back to the same disk', () => {
  for (const spec of [
    '/dev/vg/guest-volume,,hda',
    '/root/image.iso,,hdc,cdrom',
    ',hdc:cdrom,r',
    'vdev=xvdb, format=qcow2, access=ro, backendtype=qdisk, backend=dd, script=block-iscsi, specification=virtio, direct-io-safe, no-discard, untrusted, grant_usage=1, target=iqn.x,lun=1,',
    '/a.img,,xvda,discard,trusted,devtype=disk,grant_usage=0',
    'colo,colo-host=h,colo-port=9000,colo-export=e,active-disk=/a,hidden-disk=/h,/a.img,,xvda',
    'no-colo,vdev=xvde,target=/a b/c,d,,',
    'qcow:/a.img,xvda,w',
    'iscsi:iqn.2001,xvda,w',
    'phy:/dev/sdb,xvdb,r',
    'd0p1,,xvdq',
  ]) {
    const d = parseDiskSpec(spec, AT);
    assert.deepEqual(parseDiskSpec(formatDiskSpec(d), AT), d, spec);
  }
  assert.equal(formatDiskSpec(parseDiskSpec('/a.img,,xvdb', AT)), 'format=raw,vdev=xvdb,access=rw,target=/a.img,');
  assert.throws(() => formatDiskSpec({ ...parseDiskSpec('/a.img,,xvdb', AT), target: '/a\nb' }), /line break/);
});

test('a disk specification longer than 8192 characters is refused before scanning (the scan is quadratic)', () => {
  const at = { source: 'big.cfg', line: 3, key: 'disk' };
  const t0 = performance.now();
  assert.throws(() => parseDiskSpec('raw:'.repeat(250_000), at), /big\.cfg:3: "disk": disk specification of 1000000 characters \(at most 8192\)/);
  assert.throws(() => parseDiskSpec(['vdev=xvda', `target=/${'x'.repeat(8190)}`], at), /at most 8192/);
  assert.ok(performance.now() - t0 < 1000);
  assert.equal(parseDiskSpec(`vdev=xvda,target=/${'x'.repeat(4000)}`, at).target!.length, 4001);
});

test("vmdk, vdi and vhdx images (QEMU's formats beyond xl's) are accepted, and unknown formats still refused", () => {
  const at = { source: 'd.cfg', line: 1, key: 'disk' };
  for (const f of ['vmdk', 'vdi', 'vhdx'] as const) assert.equal(parseDiskSpec(`format=${f},vdev=xvda,target=/img/a.${f}`, at).format, f);
  assert.throws(() => parseDiskSpec('format=vpc,vdev=xvda,target=/a', at), /unknown value for format near "vpc"/);
});
