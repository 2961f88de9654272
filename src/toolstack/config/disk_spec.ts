/**
 * One `disk = [ … ]` entry, parsed as libxlu parses it (tools/libs/util/libxlu_disk_l.l, libxlu_disk.c) and
 * documented in xl-disk-configuration(5). libxlu's parser is a flex scanner whose rules overlap; which rule
 * wins decides the meaning (`cdrom` is a flag, `cdrom.iso,` a target), so we run the same rules the way flex
 * does: at each position the longest match wins, trailing context counting towards its length, and the
 * earlier rule wins a tie.
 */
import { XenonError } from '../../lib/errors.js';
import { ConfigError, quote, type ConfigLocation } from './config_error.js';
import { vdevToDevid } from './vdev.js';

/**
 * Image formats: libxl_types.idl's libxl_disk_format, and three that xl does not know but QEMU's
 * block layer (which serves every non-raw image here) does: VMware's vmdk, VirtualBox's vdi and
 * Hyper-V's vhdx, so images from those hypervisors run without a conversion.
 */
export type DiskFormat = 'raw' | 'qcow' | 'qcow2' | 'vhd' | 'empty' | 'qed' | 'vmdk' | 'vdi' | 'vhdx';
/** Backend implementations (libxl_disk_backend); absent means libxl chooses. */
export type DiskBackendType = 'phy' | 'tap' | 'qdisk' | 'standalone';
/** Device protocols (libxl_disk_specification). */
export type DiskSpecification = 'xen' | 'virtio';

/** A disk as libxl_device_disk holds it after xlu_disk_parse, plus its device number. */
export interface DiskSpec {
  /** `pdev_path`: image path or device, relative paths kept as written; absent for an empty cdrom drive. */
  readonly target?: string;
  readonly format: DiskFormat;
  readonly vdev: string;
  /** Xen device number of `vdev` (libxl__device_disk_dev_number). */
  readonly devid: number;
  readonly readwrite: boolean;
  readonly isCdrom: boolean;
  readonly removable: boolean;
  readonly backendType?: DiskBackendType;
  /** `backend=`: name of the backend domain. */
  readonly backendDomain?: string;
  readonly script?: string;
  readonly specification?: DiskSpecification;
  readonly directIoSafe: boolean;
  /** The defbools: absent means "libxl's default". */
  readonly discard?: boolean;
  readonly trusted?: boolean;
  readonly grantUsage?: boolean;
  readonly colo?: boolean;
  readonly coloHost?: string;
  readonly coloPort?: number;
  readonly coloExport?: string;
  readonly activeDisk?: string;
  readonly hiddenDisk?: string;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Draft = Partial<Mutable<DiskSpec>> & { readwrite: boolean; directIoSafe: boolean };

interface Rule {
  /** Sticky regex; group 1 is yytext, anything after it is trailing context. */
  readonly re: RegExp;
  /** Returns false to stop scanning, like the scanner actions that `return 0`. */
  readonly action: (s: Scan, text: string) => boolean | void;
}

/** `[^\n]` stands for flex's `.`. */
const rule = (head: string, action: Rule['action'], trail = ''): Rule => ({ re: new RegExp(`(${head})${trail}`, 'y'), action });
const REST = '[^\\n]*';

/** STRIP(','): drop one trailing comma. */
const strip = (t: string): string => (t.endsWith(',') ? t.slice(0, -1) : t);
/** FROMEQUALS: what follows the first `=`. */
const fromEquals = (t: string): string => strip(t).slice(t.indexOf('=') + 1);

const FORMATS: readonly string[] = ['raw', 'qcow', 'qcow2', 'vhd', 'empty', 'qed', 'vmdk', 'vdi', 'vhdx'];
const BACKENDS: readonly string[] = ['phy', 'tap', 'qdisk', 'standalone'];

/** libxlu_disk_l.l's rules, in its order. */
const RULES: readonly Rule[] = [
  rule('[ \\t\\n]+', () => undefined, `(?:[^ \\t\\n]${REST})?`),
  rule('format=[^,]*,?', (s, t) => s.setFormat(fromEquals(t))),
  rule('cdrom,?', (s) => void (s.d.isCdrom = true)),
  rule('devtype=cdrom,?', (s) => void (s.d.isCdrom = true)),
  rule('devtype=disk,?', (s) => void (s.d.isCdrom = false)),
  rule('devtype=[^,]*,?', (s, t) => s.fail(t, 'unknown value for type')),
  rule('access=[^,]*,?', (s, t) => s.setAccess(fromEquals(t))),
  rule('backend=[^,]*,?', (s, t) => s.save('backendDomain', 'backend', fromEquals(t))),
  rule('backendtype=[^,]*,?', (s, t) => s.setEnum('backendType', 'backend', BACKENDS, fromEquals(t), 'backendtype')),
  rule('specification=[^,]*,?', (s, t) => s.setEnum('specification', 'specification', ['xen', 'virtio'], fromEquals(t))),
  rule('vdev=[^,]*,?', (s, t) => s.save('vdev', 'vdev', fromEquals(t))),
  rule('script=[^,]*,?', (s, t) => s.save('script', 'script', fromEquals(t))),
  rule('direct-io-safe,?', (s) => void (s.d.directIoSafe = true)),
  rule('discard,?', (s) => void (s.d.discard = true)),
  rule('no-discard,?', (s) => void (s.d.discard = false)),
  rule('colo,?', (s) => void (s.d.colo = true)),
  rule('no-colo,?', (s) => void (s.d.colo = false)),
  rule('colo-host=[^,]*,?', (s, t) => s.save('coloHost', 'colo-host', fromEquals(t))),
  rule('colo-port=[^,]*,?', (s, t) => s.setColoPort(fromEquals(t))),
  rule('colo-export=[^,]*,?', (s, t) => s.save('coloExport', 'colo-export', fromEquals(t))),
  rule('active-disk=[^,]*,?', (s, t) => s.save('activeDisk', 'active-disk', fromEquals(t))),
  rule('hidden-disk=[^,]*,?', (s, t) => s.save('hiddenDisk', 'hidden-disk', fromEquals(t))),
  rule('trusted,?', (s) => void (s.d.trusted = true)),
  rule('untrusted,?', (s) => void (s.d.trusted = false)),
  rule('grant_usage=1,?', (s) => void (s.d.grantUsage = true)),
  rule('grant_usage=0,?', (s) => void (s.d.grantUsage = false)),
  // target= takes the rest of the spec, commas included; only one trailing comma is stripped.
  rule(`target=${REST}`, (s, t) => s.save('target', 'target', fromEquals(t))),
  rule('[a-z][-a-z0-9]*=[^,],?', (s, t) => s.fail(t, 'unknown parameter')),
  // Deprecated prefixes: their trailing context is the rest of the spec, so they beat every other rule.
  rule('(?:raw|qcow2?|vhd):', (s, t) => s.deprecatedFormat(t.slice(0, -1)), REST),
  rule('(?:iscsi|e?nbd|drbd):', (s, t) => s.deprecatedScript(t.slice(0, -1)), REST),
  rule('(?:tapdisk|tap2?|aio|ioemu|file|phy):', (s) => void (s.hadDeprecatedPrefix = true), REST),
  rule('[a-z][a-z0-9]*:', (s, t) => s.fail(t, 'unknown deprecated disk prefix'), `(?:[^a-z0-9]${REST})?`),
  rule('[^=,]*,|[^=,]+,?', (s, t) => s.positional(strip(t))),
];

/** The longest disk specification read: twice Linux's PATH_MAX, room for a target and every key. */
export const MAX_DISK_SPEC_CHARS = 8192;

/** Anything else: flex's `.`, whose `<LEXERR>.*` continuation reports the rest of the line as one error. */
const LEXERR = /[^\n]*/y;

class Scan {
  readonly d: Draft = { readwrite: true, directIoSafe: false };
  hadDeprecatedPrefix = false;
  private accessSet = false;
  /** The component being scanned (xlu_disk_parse's dpc->spec): messages quote it. */
  spec = '';

  constructor(private readonly at: ConfigLocation) {}

  /** xlu__disk_err: the message libxlu prints, located at the setting. */
  fail(near: string | undefined, message: string): never {
    const nearText = near === undefined ? '' : ` near ${quote(near)}`;
    throw new ConfigError(this.at, `${message}${nearText} in disk specification ${quote(this.spec)}`);
  }

  /** savestring: a value may be given once; replacing an empty one is allowed. */
  save(field: 'target' | 'vdev' | 'script' | 'backendDomain' | 'coloHost' | 'coloExport' | 'activeDisk' | 'hiddenDisk', name: string, value: string): void {
    const old = this.d[field];
    if (old !== undefined && old !== '') this.fail(value, `${name} respecified`);
    this.d[field] = value;
  }

  /** DSET: an enum may be set again only to the same value. */
  setEnum<K extends 'format' | 'backendType' | 'specification'>(field: K, name: string, allowed: readonly string[], value: string, param = name): void {
    if (!allowed.includes(value)) this.fail(value, `unknown value for ${param}`);
    const old = this.d[field];
    if (old !== undefined && old !== value) this.fail(value, `${name} respecified`);
    this.d[field] = value as Draft[K];
  }

  /** setformat: the empty string means raw. */
  setFormat(value: string): void {
    this.setEnum('format', 'format', FORMATS, value === '' ? 'raw' : value);
  }

  setAccess(value: string): void {
    if (value === 'r' || value === 'ro') this.d.readwrite = false;
    else if (value === 'rw' || value === 'w' || value === '') this.d.readwrite = true;
    else this.fail(value, 'unknown value for access');
  }

  /** setcoloport uses atoi: leading digits, anything after ignored, zero refused. */
  setColoPort(value: string): void {
    const port = Number(/^[ \t\n\v\f\r]*[+-]?[0-9]*/.exec(value)![0].trim() || '0');
    if (!Number.isInteger(port) || port === 0) this.fail(value, 'unknown value for colo_port');
    this.d.coloPort = port;
  }

  deprecatedFormat(format: string): void {
    this.hadDeprecatedPrefix = true;
    this.setFormat(format);
  }

  deprecatedScript(kind: string): void {
    this.hadDeprecatedPrefix = true;
    this.save('script', 'script', `block-${kind}`);
  }

  /** `<vdev>:<devtype>`, the xend form; returns false (doing nothing) when there is no colon. */
  private vdevAndDevtype(text: string): boolean {
    const colon = text.lastIndexOf(':');
    if (colon < 0) return false;
    this.save('vdev', 'vdev', text.slice(0, colon));
    const type = text.slice(colon + 1);
    if (type === 'cdrom') this.d.isCdrom = true;
    else if (type === 'disk') this.d.isCdrom = false;
    else this.fail(type, 'unknown deprecated type');
    return true;
  }

  /** Bare words fill target, format, vdev and access in that order. */
  positional(text: string): boolean {
    if (this.d.target === undefined) {
      this.save('target', 'target', text);
    } else if (!this.hadDeprecatedPrefix && this.d.format === undefined) {
      if (this.d.target === '' && this.vdevAndDevtype(text)) this.d.format = 'empty';
      else this.setFormat(text);
    } else if (this.d.vdev === undefined) {
      if (!this.vdevAndDevtype(text)) this.save('vdev', 'vdev', text);
    } else if (!this.accessSet) {
      this.accessSet = true;
      this.setAccess(text);
    } else {
      this.fail(text, 'too many positional parameters');
    }
    return true;
  }
}

/** Run the rules over `spec` the way flex does. */
function scan(s: Scan, spec: string): void {
  for (let pos = 0; pos < spec.length; ) {
    let best: { rule: Rule; text: string; total: number } | undefined;
    for (const r of RULES) {
      r.re.lastIndex = pos;
      const m = r.re.exec(spec);
      if (m !== null && (best === undefined || m[0].length > best.total)) best = { rule: r, text: m[1]!, total: m[0].length };
    }
    if (best === undefined) {
      LEXERR.lastIndex = pos;
      s.fail(LEXERR.exec(spec)![0], 'bad disk syntax');
    }
    best.rule.action(s, best.text);
    pos += best.text.length;
  }
}

/**
 * Parse one disk specification: a string, as an xl.cfg `disk` entry holds it, or the components `xl block-attach`
 * takes after the domain, scanned one after the other into the same disk as xlu_disk_parse does (so `target=` takes
 * the rest of its own component only). `at` locates the setting for messages. Checks what xlu_disk_parse checks (a
 * vdev, and a target unless the drive is a removable cdrom) and that libxl can number the vdev.
 */
export function parseDiskSpec(spec: string | readonly string[], at: ConfigLocation): DiskSpec {
  const s: Scan = new Scan(at);
  const components = typeof spec === 'string' ? [spec] : spec;
  const length = components.reduce((n, c) => n + c.length, 0);
  // The scanner, like flex's, looks to the end of the line for trailing context at each token:
  // time quadratic in the length. No real spec comes near the bound (a path is at most PATH_MAX).
  if (length > MAX_DISK_SPEC_CHARS) throw new ConfigError(at, `disk specification of ${length} characters (at most ${MAX_DISK_SPEC_CHARS})`);
  for (const component of components) {
    s.spec = component;
    scan(s, component);
  }
  const d = s.d;
  const format = d.format ?? 'raw';
  const isCdrom = d.isCdrom ?? false;
  if (d.vdev === undefined) s.fail(undefined, 'no vdev specified');
  // xlu_disk_parse lets an empty target through (`,,xvda`); libxl then fails to open it, so we refuse it here.
  if ((d.target === undefined || d.target === '') && !isCdrom) s.fail(undefined, 'no target specified (and device not removable)');
  const devid = vdevToDevid(d.vdev);
  if (devid === undefined) s.fail(d.vdev, 'invalid or unsupported virtual disk identifier');
  const { target, ...rest } = d;
  const empty = target === undefined || target === '';
  return {
    ...rest,
    ...(empty ? {} : { target }),
    format: isCdrom && empty ? 'empty' : format,
    vdev: d.vdev,
    devid,
    // A cdrom is always read-only and removable (xlu_disk_parse).
    readwrite: isCdrom ? false : d.readwrite,
    isCdrom,
    removable: isCdrom,
  };
}

const flag = (on: boolean | undefined, yes: string, no: string): string[] => (on === undefined ? [] : [on ? yes : no]);
const keyed = (key: string, value: string | number | undefined): string[] => (value === undefined ? [] : [`${key}=${value}`]);

/**
 * The disk as one specification in keyword form (xl-disk-configuration(5)), which parseDiskSpec() reads back to the
 * same DiskSpec: how a client passes on a disk whose target it rewrote (a relative image path made absolute).
 * `target=` comes last because it takes the rest of the spec; the comma after it is the one that parsing strips, so
 * a target that ends in a comma survives. A target with a line break cannot be written this way (libxlu's scanner
 * stops at one) and is refused.
 */
export function formatDiskSpec(d: DiskSpec): string {
  if (d.target?.includes('\n')) throw new XenonError('CONFIG', `Cannot write disk "${d.vdev}" as a specification: its target ${quote(d.target)} has a line break`);
  return [
    `format=${d.format}`, `vdev=${d.vdev}`, `access=${d.readwrite ? 'rw' : 'ro'}`, ...(d.isCdrom ? ['devtype=cdrom'] : []),
    ...keyed('backendtype', d.backendType), ...keyed('backend', d.backendDomain), ...keyed('specification', d.specification),
    ...keyed('script', d.script), ...(d.directIoSafe ? ['direct-io-safe'] : []), ...flag(d.discard, 'discard', 'no-discard'),
    ...flag(d.colo, 'colo', 'no-colo'), ...keyed('colo-host', d.coloHost), ...keyed('colo-port', d.coloPort), ...keyed('colo-export', d.coloExport),
    ...keyed('active-disk', d.activeDisk), ...keyed('hidden-disk', d.hiddenDisk), ...flag(d.trusted, 'trusted', 'untrusted'),
    ...flag(d.grantUsage, 'grant_usage=1', 'grant_usage=0'), ...(d.target === undefined ? [] : [`target=${d.target},`]),
  ].join(',');
}
