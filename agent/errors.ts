// One table of typed, coded errors (STYLE rule 11). Edges (config loader, control socket,
// servers) catch these, log once with context, and map `code` to an exit status or reply.

export type ErrorCode =
  | 'PBX_ERR_CONFIG'
  | 'PBX_ERR_INVALID_ARGUMENT'
  | 'PBX_ERR_NOT_FOUND'
  | 'PBX_ERR_CONFLICT'
  | 'PBX_ERR_TEMPLATE'
  | 'PBX_ERR_STORE'
  | 'PBX_ERR_UNAVAILABLE'
  | 'PBX_ERR_PERMISSION'
  | 'PBX_ERR_PROTOCOL'
  | 'PBX_ERR_INTERNAL';

export class PbxError extends Error {
  readonly code: ErrorCode;
  /** Structured detail safe to show an admin (never secrets). */
  readonly detail: Record<string, unknown> | undefined;
  constructor(code: ErrorCode, message: string, detail?: Record<string, unknown>) {
    super(message);
    this.name = 'PbxError';
    this.code = code;
    this.detail = detail;
  }
}

/** A config file or override is wrong: names the key, the value seen and what is allowed. */
export class ConfigError extends PbxError {
  readonly key: string;
  constructor(key: string, message: string) {
    super('PBX_ERR_CONFIG', `config: ${key}: ${message}`, { key });
    this.name = 'ConfigError';
    this.key = key;
  }
}

/** Bad input from an admin or API caller: names the field and what is allowed. */
export class InvalidArgumentError extends PbxError {
  constructor(field: string, message: string) {
    super('PBX_ERR_INVALID_ARGUMENT', `${field}: ${message}`, { field });
    this.name = 'InvalidArgumentError';
  }
}

export class NotFoundError extends PbxError {
  constructor(kind: string, id: string) {
    super('PBX_ERR_NOT_FOUND', `${kind} '${id}' not found`, { kind, id });
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends PbxError {
  constructor(message: string, detail?: Record<string, unknown>) {
    super('PBX_ERR_CONFLICT', message, detail);
    this.name = 'ConflictError';
  }
}

/** A template does not compile or uses a placeholder nobody defines. */
export class TemplateError extends PbxError {
  constructor(message: string, detail?: Record<string, unknown>) {
    super('PBX_ERR_TEMPLATE', message, detail);
    this.name = 'TemplateError';
  }
}

export class UnavailableError extends PbxError {
  constructor(message: string, detail?: Record<string, unknown>) {
    super('PBX_ERR_UNAVAILABLE', message, detail);
    this.name = 'UnavailableError';
  }
}

/** pbxctl exit statuses, one per error family, so scripts can branch on them. */
export const EXIT_CODES: Record<ErrorCode, number> = {
  PBX_ERR_INTERNAL: 1,
  PBX_ERR_INVALID_ARGUMENT: 2,
  PBX_ERR_CONFIG: 3,
  PBX_ERR_NOT_FOUND: 4,
  PBX_ERR_CONFLICT: 5,
  PBX_ERR_TEMPLATE: 6,
  PBX_ERR_UNAVAILABLE: 7,
  PBX_ERR_PERMISSION: 8,
  PBX_ERR_PROTOCOL: 9,
  PBX_ERR_STORE: 10,
};

export function isPbxError(e: unknown): e is PbxError {
  return e instanceof PbxError;
}
