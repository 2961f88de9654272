/**
 * The xenstore wire protocol (xen/include/public/io/xs_wire.h): the 16-byte `xsd_sockmsg` header,
 * message type numbers, error names, and a streaming parser that frames a byte stream into whole
 * messages. The same framing runs over the shared ring page and over the Unix socket.
 */
import { XsWireError } from './errors.js';

/** Message types (xs_wire.h enum xsd_sockmsg_type). 20 was XS_RESTRICT, since removed. */
export const XS_CONTROL = 0;
export const XS_DIRECTORY = 1;
export const XS_READ = 2;
export const XS_GET_PERMS = 3;
export const XS_WATCH = 4;
export const XS_UNWATCH = 5;
export const XS_TRANSACTION_START = 6;
export const XS_TRANSACTION_END = 7;
export const XS_INTRODUCE = 8;
export const XS_RELEASE = 9;
export const XS_GET_DOMAIN_PATH = 10;
export const XS_WRITE = 11;
export const XS_MKDIR = 12;
export const XS_RM = 13;
export const XS_SET_PERMS = 14;
export const XS_WATCH_EVENT = 15;
export const XS_ERROR = 16;
export const XS_IS_DOMAIN_INTRODUCED = 17;
export const XS_RESUME = 18;
export const XS_SET_TARGET = 19;
export const XS_RESET_WATCHES = 21;
export const XS_DIRECTORY_PART = 22;
/** Guaranteed never to be a valid type. */
export const XS_INVALID = 0xffff;

/** Largest payload in either direction; a longer one is a protocol violation (XENSTORE_PAYLOAD_MAX). */
export const XENSTORE_PAYLOAD_MAX = 4096;
/** Size of `struct xsd_sockmsg`. */
export const XSD_SOCKMSG_SIZE = 16;

/**
 * The error names a reply may carry, in xs_wire.h's `xsd_errors` order. Linux maps names it does
 * not know to EINVAL, so the server never invents new ones.
 */
export const XSD_ERRORS = [
  'EINVAL', 'EACCES', 'EEXIST', 'EISDIR', 'ENOENT', 'ENOMEM', 'ENOSPC', 'EIO',
  'ENOTEMPTY', 'ENOSYS', 'EROFS', 'EBUSY', 'EAGAIN', 'EISCONN', 'E2BIG', 'EPERM',
] as const;

/** One xenstore error name, as sent in an XS_ERROR reply. */
export type XsErrno = (typeof XSD_ERRORS)[number];

/** True for an error name returned in place of a value (the handlers' `T | XsErrno` convention). */
export function isXsErrno(x: unknown): x is XsErrno {
  return typeof x === 'string' && (XSD_ERRORS as readonly string[]).includes(x);
}

/** A decoded `xsd_sockmsg` header. */
export interface XsHeader {
  readonly type: number;
  readonly reqId: number;
  readonly txId: number;
  readonly len: number;
}

/** One whole message: header fields plus exactly `len` payload bytes. */
export interface XsMessage {
  readonly type: number;
  readonly reqId: number;
  readonly txId: number;
  readonly payload: Uint8Array;
}

/** Decodes the little-endian header at the start of `bytes` (at least 16 bytes). */
export function decodeHeader(bytes: Uint8Array): XsHeader {
  const v = new DataView(bytes.buffer, bytes.byteOffset, XSD_SOCKMSG_SIZE);
  return { type: v.getUint32(0, true), reqId: v.getUint32(4, true), txId: v.getUint32(8, true), len: v.getUint32(12, true) };
}

/** Encodes a whole message. Payload length is the caller's responsibility (the server checks it first). */
export function encodeMessage(msg: XsMessage): Uint8Array {
  const out = new Uint8Array(XSD_SOCKMSG_SIZE + msg.payload.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, msg.type >>> 0, true);
  v.setUint32(4, msg.reqId >>> 0, true);
  v.setUint32(8, msg.txId >>> 0, true);
  v.setUint32(12, msg.payload.length, true);
  out.set(msg.payload, XSD_SOCKMSG_SIZE);
  return out;
}

/**
 * Bytes ↔ strings as Latin-1, one char per byte: paths are ASCII, and tokens and values must come
 * back byte-for-byte as the client sent them whatever their encoding.
 */
export function bytesToLatin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 4096) s += String.fromCharCode(...bytes.subarray(i, i + 4096));
  return s;
}

/** The inverse of bytesToLatin1; chars above 0xff are a caller bug and are truncated to a byte. */
export function latin1ToBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** NUL-terminated strings from `strings`, each followed by its NUL, as replies and requests lay them out. */
export function encodeStrings(strings: readonly string[]): Uint8Array {
  return latin1ToBytes(strings.map((s) => s + '\0').join(''));
}

/**
 * Splits a payload made only of NUL-terminated strings. Returns undefined when the payload does not
 * end in NUL (C xenstored's get_strings would read past the data; we refuse instead).
 */
export function splitStrings(payload: Uint8Array): string[] | undefined {
  if (payload.length === 0 || payload[payload.length - 1] !== 0) return undefined;
  return bytesToLatin1(payload.subarray(0, payload.length - 1)).split('\0');
}

/** The payload of XS_ERROR for `errno`: its name and a NUL. */
export function errorPayload(errno: XsErrno): Uint8Array {
  return encodeStrings([errno]);
}

/**
 * Frames an arbitrary byte stream into messages. A header announcing more than
 * XENSTORE_PAYLOAD_MAX bytes throws XsWireError; the connection must then be dropped, as
 * xenstored does (it cannot resynchronise: the stream has no message markers).
 */
export class XsWireParser {
  private buf = new Uint8Array(XSD_SOCKMSG_SIZE + XENSTORE_PAYLOAD_MAX);
  private used = 0;
  private header: XsHeader | undefined;

  /** Consumes `chunk` entirely and returns the messages it completes, in order. */
  feed(chunk: Uint8Array): XsMessage[] {
    const out: XsMessage[] = [];
    let off = 0;
    while (off < chunk.length) {
      const need = (this.header === undefined ? XSD_SOCKMSG_SIZE : XSD_SOCKMSG_SIZE + this.header.len) - this.used;
      const n = Math.min(need, chunk.length - off);
      this.buf.set(chunk.subarray(off, off + n), this.used);
      this.used += n;
      off += n;
      if (this.used === XSD_SOCKMSG_SIZE && this.header === undefined) {
        this.header = checkHeader(decodeHeader(this.buf));
      }
      const h = this.header;
      if (h !== undefined && this.used === XSD_SOCKMSG_SIZE + h.len) {
        out.push({ type: h.type, reqId: h.reqId, txId: h.txId, payload: this.buf.slice(XSD_SOCKMSG_SIZE, this.used) });
        this.header = undefined;
        this.used = 0;
      }
    }
    return out;
  }

  /** True when no partial message is buffered. */
  get idle(): boolean {
    return this.used === 0;
  }
}

/** The one check a header gets before its payload is read: the announced length. */
function checkHeader(h: XsHeader): XsHeader {
  if (h.len > XENSTORE_PAYLOAD_MAX) {
    throw new XsWireError(`Cannot read xenstore message of type ${h.type}: payload length ${h.len} exceeds ${XENSTORE_PAYLOAD_MAX}`);
  }
  return h;
}
