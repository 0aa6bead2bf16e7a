// The contract between the file servers (TFTP, HTTP) and provisioning. Servers own sockets and
// transport rules; what a phone receives, and why it receives nothing, is decided here.

export type Transport = 'tftp' | 'http' | 'https';

export interface FileRequest {
  /**
   * The path as the client asked for it, relative to the server's root: for TFTP the RRQ file
   * name; for HTTP the part after the provisioning prefix (`/provisioning/`), URL-decoded.
   * Multi-tenant requests carry `<tenant_uuid>/<file>`.
   */
  path: string;
  transport: Transport;
  client: { ip: string; port: number; userAgent?: string };
}

/** Why a request was not served: shown to the admin and logged once by the server. */
export type NotServedReason =
  | 'bad-name'          // refused before lookup: traversal, absolute, backslash, NUL, too long, bad chars
  | 'unknown-tenant'
  | 'unknown-file'      // no rule and no asset matches the name
  | 'unknown-mac'       // a rule matches but no device has that MAC
  | 'disabled-device'
  | 'no-account'
  | 'no-template'
  | 'render-error'
  | 'auth-required';    // a file carrying secrets asked on a path without authentication (net/http/auth-gate.ts)

export type FileBody =
  | { kind: 'buffer'; data: Buffer }
  /** A static asset on disk, opened by the server (size known up front for tsize/Content-Length). */
  | { kind: 'file'; path: string; size: number };

export interface ServedFile {
  ok: true;
  body: FileBody;
  contentType: string;
  /** Newest change among everything the file was built from (device, template, placeholders...). */
  lastModified: Date;
  /** Strong validator: a hash of the bytes for rendered files, size+mtime for assets. */
  etag: string;
  /** For logs and the admin: which device/rule produced it, or 'asset'. */
  origin: { kind: 'device'; mac: string; rule: string; tenant?: string } | { kind: 'common'; rule: string; tenant?: string } | { kind: 'asset' };
  /** Placeholders that had no value and were rendered empty (logged as a warning). */
  warnings: string[];
  /** The file carries secrets (SIP or phone passwords, secret custom placeholders): never served unauthenticated when fetch auth applies. */
  sensitive?: boolean;
}

export interface NotServed {
  ok: false;
  reason: NotServedReason;
  /** One line an admin can act on, e.g. "device 001565aabbcc is disabled". No secrets. */
  detail: string;
}

export type FileResult = ServedFile | NotServed;

export interface FileSource {
  get(req: FileRequest): Promise<FileResult>;
}
