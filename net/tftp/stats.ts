// Counters for `pbxctl status`. Plain numbers, bumped on the packet path, copied on read.

export const ERROR_KINDS = [
  'bad-request',       // an RRQ/WRQ that did not decode (bad mode, long name, duplicate option...)
  'bad-name',          // refused by checkRequestName before the FileSource saw it
  'not-found',         // the FileSource said no (any NotServedReason)
  'write-refused',     // WRQ: this server is read-only
  'busy',              // tftp.maxSessions or tftp.maxSessionsPerClient reached
  'unknown-tid',       // a datagram on a transfer socket from someone else
  'unexpected-packet', // DATA/ACK/ERROR/OACK on the request port
  'timed-out',
  'client-error',      // the client sent ERROR (gave up, or refused our OACK)
  'illegal-op',        // the client sent a non-ACK on its transfer
  'aborted',           // we ended it: server stop, read error, socket error
  'read-error',        // an asset could not be opened or read
  'source-error',      // the FileSource threw
  'socket-error',
  'internal',          // a handler threw: a bug, logged with its stack
] as const;
export type TftpErrorKind = (typeof ERROR_KINDS)[number];

export interface TftpStats {
  /** Which engine sends the blocks (tftp.engine as resolved at start). */
  engine?: 'native' | 'js';
  /** Transfers in progress, counting requests still waiting for the FileSource. */
  sessionsActive: number;
  /** Transfers started (a transfer socket was opened). */
  sessionsTotal: number;
  completed: number;
  /** DATA payload bytes sent, retransmissions included. */
  bytesSent: number;
  packetsSent: number;
  /** OACKs and windows sent again because the client was silent. */
  retransmits: number;
  /** Datagrams that did not decode. */
  malformed: number;
  /** RRQs repeated by a client whose transfer had not heard from it yet: ignored. */
  duplicateRequests: number;
  errors: Record<TftpErrorKind, number>;
}

export function newStats(): TftpStats {
  const errors = {} as Record<TftpErrorKind, number>;
  for (const k of ERROR_KINDS) errors[k] = 0;
  return {
    sessionsActive: 0, sessionsTotal: 0, completed: 0, bytesSent: 0, packetsSent: 0,
    retransmits: 0, malformed: 0, duplicateRequests: 0, errors,
  };
}

export function copyStats(s: TftpStats): TftpStats {
  return { ...s, errors: { ...s.errors } };
}
