// Coordinator-only configuration edits. On the member of a paired cluster, control methods that
// change replicated configuration are refused with a message naming the coordinator, because the
// next push from the coordinator would silently undo them. On the coordinator they succeed and
// kick replication. Applied as a wrapper over the method table (agent/parts.ts), so no area has
// to remember it.
//
// Which methods: those of the configuration areas (CONFIG_AREAS) whose verb is not read-only.
// Unknown verbs count as writes, so a new mutating method is guarded by default.
import { ConflictError } from '../../agent/errors.ts';
import type { MethodTable } from '../../agent/control/registry.ts';

export const CONFIG_AREAS = [
  'device', 'account', 'template', 'model', 'brand', 'rule', 'placeholder', 'tenant', 'setting', 'settings', 'phonebook', 'fetch', 'rps',
] as const;
export const READ_ONLY_VERBS = ['list', 'show', 'get', 'check', 'preview', 'catalogue', 'export', 'status', 'unresolved', 'find', 'search', 'log', 'providers'] as const;
/** Actions in config areas that change no replicated row (they act on phones or node-local state). */
export const NOT_CONFIG_WRITES = ['device.resync', 'rps.retry'] as const;
/** Writes of replicated tables from other areas (adopting a phone creates a device). */
export const EXTRA_CONFIG_WRITES = ['pnp.adopt'] as const;

export function isConfigWrite(method: string): boolean {
  if ((NOT_CONFIG_WRITES as readonly string[]).includes(method)) return false;
  if ((EXTRA_CONFIG_WRITES as readonly string[]).includes(method)) return true;
  const dot = method.indexOf('.');
  if (dot < 0) return false;
  const area = method.slice(0, dot);
  const verb = method.slice(method.lastIndexOf('.') + 1);
  return (CONFIG_AREAS as readonly string[]).includes(area) && !(READ_ONLY_VERBS as readonly string[]).includes(verb);
}

export interface Coordinator { name: string; serial: string | null; address: string }

export interface GuardOptions {
  /** The coordinator when this node is a paired member (edits refused); undefined otherwise. */
  coordinator: () => Coordinator | undefined;
  /** Called after a write succeeded (replication pushes it). */
  changed?: () => void;
}

export class NotCoordinatorError extends ConflictError {
  constructor(method: string, c: Coordinator) {
    const who = `${c.name || 'the other node'}${c.serial ? ` (serial ${c.serial}` : ' ('}${c.address ? `${c.serial ? ', ' : ''}${c.address})` : ')'}`;
    super(`${method} refused: this node is the HA member and receives its configuration from the coordinator ${who}; make the change there (pbxctl on the coordinator), or unpair this node first (pbxctl ha unpair)`,
      { coordinator: { name: c.name, serial: c.serial, address: c.address } });
    this.name = 'NotCoordinatorError';
  }
}

export function guardConfigMethods(methods: MethodTable, o: GuardOptions): MethodTable {
  const out: MethodTable = {};
  for (const [name, m] of Object.entries(methods)) {
    if (!isConfigWrite(name)) { out[name] = m; continue; }
    out[name] = async (params, ctx) => {
      const c = o.coordinator();
      if (c) throw new NotCoordinatorError(name, c);
      const r = await m(params, ctx);
      o.changed?.();
      return r;
    };
  }
  return out;
}
