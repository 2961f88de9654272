/** Data processing (register): the group joining the dp_reg patterns with the handlers of its encoding classes. */
import { DP_REG_PATTERNS } from '../decode/dp_reg.js';
import type { InsnGroup } from './group.js';
import { ADD_SUB_REG_HANDLERS, LOGICAL_REG_HANDLERS } from './dp_reg_arith.js';
import { COND_HANDLERS } from './dp_reg_cond.js';
import { MISC_HANDLERS } from './dp_reg_misc.js';

export const DP_REG: InsnGroup = {
  name: 'dp_reg',
  registerOnly: 'all',
  patterns: DP_REG_PATTERNS,
  handlers: { ...LOGICAL_REG_HANDLERS, ...ADD_SUB_REG_HANDLERS, ...COND_HANDLERS, ...MISC_HANDLERS },
  endsBlock: new Set(),
};
