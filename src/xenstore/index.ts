/**
 * xenstored for Domain-0: the configuration store guests and backends talk to (Xen's
 * tools/xenstored). Construct a Xenstored, introduce each domain with an XsRingTransport over its
 * store ring page, and use XsClient from toolstack and backend code in the same process.
 */
export { Xenstored, type XenstoredOptions } from './xenstored.js';
export { XsClient, type XsRequestOptions, type XsWatchCallback } from './client.js';
export { XsConnection, type XsTransport } from './connection.js';
export { XsRingTransport, type XsRingOptions } from './ring.js';
export { XsError, XsImageError, XsWireError } from './errors.js';
export { DEFAULT_XS_QUOTAS, type XsQuotas } from './quota.js';
export { XsWireParser, type XsErrno, type XsMessage } from './wire.js';
export { xenstoredStreamService, type XsStreamPeer, type XsStreamService, type XsStreamSession } from './stream.js';
