/** The daemon's network configuration: specs, the file, and the command line's precedence. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../toolstack/config/index.js';
import { parseDaemonConfig, parseNetworkSpec, uplinksByBridge } from './network_config.js';

const at = { source: '--net', line: 1 };

test('a passt uplink with forwards, addresses and DNS', () => {
  assert.deepEqual(parseNetworkSpec('bridge=xenbr0, uplink=passt, tcp=8080:80, udp=127.0.0.1/5353:53, address=10.0.2.15, prefix=24, gateway=10.0.2.2, dns=10.0.2.3, map-gateway-to-host=1', at), {
    bridge: 'xenbr0',
    uplink: { kind: 'passt', passt: {
      guestAddress: '10.0.2.15', prefixLength: 24, gateway: '10.0.2.2', mapGatewayToHost: true, dns: ['10.0.2.3'],
      forwards: [{ proto: 'tcp', hostPort: 8080, guestPort: 80 }, { proto: 'udp', hostPort: 5353, guestPort: 53, hostAddress: '127.0.0.1' }],
    } },
  });
  assert.deepEqual(parseNetworkSpec('bridge=lan', at), { bridge: 'lan', uplink: null });
  assert.deepEqual(parseNetworkSpec('bridge=nat,uplink=passt,dns=none', at).uplink, { kind: 'passt', passt: { forwards: [], dns: [] } });
  assert.deepEqual(parseNetworkSpec('bridge=xenbr1,uplink=tap', at).uplink, { kind: 'tap', device: 'xenon-xenbr1' });
  assert.deepEqual(parseNetworkSpec('bridge=longbridgename,uplink=tap', at).uplink, { kind: 'tap', device: 'xenon-longbridg' });
  assert.deepEqual(parseNetworkSpec('bridge=b,uplink=tap,tap=tap7', at).uplink, { kind: 'tap', device: 'tap7' });
});

test('bad specs name the problem and the spec', () => {
  for (const [spec, problem] of [
    ['uplink=passt', /no bridge=/], ['bridge=a/b', /invalid bridge name/], ['bridge=x,uplink=vde', /not "passt", "tap" or "none"/], ['bridge=x,tap=t0', /tap= needs uplink=tap/], ['bridge=x,uplink=tap,tcp=1:1', /need uplink=passt/],
    ['bridge=x,uplink=passt,tcp=80', /invalid tcp forward/], ['bridge=x,tcp=80:80', /need uplink=passt/], ['bridge=x,colour=red', /unknown key "colour"/],
    ['bridge=x,uplink', /is not key=value/], ['bridge=x,uplink=passt,dns=none,dns=1.1.1.1', /dns=none with other/],
  ] as const) {
    assert.throws(() => parseNetworkSpec(spec, at), (e: unknown) => e instanceof ConfigError && problem.test(e.message) && e.message.startsWith('--net:1:'), spec);
  }
});

test('the file in xl.cfg syntax, and --net replacing its entry for a bridge', () => {
  const file = parseDaemonConfig('# networks\nnetwork = [ "bridge=xenbr0, uplink=passt, tcp=2222:22",\n  "bridge=lan" ]\n', 'xenond.conf');
  assert.deepEqual([...uplinksByBridge(file).keys()], ['xenbr0']);
  const args = [parseNetworkSpec('bridge=xenbr0,uplink=none', at), parseNetworkSpec('bridge=lan,uplink=passt', at)];
  assert.deepEqual([...uplinksByBridge([...file, ...args])], [['lan', { kind: 'passt', passt: { forwards: [] } }]]);
  assert.equal(uplinksByBridge(file).get('constructor'), undefined, 'a bridge named like an Object member has no uplink');
  assert.throws(() => parseDaemonConfig('memory = 5\n', 'xenond.conf'), /xenond.conf:1: "memory": unknown setting/);
  assert.throws(() => parseDaemonConfig('network = [ [ "bridge=x" ] ]\n', 'xenond.conf'), /each network is a string/);
});
