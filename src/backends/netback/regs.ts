/**
 * The netif protocol's wire layouts and constants (xen/include/public/io/netif.h), arm64 layout.
 * TX and RX flag bits are in different orders: each ring has its own table.
 */

/** TX ring entries are a union of the 12-byte request and the 4-byte response: 256 per page. */
export const TX_ENTRY_BYTES = 12;
/** RX ring entries are a union of the 8-byte request and the 8-byte response: 256 per page. */
export const RX_ENTRY_BYTES = 8;
export const PAGE_BYTES = 4096;

/** netif_tx_request: gref u32, offset u16, flags u16, id u16, size u16. */
export const TXREQ = { GREF: 0, OFFSET: 4, FLAGS: 6, ID: 8, SIZE: 10 } as const;
/** netif_tx_response: id u16, status s16. */
export const TXRSP = { ID: 0, STATUS: 2 } as const;
/** netif_rx_request: id u16, pad u16, gref u32. */
export const RXREQ = { ID: 0, GREF: 4 } as const;
/** netif_rx_response: id u16, offset u16, flags u16, status s16 (bytes, or an error when negative). */
export const RXRSP = { ID: 0, OFFSET: 2, FLAGS: 4, STATUS: 6 } as const;
/** netif_extra_info: type u8, flags u8, then for GSO: size u16, type u8, pad u8, features u16. */
export const EXTRA = { TYPE: 0, FLAGS: 1, GSO_SIZE: 2, GSO_TYPE: 4, GSO_FEATURES: 6 } as const;
export const EXTRA_BYTES = 8;

export const NETTXF = { CSUM_BLANK: 1 << 0, DATA_VALIDATED: 1 << 1, MORE_DATA: 1 << 2, EXTRA_INFO: 1 << 3 } as const;
export const NETRXF = { DATA_VALIDATED: 1 << 0, CSUM_BLANK: 1 << 1, MORE_DATA: 1 << 2, EXTRA_INFO: 1 << 3, GSO_PREFIX: 1 << 4 } as const;

export const EXTRA_TYPE = { NONE: 0, GSO: 1, MCAST_ADD: 2, MCAST_DEL: 3, HASH: 4, XDP: 5 } as const;
/** Extra types Linux's netfront may send (XEN_NETIF_EXTRA_TYPE_MAX is 6). */
export const EXTRA_TYPE_MAX = 6;
export const EXTRA_FLAG_MORE = 1 << 0;
export const GSO_TYPE = { NONE: 0, TCPV4: 1, TCPV6: 2 } as const;

export const NETIF_RSP = { DROPPED: -2, ERROR: -1, OKAY: 0, NULL: 1 } as const;

/** XEN_NETIF_MAX_TX_SIZE: the largest packet a TX request may announce. */
export const MAX_TX_PACKET_BYTES = 0xffff;
/** XEN_NETBK_LEGACY_SLOTS_MAX: data slots one packet may use (Linux netback's max_skb_slots). */
export const MAX_TX_SLOTS = 18;
/** Linux netback's fatal_skb_slots: more than this many slots in one packet is a broken frontend. */
export const FATAL_TX_SLOTS = 20;
