/**
 * `npm run bench:idle [-- --domus N] [--window S] [--later S] [--steady S] [--sleep S] [--no-peer] [--json]`: the idle-domUs benchmark
 * alone (`bench/idle_domus.ts`), for working on issue 7's idle cost without the whole `npm run
 * bench`. --window is each window's length; --later and --steady are the gaps before the second and
 * third windows (0: no third); --sleep is how long each `sleep` of the guests' /init lasts (a day
 * unless given; 60 puts a fork and an exec into every minute, as the benchmark did until 2026-12-07);
 * --json ends the output with the result as one `IDLE_RESULT {...}` line (`bench/idle_ab.ts` reads it).
 */
import { parseArgs } from 'node:util';
import { benchIdleDomus, IDLE_RESULT_PREFIX } from './idle_domus.js';
import { wholeNumberOption } from './whole_number_option.js';

const { values } = parseArgs({
  options: { domus: { type: 'string' }, window: { type: 'string' }, later: { type: 'string' }, steady: { type: 'string' }, sleep: { type: 'string' }, 'no-peer': { type: 'boolean' }, json: { type: 'boolean' } },
});
const count = (flag: string, v: string | undefined, least: number): number | undefined => wholeNumberOption('bench:idle', flag, v, least);
const domus = count('domus', values.domus, 1);
const windowS = count('window', values.window, 1);
const later = count('later', values.later, 0);
const steady = count('steady', values.steady, 0);
const sleepS = count('sleep', values.sleep, 1);
const result = await benchIdleDomus({
  ...(domus !== undefined && { domus }), ...(windowS !== undefined && { windowS }), ...(later !== undefined && { laterMs: later * 1000 }), ...(steady !== undefined && { steadyMs: steady * 1000 }), ...(sleepS !== undefined && { sleepS }), peer: !values['no-peer'],
});
if (values.json === true) console.log(`${IDLE_RESULT_PREFIX}${JSON.stringify(result)}`);
