import { xorshift32 } from '../../lib/prng.js';
import { test } from 'node:test';
import { fuzzXlCfg } from './fuzz.js';
import { DOMU_DEV_CFG, DOMU_MIN_CFG } from './_oracle_fixtures.js';

/** Uniform in [0, 1) from a fixed seed, so every run tests the same inputs (and a failure is replayable). */
function rng(seed: number): () => number {
  const next = xorshift32(seed);
  return () => next() / 2 ** 32;
}

const SEEDS = [
  `\x00${DOMU_DEV_CFG}`,
  `\x00${DOMU_MIN_CFG}vif = ['rate=10Mb/s@20ms,mac=00:16:3e:00:00:01']\ncpus = ["0-3,^2", "nodes:1"]\nextra += " quiet"\n`,
  "\x01format=raw, vdev=xvda, access=rw, target=/var/lib/xen/disk.img",
  '\x01raw:/root/image.iso,hdc:cdrom,ro',
  '\x02mac=00:16:3E:74:3d:76,model=rtl8139,bridge=xenbr0,rate=1MB/s@20ms',
  '\x03nodes:0-3,^node:2,all,^7',
];
const ALPHABET = ' \t\n;,[]=+#\'"\\:-^@/0123456789abcdefxABCDEF';

test('fuzzXlCfg() lets only ConfigError escape for 4000 seeded random and mutated inputs', () => {
  const next = rng(0x5eed);
  const enc = new TextEncoder();
  for (let i = 0; i < 4000; i++) {
    let bytes: Uint8Array;
    if (i % 4 === 0) {
      bytes = Uint8Array.from({ length: 1 + Math.floor(next() * 200) }, () => Math.floor(next() * 256));
    } else {
      const chars = [...SEEDS[Math.floor(next() * SEEDS.length)]!];
      for (let m = 1 + Math.floor(next() * 6); m > 0; m--) {
        const at = 1 + Math.floor(next() * Math.max(1, chars.length - 1));
        const c = ALPHABET[Math.floor(next() * ALPHABET.length)]!;
        const op = next();
        if (op < 0.4) chars[at] = c;
        else if (op < 0.7) chars.splice(at, 0, c);
        else chars.splice(at, 1);
      }
      bytes = enc.encode(chars.join(''));
    }
    fuzzXlCfg(bytes);
  }
});
