// The option registry we honour, with the ranges the RFCs allow. Names are lower case because
// RFC 2347 makes option names case-insensitive and the codec folds them on decode.

/** RFC 2348: 8..65464 bytes; 65464 fills one IPv4 UDP datagram (65535 - 20 - 8 - 4 - 39 spare). */
export const BLKSIZE = { name: 'blksize', min: 8, max: 65464, default: 512 } as const;
/** RFC 2349: whole seconds the sender waits before retransmitting. */
export const TIMEOUT = { name: 'timeout', min: 1, max: 255 } as const;
/** RFC 2349: transfer size; the client sends 0 on a read request and learns the size. */
export const TSIZE = { name: 'tsize' } as const;
/** RFC 7440: blocks in flight before an ACK is needed. */
export const WINDOWSIZE = { name: 'windowsize', min: 1, max: 65535, default: 1 } as const;
