import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from './config_error.js';
import { parseDiskSpec, type DiskSpec } from './disk_spec.js';

const AT = { source: 'domU.cfg', line: 12, key: 'disk' };
const base = { directIoSafe: false, isCdrom: false, removable: false, readwrite: true, format: 'raw' } as const;

function expectDisk(spec: string, expected: DiskSpec): void {
  assert.deepEqual(parseDiskSpec(spec, AT), expected, spec);
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
    ['/a.img,vmdk,xvda', 'unknown value for format near "vmdk"'],
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
