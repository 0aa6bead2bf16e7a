// The HA core's public API (see types.ts for the contract): pure, deterministic, no I/O.
export { initialState, step, nextDeadline } from './step.ts';
export { coreConfig, timersHash } from './config.ts';
export { tieBreak, eligibleFrom, type Candidate, type TieResult, type TieRule } from './tiebreak.ts';
export { outgoing, peerPresent } from './ctx.ts';
export * from './types.ts';
