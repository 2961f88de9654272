/** The Xen release Xenon presents itself as, to guests (xen_version, the device tree) and to tools (`xl info`). */
export const XEN_MAJOR = 4;
export const XEN_MINOR = 17;
