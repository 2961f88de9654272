/** readTar() and member sizes it cannot trust (found by the fuzzer, tests/fuzz/regressions/tar). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { XenonError } from '../lib/errors.js';
import { readTar } from './tar.js';

const enc = new TextEncoder();

/** A ustar header block with `sizeField` written verbatim into the 12-byte size field. */
function header(path: string, type: string, sizeField: string): Uint8Array {
  const h = new Uint8Array(512);
  h.set(enc.encode(path), 0);
  h.set(enc.encode('0000644\0'), 100);
  h.set(enc.encode(sizeField.slice(0, 12)), 124);
  h.set(enc.encode(type), 156);
  h.set(enc.encode('ustar\x0000'), 257);
  h.fill(0x20, 148, 156);
  const sum = h.reduce((a, b) => a + b, 0);
  h.set(enc.encode(`${sum.toString(8).padStart(6, '0')}\0 `), 148);
  return h;
}

function pax(records: string): Uint8Array[] {
  const body = enc.encode(records);
  const data = new Uint8Array(512);
  data.set(body);
  return [header('PaxHeaders/x', 'x', `${body.length.toString(8).padStart(11, '0')}\0`), data];
}

async function* stream(parts: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* parts;
}

const imageFetch = (e: unknown) => e instanceof XenonError && e.code === 'IMAGE_FETCH';

for (const size of ['abc', '-5', '1e400']) {
  test(`readTar() rejects the pax size "${size}" with IMAGE_FETCH`, async () => {
    const record = ` size=${size}\n`;
    const parts = [...pax(`${record.length + 2}${record}`), header('file', '0', '00000000001\0'), new Uint8Array(1024)];
    await assert.rejects(readTar(stream(parts), () => true, 't.tar'), imageFetch);
  });
}

test('readTar() rejects a non-octal size field with IMAGE_FETCH', async () => {
  await assert.rejects(readTar(stream([header('file', '0', '99999999999\0'), new Uint8Array(1024)]), () => true, 't.tar'), imageFetch);
});

test('readTar() reports a huge claimed size as truncated instead of allocating it', async () => {
  // 0o77777777777 is 8 GiB; the stream has 1 KiB. The reader must not allocate before reading.
  for (const type of ['0', 'L']) {
    // Passed a large enough bound on kept bytes, the claim is found truncated; with the default bound, refused before reading.
    const parts = [header('file', type, '77777777777\0'), new Uint8Array(1024)];
    await assert.rejects(readTar(stream(parts), () => true, 't.tar', 16 * 2 ** 30), (e: unknown) => imageFetch(e) && /truncated/.test((e as Error).message));
    if (type === '0') await assert.rejects(readTar(stream(parts), () => true, 't.tar'), (e: unknown) => imageFetch(e) && /exceed/.test((e as Error).message));
  }
});

test('readTar() stops its source when it ends early, so an abandoned xz stream cannot block the next one', async () => {
  let returned = 0;
  const source: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => ({
      next: async () => ({ done: false, value: new Uint8Array(512).fill(1) }),
      return: async () => {
        returned++;
        return { done: true, value: undefined };
      },
    }),
  };
  await assert.rejects(readTar(source, () => true, 't.tar'), imageFetch);
  assert.equal(returned, 1);
});
