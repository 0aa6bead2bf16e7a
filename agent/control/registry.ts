// The control API's method table. Each area (provisioning, audit, status, later pnp/dhcp/ha)
// contributes methods; the socket server only routes and frames. Params arrive as untrusted
// JSON: every method validates its own params and throws InvalidArgumentError naming the field.
import type { Actor } from '../audit.ts';

export interface MethodContext {
  actor: Actor;
}

export type Method = (params: Record<string, unknown>, ctx: MethodContext) => unknown | Promise<unknown>;

export type MethodTable = Record<string, Method>;

/** Reads a required string param, or throws naming it. */
export { requireString, optionalString, optionalBool, optionalInt } from './params.ts';
