// Every built-in model, in the order they are seeded and listed.
import { FANVIL_X } from './fanvil.ts';
import { GENERIC } from './generic.ts';
import { GIGASET_MAXWELL } from './gigaset.ts';
import { GRANDSTREAM_GXP_GRP } from './grandstream.ts';
import { POLYCOM_VVX } from './polycom.ts';
import { SNOM_D7XX } from './snom.ts';
import type { BuiltinModel } from './types.ts';
import { YEALINK_T4X_T5X } from './yealink.ts';

export const BUILTIN_MODELS: readonly BuiltinModel[] = [
  YEALINK_T4X_T5X, SNOM_D7XX, FANVIL_X, GRANDSTREAM_GXP_GRP, GIGASET_MAXWELL, POLYCOM_VVX, GENERIC,
];

export type { BuiltinModel, BuiltinRule, BuiltinTemplate } from './types.ts';
