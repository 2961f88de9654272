/** The PV console ring page, `struct xencons_interface` (public/io/console.h). */
export const XENCONS = {
  IN: 0,
  IN_SIZE: 1024,
  OUT: 1024,
  OUT_SIZE: 2048,
  IN_CONS: 3072,
  IN_PROD: 3076,
  OUT_CONS: 3080,
  OUT_PROD: 3084,
} as const;
export const XENCONS_PAGE_BYTES = 4096;
