// TFTP registries (RFC 1350, RFC 2347): one table each, with reverse lookup and an explicit
// unknown case so a stray opcode or error code can still be logged by name.

export const OPCODE = { RRQ: 1, WRQ: 2, DATA: 3, ACK: 4, ERROR: 5, OACK: 6 } as const;
export type OpName = keyof typeof OPCODE;

const OP_NAMES: readonly (OpName | undefined)[] = [undefined, 'RRQ', 'WRQ', 'DATA', 'ACK', 'ERROR', 'OACK'];

export function opcodeName(n: number): OpName | `UNKNOWN_${number}` {
  return OP_NAMES[n] ?? `UNKNOWN_${n}`;
}

export const ERROR_CODE = {
  NOT_DEFINED: 0,
  FILE_NOT_FOUND: 1,
  ACCESS_VIOLATION: 2,
  DISK_FULL: 3,
  ILLEGAL_OPERATION: 4,
  UNKNOWN_TID: 5,
  FILE_EXISTS: 6,
  NO_SUCH_USER: 7,
  /** RFC 2347: the client refuses the OACK. */
  OPTION_REFUSED: 8,
} as const;
export type ErrorCodeName = keyof typeof ERROR_CODE;

const ERROR_NAMES = Object.keys(ERROR_CODE) as ErrorCodeName[];

export function errorCodeName(n: number): ErrorCodeName | `UNKNOWN_${number}` {
  return ERROR_NAMES[n] ?? `UNKNOWN_${n}`;
}
