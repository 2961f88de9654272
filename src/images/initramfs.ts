/**
 * The busybox initramfs the guest boots into: /bin/busybox, /dev/console (char 5:1, which the
 * kernel opens for init's stdin/stdout before running it), the directories `busybox --install -s`
 * fills, and an /init script. Uncompressed, because gunzip in the guest costs instructions
 * (arm64-platform.md section 6: inflate_fast is 3 % of a boot).
 */
import { CpioWriter } from '../lib/cpio/index.js';

/** The default /init: mount the pseudo filesystems, install applet links, say hello, run a shell. */
export const DEFAULT_INIT = `#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
/bin/busybox --install -s
# With this script as PID 1, the kernel's orderly poweroff and reboot (a Xen toolstack's
# shutdown request, ACPI-less boards) run /sbin/poweroff and /sbin/reboot: make them act at once.
rm -f /sbin/poweroff /sbin/reboot
printf '#!/bin/sh\\nexec /bin/busybox poweroff -f\\n' > /sbin/poweroff
printf '#!/bin/sh\\nexec /bin/busybox reboot -f\\n' > /sbin/reboot
chmod +x /sbin/poweroff /sbin/reboot
echo "Xenon: busybox initramfs is up ($(uname -sr))"
# A shell with the console as its controlling terminal (job control, Ctrl-C), respawned on exit
# as a getty would be; PID 1 stays this script.
while true; do setsid cttyhack /bin/sh; done
`;

const DIRS = ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'dev', 'proc', 'sys', 'tmp', 'etc', 'root', 'run'];

/** A file to place in the initramfs besides busybox and /init. */
export interface ExtraFile {
  readonly path: string;
  readonly data: Uint8Array;
  readonly mode?: number;
}

/** Options for `buildInitramfs`. */
export interface InitramfsOptions {
  /** The static arm64 busybox binary. */
  readonly busybox: Uint8Array;
  /** Contents of /init; default `DEFAULT_INIT`. */
  readonly initScript?: string;
  /**
   * Kernel modules to include at their package paths ("lib/modules/<ver>/kernel/..."), in load
   * order; the order is also written to /lib/modules/xenon.order (one absolute path per line), so
   * an /init can run `for m in $(cat /lib/modules/xenon.order); do insmod $m; done`.
   */
  readonly modules?: readonly { readonly path: string; readonly data: Uint8Array }[];
  /**
   * Further files at their archive paths ("bin/threads"; a leading "/" is dropped), added last;
   * missing parent directories are created (0755). Mode defaults to 0o755 (test programs). A path
   * that is already in the archive (e.g. "init") is an error (RangeError from the cpio writer).
   */
  readonly extraFiles?: readonly ExtraFile[];
  /** Timestamp of every entry, for reproducible archives; default 0. */
  readonly mtime?: number;
}

/** Build the newc cpio archive. Equal inputs give identical bytes. */
export function buildInitramfs(opts: InitramfsOptions): Uint8Array {
  const mtime = opts.mtime ?? 0;
  const w = new CpioWriter();
  for (const d of DIRS) w.addDirectory(d, { mode: d === 'tmp' ? 0o1777 : d === 'root' ? 0o700 : 0o755, mtime });
  w.addDevice('dev/console', { kind: 'char', major: 5, minor: 1 }, { mode: 0o600, mtime });
  w.addFile('bin/busybox', opts.busybox, { mode: 0o755, mtime });
  w.addFile('init', new TextEncoder().encode(opts.initScript ?? DEFAULT_INIT), { mode: 0o755, mtime });
  const modules = opts.modules ?? [];
  for (const m of modules) w.addFile(m.path, m.data, { mode: 0o644, mtime });
  if (modules.length > 0) {
    const order = modules.map((m) => `/${m.path}\n`).join('');
    w.addFile('lib/modules/xenon.order', new TextEncoder().encode(order), { mode: 0o644, mtime });
  }
  for (const f of opts.extraFiles ?? []) w.addFile(f.path, f.data, { mode: f.mode ?? 0o755, mtime });
  return w.finish();
}
