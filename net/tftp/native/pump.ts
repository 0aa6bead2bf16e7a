// Loads the TFTP data pump (pump.c, built by build.sh into build/pump.node) and types it.
// Loading never throws: without the module `pump` is null and `loadError` says why, so the
// server can fall back to the JavaScript engine (tftp.engine=auto) or refuse (=native).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Indices into the state array the pump thread keeps current. */
export const STATE = { heard: 0, acked: 1, packets: 2, bytes: 3, retransmits: 4, malformed: 5, port: 6 } as const;

export type PumpEnd = 'complete' | 'timed-out' | 'client-error' | 'illegal-op' | 'aborted' | 'gone' | 'socket-error' | 'read-error';

export interface PumpResult {
  end: PumpEnd;
  /** strerror() text for gone / socket-error. */
  error?: string;
  clientCode?: number;
  clientMessage?: string;
}

export type PumpEvent = (kind: 'other' | 'done', value: Buffer | PumpResult) => void;

declare const handleBrand: unique symbol;
export type PumpHandle = { readonly [handleBrand]: true };

export interface NativePump {
  /**
   * Opens the transfer's connected socket on (local, port; 0 = a free one, then in
   * state[STATE.port]) and starts its thread; throws on socket errors (err.code).
   */
  start(
    local: string, port: number, peerAddress: string, peerPort: number,
    oack: Buffer | null, body: Buffer | null, fileFd: number, size: number,
    blksize: number, windowsize: number, timeoutMs: number, retries: number,
    state: Float64Array, onEvent: PumpEvent,
  ): PumpHandle;
  /** Makes the thread send `packet` (an ERROR) and end with `end`. Only before 'done' arrived. */
  abort(h: PumpHandle, packet: Buffer, end: 'aborted' | 'illegal-op'): void;
  /** The verdict on an 'other' datagram: malformed, the transfer goes on. Only before 'done' arrived. */
  resume(h: PumpHandle): void;
  /** The thread's fast-path classification of a datagram (for the differential fuzz target). */
  classify(b: Buffer): 'ack' | 'error' | 'other';
  readonly stateSize: number;
}

const HERE = dirname(fileURLToPath(import.meta.url));
export const PUMP_PATH = join(HERE, 'build', 'pump.node');

function load(): { pump: NativePump | null; loadError: string | null } {
  if (!existsSync(PUMP_PATH)) return { pump: null, loadError: `${PUMP_PATH} is not built (run: sh net/tftp/native/build.sh)` };
  try {
    const m = createRequire(import.meta.url)(PUMP_PATH) as NativePump;
    if (typeof m.start !== 'function' || typeof m.resume !== 'function' || m.stateSize !== Object.keys(STATE).length) return { pump: null, loadError: `${PUMP_PATH} is stale (rebuild: sh net/tftp/native/build.sh)` };
    return { pump: m, loadError: null };
  } catch (err) {
    return { pump: null, loadError: `${PUMP_PATH} does not load: ${(err as Error).message}` };
  }
}

export const { pump, loadError } = load();
