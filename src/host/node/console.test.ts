import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { NodeIdleWaiter, TerminalConsole } from './console.js';

test('NodeIdleWaiter.wait() ends after its timeout, or at once on wake()', async () => {
  const w = new NodeIdleWaiter();
  const t0 = performance.now();
  await w.wait(20);
  assert.ok(performance.now() - t0 >= 15);
  const t1 = performance.now();
  const p = w.wait(Infinity);
  setTimeout(() => w.wake(), 5);
  await p;
  assert.ok(performance.now() - t1 < 1000);
  w.wake(); // no pending wait: nothing happens
  await w.yieldNow();
});

test('TerminalConsole: piped input reaches the guest byte for byte (Ctrl-] included) and its end quits only when asked', async () => {
  for (const quitAtEnd of [true, false]) {
    const stdin = new PassThrough() as unknown as NodeJS.ReadStream;
    const input: number[] = [];
    let quits = 0;
    const term = new TerminalConsole({ stdin, stdout: new PassThrough() as unknown as NodeJS.WriteStream, onInput: (b) => input.push(...b), onQuit: () => quits++, singleKeyEscape: true, quitAtEnd });
    (stdin as unknown as PassThrough).end(Buffer.from('ls\x1d\n'));
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(input, [...Buffer.from('ls\x1d\n')]);
    assert.equal(quits, quitAtEnd ? 1 : 0);
    term.close();
  }
});
