// The production wiring: which services and control methods the daemon runs.
import type { PartsFactory } from './daemon.ts';

export const buildParts: PartsFactory = () => ({ services: [], methods: {} });
