/** Host links through passt: the public surface of this folder. */
export { PASST, PASST_MAX_FRAME_BYTES, PASST_PACKAGE, startPasst, type PasstLink } from './passt.js';
export { PasstError, type PasstOptions, type PasstPortForward } from './options.js';
export type { LinkStats } from './stream_link.js';
