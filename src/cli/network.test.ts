/**
 * network-attach, network-list and network-detach before the daemon is asked: a bad spec or bad
 * arguments are one-line errors with xl's statuses, and the commands are in the help.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nicAttachRequest } from './network.js';

const MAIN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'main.js');

function xenon(...args: string[]) {
  return spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, XENON_SOCKET: '/nonexistent/xenond.sock' } });
}

test('nicAttachRequest() sends the components as given, none for every default, with xl\'s warnings, and refuses a bad spec first', () => {
  assert.deepEqual(nicAttachRequest(['bridge=xenbr0', 'mac=00:16:3e:00:00:01']), { body: { spec: ['bridge=xenbr0', 'mac=00:16:3e:00:00:01'] }, warnings: [] });
  assert.deepEqual(nicAttachRequest([]), { body: { spec: [] }, warnings: [] });
  assert.deepEqual(nicAttachRequest(['bridge=xenbr0', 'brdige=xenbr1']).warnings, ['command line: "vif": unrecognized argument "brdige=xenbr1" ignored']);
  assert.throws(() => nicAttachRequest(['bridge=xenbr0', 'mac=00:16:3e']), {
    name: 'ConfigError', message: 'command line: invalid MAC address "00:16:3e" in vif specification "bridge=xenbr0,mac=00:16:3e"',
  });
});

test('xenon network-*: bad arguments and a bad spec are one-line errors before the daemon is asked', () => {
  const noDomain = xenon('network-attach');
  assert.equal(noDomain.status, 2);
  assert.match(noDomain.stderr, /^xenon: network-attach takes a domain and a vif specification; usage: xenon network-attach DOMAIN \[VIF-SPEC-COMPONENT\.\.\.\]\n$/);
  const badSpec = xenon('network-attach', 'guest', 'devid=x');
  assert.equal(badSpec.status, 1);
  assert.equal(badSpec.stderr, 'xenon: command line: invalid devid "x" in vif specification "devid=x"\n');
  assert.equal(xenon('network-list').status, 2);
  assert.equal(xenon('network-detach', 'guest').status, 2);
  assert.equal(xenon('network-detach', 'guest', '0', '1').status, 2);
  assert.equal(xenon('network-detach', '--force', 'guest', '0').status, 2, 'xl network-detach has no options');
  const help = xenon('--help');
  for (const c of ['network-attach', 'network-list', 'network-detach']) assert.match(help.stdout, new RegExp(`^  ${c} +\\S`, 'm'));
  assert.match(xenon('help', 'network-detach').stdout, /^Usage: xenon network-detach DOMAIN DEVID\|MAC\n/);
  assert.match(xenon('help', 'network-attach').stdout, /next free devid/);
});
