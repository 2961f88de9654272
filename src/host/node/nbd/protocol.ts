/**
 * The NBD wire protocol as far as Xenon's client speaks it (NetworkBlockDevice/nbd doc/proto.md):
 * fixed newstyle negotiation ending in NBD_OPT_GO, then simple replies only (we never ask for
 * NBD_OPT_STRUCTURED_REPLY, so a READ reply is a 16-byte header followed by exactly the bytes
 * asked for). Everything here is pure encoding and decoding; the socket lives in client.ts.
 *
 * The server is another process (qemu-storage-daemon) reading a guest-supplied image, so every
 * decoder treats its bytes as untrusted: lengths are checked against fixed bounds before anything
 * is allocated, and a violation throws NbdProtocolError naming what was wrong.
 */

/** The server's first 8 bytes (ASCII "NBDMAGIC"), oldstyle and newstyle alike. */
export const NBDMAGIC = 0x4e42444d41474943n;
/** Second magic of newstyle negotiation, and the prefix of every client option (ASCII "IHAVEOPT"). */
export const IHAVEOPT = 0x49484156454f5054n;
/** Second magic of oldstyle negotiation, which we do not speak (qemu dropped it too). */
export const NBD_OLDSTYLE_MAGIC = 0x00420281861253n;
/** Magic of every option reply in fixed newstyle. */
export const NBD_OPT_REPLY_MAGIC = 0x0003e889045565a9n;
export const NBD_REQUEST_MAGIC = 0x25609513;
export const NBD_SIMPLE_REPLY_MAGIC = 0x67446698;
/** Only sent after NBD_OPT_STRUCTURED_REPLY; recognised so that the error can say so. */
export const NBD_STRUCTURED_REPLY_MAGIC = 0x668e33ef;

// Handshake flags (server, 16 bits) and client flags (32 bits).
export const NBD_FLAG_FIXED_NEWSTYLE = 1 << 0;
export const NBD_FLAG_NO_ZEROES = 1 << 1;
export const NBD_FLAG_C_FIXED_NEWSTYLE = 1 << 0;
export const NBD_FLAG_C_NO_ZEROES = 1 << 1;

// Transmission flags (16 bits): the ones the client acts on.
export const NBD_FLAG_HAS_FLAGS = 1 << 0;
export const NBD_FLAG_READ_ONLY = 1 << 1;
export const NBD_FLAG_SEND_FLUSH = 1 << 2;
export const NBD_FLAG_SEND_TRIM = 1 << 5;

export const NBD_OPT_GO = 7;

// Option reply types; errors have bit 31 set.
export const NBD_REP_ACK = 1;
export const NBD_REP_INFO = 3;
export const NBD_REP_FLAG_ERROR = 0x8000_0000;
export const NBD_REP_ERR_UNSUP = NBD_REP_FLAG_ERROR + 1;
export const NBD_REP_ERR_POLICY = NBD_REP_FLAG_ERROR + 2;
export const NBD_REP_ERR_INVALID = NBD_REP_FLAG_ERROR + 3;
export const NBD_REP_ERR_PLATFORM = NBD_REP_FLAG_ERROR + 4;
export const NBD_REP_ERR_TLS_REQD = NBD_REP_FLAG_ERROR + 5;
export const NBD_REP_ERR_UNKNOWN = NBD_REP_FLAG_ERROR + 6;
export const NBD_REP_ERR_SHUTDOWN = NBD_REP_FLAG_ERROR + 7;
export const NBD_REP_ERR_BLOCK_SIZE_REQD = NBD_REP_FLAG_ERROR + 8;
export const NBD_REP_ERR_TOO_BIG = NBD_REP_FLAG_ERROR + 9;

/** What each option error means, for messages; upstream's names stay in them for grep. */
const OPTION_ERRORS: ReadonlyMap<number, string> = new Map([
  [NBD_REP_ERR_UNSUP, 'option not supported (NBD_REP_ERR_UNSUP)'],
  [NBD_REP_ERR_POLICY, 'refused by server policy (NBD_REP_ERR_POLICY)'],
  [NBD_REP_ERR_INVALID, 'request invalid (NBD_REP_ERR_INVALID)'],
  [NBD_REP_ERR_PLATFORM, 'not supported on the server platform (NBD_REP_ERR_PLATFORM)'],
  [NBD_REP_ERR_TLS_REQD, 'server requires TLS (NBD_REP_ERR_TLS_REQD)'],
  [NBD_REP_ERR_UNKNOWN, 'no such export (NBD_REP_ERR_UNKNOWN)'],
  [NBD_REP_ERR_SHUTDOWN, 'server is shutting down (NBD_REP_ERR_SHUTDOWN)'],
  [NBD_REP_ERR_BLOCK_SIZE_REQD, 'server requires block size negotiation (NBD_REP_ERR_BLOCK_SIZE_REQD)'],
  [NBD_REP_ERR_TOO_BIG, 'request too big (NBD_REP_ERR_TOO_BIG)'],
]);

export const NBD_INFO_EXPORT = 0;

// Request types.
export const NBD_CMD_READ = 0;
export const NBD_CMD_WRITE = 1;
export const NBD_CMD_DISC = 2;
export const NBD_CMD_FLUSH = 3;
export const NBD_CMD_TRIM = 4;

/** The error values the protocol defines (proto.md "Error values"), by number. */
const NBD_ERRNO_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'EPERM'],
  [5, 'EIO'],
  [12, 'ENOMEM'],
  [22, 'EINVAL'],
  [28, 'ENOSPC'],
  [75, 'EOVERFLOW'],
  [95, 'ENOTSUP'],
  [108, 'ESHUTDOWN'],
]);
export const NBD_ESHUTDOWN = 108;

export const GREETING_BYTES = 18;
export const OPTION_REPLY_HEADER_BYTES = 20;
export const REQUEST_HEADER_BYTES = 28;
export const SIMPLE_REPLY_BYTES = 16;
/**
 * Largest option reply payload accepted. The longest legitimate one is an NBD_REP_SERVER or error
 * text carrying a string, which proto.md limits to 4096 bytes; 64 KiB leaves room and still stops
 * a server from making us allocate what its 32-bit length field claims.
 */
export const MAX_OPTION_REPLY_BYTES = 64 * 1024;
/** proto.md caps export names (like every string) at 4096 bytes. */
export const MAX_EXPORT_NAME_BYTES = 4096;
/**
 * Largest READ or WRITE payload sent in one request: proto.md's default maximum payload (2^25),
 * which every server must accept when no NBD_INFO_BLOCK_SIZE was negotiated (we negotiate none).
 */
export const MAX_PAYLOAD_BYTES = 32 * 1024 * 1024;
/** TRIM carries no payload, but its length field is 32 bits; 1 GiB keeps requests aligned. */
export const MAX_TRIM_BYTES = 1024 * 1024 * 1024;

/** The server broke the protocol (or is not an NBD server); the message says how. */
export class NbdProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NbdProtocolError';
  }
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function hex(n: number | bigint): string {
  return `0x${n.toString(16)}`;
}

/** Checks the server's greeting and returns its handshake flags. */
export function decodeGreeting(b: Uint8Array): { handshakeFlags: number } {
  if (b.length !== GREETING_BYTES) throw new NbdProtocolError(`greeting has ${b.length} bytes, expected ${GREETING_BYTES}`);
  const v = view(b);
  const magic = v.getBigUint64(0);
  if (magic !== NBDMAGIC) throw new NbdProtocolError(`not an NBD server (greeting magic ${hex(magic)})`);
  const second = v.getBigUint64(8);
  if (second === NBD_OLDSTYLE_MAGIC) throw new NbdProtocolError('server speaks only oldstyle negotiation');
  if (second !== IHAVEOPT) throw new NbdProtocolError(`unknown negotiation magic ${hex(second)}`);
  const handshakeFlags = v.getUint16(16);
  // Without fixed newstyle the server cannot answer NBD_OPT_GO; qemu has always set it.
  if ((handshakeFlags & NBD_FLAG_FIXED_NEWSTYLE) === 0) throw new NbdProtocolError('server does not support fixed newstyle negotiation');
  return { handshakeFlags };
}

/**
 * Our client flags. NBD_FLAG_C_NO_ZEROES only when the server offered NBD_FLAG_NO_ZEROES: proto.md
 * says a server must drop a client that sets a flag it did not advertise. (With NBD_OPT_GO no
 * zeroes are sent either way; the flag only matters to NBD_OPT_EXPORT_NAME.)
 */
export function encodeClientFlags(handshakeFlags: number): Uint8Array {
  const out = new Uint8Array(4);
  const noZeroes = (handshakeFlags & NBD_FLAG_NO_ZEROES) !== 0 ? NBD_FLAG_C_NO_ZEROES : 0;
  view(out).setUint32(0, NBD_FLAG_C_FIXED_NEWSTYLE | noZeroes);
  return out;
}

/**
 * NBD_OPT_GO for `exportName` with no information requests: the server must still send
 * NBD_INFO_EXPORT, and by not asking for NBD_INFO_BLOCK_SIZE we stay with the default size
 * constraints (see MAX_PAYLOAD_BYTES).
 */
export function encodeOptGo(exportName: string): Uint8Array {
  const name = new TextEncoder().encode(exportName);
  if (name.length > MAX_EXPORT_NAME_BYTES) throw new RangeError(`Export name is ${name.length} bytes, at most ${MAX_EXPORT_NAME_BYTES} allowed`);
  const dataBytes = 4 + name.length + 2;
  const out = new Uint8Array(16 + dataBytes);
  const v = view(out);
  v.setBigUint64(0, IHAVEOPT);
  v.setUint32(8, NBD_OPT_GO);
  v.setUint32(12, dataBytes);
  v.setUint32(16, name.length);
  out.set(name, 20);
  v.setUint16(20 + name.length, 0);
  return out;
}

/** The fixed part of one option reply; `length` payload bytes follow. */
export interface OptionReplyHeader {
  readonly type: number;
  readonly length: number;
}

/** Decodes an option reply header for `option`, refusing payloads over MAX_OPTION_REPLY_BYTES. */
export function decodeOptionReplyHeader(b: Uint8Array, option: number): OptionReplyHeader {
  const v = view(b);
  const magic = v.getBigUint64(0);
  if (magic !== NBD_OPT_REPLY_MAGIC) throw new NbdProtocolError(`bad option reply magic ${hex(magic)}`);
  const replyTo = v.getUint32(8);
  if (replyTo !== option) throw new NbdProtocolError(`option reply is for option ${replyTo}, expected ${option}`);
  const type = v.getUint32(12);
  const length = v.getUint32(16);
  if (length > MAX_OPTION_REPLY_BYTES) {
    throw new NbdProtocolError(`option reply of ${length} bytes is over the ${MAX_OPTION_REPLY_BYTES / 1024} KiB limit`);
  }
  return { type, length };
}

/** What NBD_INFO_EXPORT tells about the export. */
export interface ExportInfo {
  readonly sizeBytes: number;
  readonly transmissionFlags: number;
}

/** The export's size and flags from an NBD_REP_INFO payload, or null for another info type (ignored, as proto.md says). */
export function decodeInfoReply(payload: Uint8Array): ExportInfo | null {
  if (payload.length < 2) throw new NbdProtocolError(`NBD_REP_INFO of ${payload.length} bytes has no information type`);
  const v = view(payload);
  if (v.getUint16(0) !== NBD_INFO_EXPORT) return null;
  if (payload.length !== 12) throw new NbdProtocolError(`NBD_INFO_EXPORT has ${payload.length} bytes, expected 12`);
  const size = v.getBigUint64(2);
  // Offsets travel as JS numbers; no disk image comes near 2^53 bytes (8 PiB).
  if (size > BigInt(Number.MAX_SAFE_INTEGER)) throw new NbdProtocolError(`export size ${size} is too large`);
  const transmissionFlags = v.getUint16(10);
  if ((transmissionFlags & NBD_FLAG_HAS_FLAGS) === 0) throw new NbdProtocolError('transmission flags lack NBD_FLAG_HAS_FLAGS');
  return { sizeBytes: Number(size), transmissionFlags };
}

/** The server's own text (an error reply's payload), made safe to put into a message. */
export function serverText(payload: Uint8Array): string {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(payload).replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** A readable description of an option error reply, with the server's text when it sent one. */
export function describeOptionError(type: number, payload: Uint8Array): string {
  const what = OPTION_ERRORS.get(type) ?? `option error ${hex(type)}`;
  const text = serverText(payload);
  return text === '' ? what : `${what}: "${text}"`;
}

/** One transmission request's fixed fields. */
export interface RequestHeader {
  readonly type: number;
  readonly cookie: number;
  readonly offset: number;
  readonly length: number;
}

/**
 * The 28-byte request header. Cookies are safe integers split into two 32-bit halves; command
 * flags are always 0 (we use no FUA: durability comes from NBD_CMD_FLUSH).
 */
export function encodeRequestHeader(r: RequestHeader): Uint8Array {
  const out = new Uint8Array(REQUEST_HEADER_BYTES);
  const v = view(out);
  v.setUint32(0, NBD_REQUEST_MAGIC);
  v.setUint16(4, 0);
  v.setUint16(6, r.type);
  v.setUint32(8, Math.floor(r.cookie / 2 ** 32));
  v.setUint32(12, r.cookie >>> 0);
  v.setBigUint64(16, BigInt(r.offset));
  v.setUint32(24, r.length);
  return out;
}

/** A simple reply's header. */
export interface SimpleReply {
  readonly error: number;
  /** As sent; a value ≥ 2^53 loses precision but then matches no cookie we issued either. */
  readonly cookie: number;
}

export function decodeSimpleReply(b: Uint8Array): SimpleReply {
  const v = view(b);
  const magic = v.getUint32(0);
  if (magic === NBD_STRUCTURED_REPLY_MAGIC) throw new NbdProtocolError('server sent a structured reply, which was not negotiated');
  if (magic !== NBD_SIMPLE_REPLY_MAGIC) throw new NbdProtocolError(`bad reply magic ${hex(magic)}`);
  return { error: v.getUint32(4), cookie: v.getUint32(8) * 2 ** 32 + v.getUint32(12) };
}

/** "ENOSPC" for 28; proto.md says to treat an unknown value like EINVAL, so it is named as such. */
export function nbdErrnoName(error: number): string {
  return NBD_ERRNO_NAMES.get(error) ?? `EINVAL (unknown error ${error})`;
}
