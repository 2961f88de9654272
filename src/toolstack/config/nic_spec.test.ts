import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from './config_error.js';
import { generateMac, parseMac, parseNicSpec, type NicSpec } from './nic_spec.js';

const AT = { source: 'domU.cfg', line: 13, key: 'vif' };
const counting = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => 0xf0 + i);
const nic = (spec: string, index = 0): { nic: NicSpec; warnings: string[] } => parseNicSpec(spec, { index, at: AT, random: counting });

test('parseNicSpec() reads the examples of xl-network-configuration(5)', () => {
  assert.deepEqual(nic('mac=00:16:3E:74:3d:76,model=rtl8139,bridge=xenbr0').nic, { devid: 0, mac: '00:16:3e:74:3d:76', model: 'rtl8139', bridge: 'xenbr0' });
  assert.deepEqual(nic('mac=00:16:3E:74:34:32').nic, { devid: 0, mac: '00:16:3e:74:34:32', bridge: 'xenbr0' });
  assert.deepEqual(nic('mac=00:16:3e:5f:48:e4,bridge=xenbr1', 1).nic, { devid: 1, mac: '00:16:3e:5f:48:e4', bridge: 'xenbr1' });
  assert.deepEqual(nic('').nic, { devid: 0, mac: '00:16:3e:70:f1:f2', bridge: 'xenbr0' });
});

test('parseNicSpec() reads the rate examples as libxlu_vif.c computes them', () => {
  // 10 megabits per second is 1.25 MB/s; 50 ms of that is 62500 bytes.
  assert.deepEqual(nic('rate=10Mb/s').nic.rate, { bytesPerInterval: 62500, intervalUsecs: 50000 });
  assert.deepEqual(nic('rate=250KB/s').nic.rate, { bytesPerInterval: 12500, intervalUsecs: 50000 });
  assert.deepEqual(nic('rate=1MB/s@20ms').nic.rate, { bytesPerInterval: 20000, intervalUsecs: 20000 });
  assert.deepEqual(nic('rate=1GB/s@1s').nic.rate, { bytesPerInterval: 1000000000, intervalUsecs: 1000000 });
  assert.deepEqual(nic('rate=8b/s@100us').nic.rate, { bytesPerInterval: 0, intervalUsecs: 100 });
});

test('parseNicSpec() reads every key it supports, skipping blanks after commas', () => {
  const r = nic('type=vif, ip=10.0.0.2, vifname=web0, script=vif-route, backend=netdd, gatewaydev=eth0, mtu=9000, devid=3, vlan=10p/20, untrusted', 0);
  assert.deepEqual(r.nic, {
    nictype: 'vif', ip: '10.0.0.2', vifname: 'web0', script: 'vif-route', backendDomain: 'netdd', gatewaydev: 'eth0', mtu: 9000, devid: 3,
    vlan: '10p/20', trusted: false, mac: '00:16:3e:70:f1:f2', bridge: 'xenbr0',
  });
  assert.deepEqual(r.warnings, []);
});

test('parseNicSpec() warns, as xl does, for keys it ignores', () => {
  assert.deepEqual(nic('brdige=xenbr1,netdev=eth1,accel=x,colo_checkpoint_port=9,loose').warnings, [
    'domU.cfg:13: "vif": unrecognized argument "brdige=xenbr1" ignored',
    'domU.cfg:13: "vif": the netdev parameter is deprecated, please use gatewaydev instead',
    'domU.cfg:13: "vif": "accel" is not supported by Xenon and is ignored',
    'domU.cfg:13: "vif": "colo_checkpoint_port" is not supported by Xenon and is ignored',
    'domU.cfg:13: "vif": unrecognized argument "loose" ignored',
  ]);
});

test('parseNicSpec() refuses malformed values that xl would half-apply', () => {
  const cases: [string, string][] = [
    ['mac=00:16:3e:00:00', 'invalid MAC address "00:16:3e:00:00"'],
    ['mac=00:16:3e:00:00:100', 'invalid MAC address "00:16:3e:00:00:100"'],
    ['mac=00-16-3e-00-00-01', 'invalid MAC address "00-16-3e-00-00-01"'],
    ['type=e1000', 'invalid type "e1000" (expected "vif" or "ioemu")'],
    ['mtu=big', 'invalid mtu "big"'],
    ['rate=@20ms', 'no rate specified'],
    ['rate=10Mbps', 'invalid rate "10Mbps"'],
    ['rate=0MB/s', 'rate overflow "0MB/s"'],
    ['rate=5000000000B/s', 'rate overflow "5000000000B/s"'],
    ['rate=1MB/s@2h', 'invalid replenishment interval "2h"'],
    ['rate=1MB/s@5000s', 'replenishment interval overflow "5000s"'],
  ];
  for (const [spec, problem] of cases) {
    assert.throws(() => nic(spec), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.message, `domU.cfg:13: "vif": ${problem} in vif specification ${JSON.stringify(spec)}`);
      return true;
    }, spec);
  }
});

test('generateMac() uses Xen\'s OUI 00:16:3e and clears the top bit of the fourth byte, as libxl does', () => {
  assert.equal(generateMac(() => Uint8Array.of(0xff, 0xee, 0xdd)), '00:16:3e:7f:ee:dd');
  assert.equal(generateMac(() => Uint8Array.of(0x01, 0x02, 0x03)), '00:16:3e:01:02:03');
});

test('parseMac() accepts one or two hex digits per group and lower-cases', () => {
  assert.equal(parseMac('0:16:3E:A:b:c'), '00:16:3e:0a:0b:0c');
  assert.equal(parseMac('00:16:3e:00:00:0g'), undefined);
});
