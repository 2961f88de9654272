/** The layering lint rule (tools/lint/layering.js) rejects what it must and allows what it should. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ESLint } from 'eslint';
import { REPO_ROOT } from '../harness/tools.js';

const eslint = new ESLint({ cwd: REPO_ROOT });

async function layeringErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(REPO_ROOT, file) });
  return result!.messages.filter((m) => m.ruleId === 'xenon/layering' || m.ruleId === 'no-restricted-globals').map((m) => m.message);
}

test('the CPU may not import the Linux runner, the platform or Node', async () => {
  assert.match((await layeringErrors('src/arch/arm64/x.ts', "import { runStaticElf } from '../../linux_user/run.js';\nrunStaticElf;\n"))[0] ?? '', /must not import/);
  assert.match((await layeringErrors('src/arch/arm64/x.ts', "import { Pl011 } from '../../platform/pl011/device.js';\nPl011;\n"))[0] ?? '', /must not import/);
  assert.match((await layeringErrors('src/arch/arm64/x.ts', "import fs from 'node:fs';\nfs;\n"))[0] ?? '', /must not use Node/);
  assert.equal((await layeringErrors('src/arch/arm64/x.ts', 'export const pid = process.pid;\n')).length, 1);
});

test('platform may use the CPU and host interfaces, and the CLI may use everything', async () => {
  assert.deepEqual(await layeringErrors('src/platform/x.ts', "import type { Cpu } from '../arch/arm64/cpu.js';\nimport type { HostClock } from '../host/common/clock.js';\nexport type T = [Cpu, HostClock];\n"), []);
  assert.match((await layeringErrors('src/platform/x.ts', "import { nodeHostClock } from '../host/node/clock.js';\nnodeHostClock;\n"))[0] ?? '', /must not import/);
  assert.deepEqual(await layeringErrors('src/cli/x.ts', "import fs from 'node:fs';\nimport { Cpu } from '../arch/arm64/cpu.js';\nexport const t = [fs, Cpu];\n"), []);
});
