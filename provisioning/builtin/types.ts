// Shape of a built-in vendor definition. Keys are stable across releases: the seed finds the
// rows it shipped by key, refreshes those an admin has not customized, and never touches others.
import type { MacFormat, TemplateFormat } from '../types.ts';

export interface BuiltinTemplate { key: string; name: string; format: TemplateFormat; body: string }

export interface BuiltinRule {
  key: string;
  name: string;
  prefix: string;
  macFormat: MacFormat;
  suffix: string;
  /** Key of a template of the same model; absent: the device's template (device rules only). */
  template?: string;
  contentType?: string;
}

export interface BuiltinModel {
  key: string;
  brand: string;
  name: string;
  description: string;
  /** Key of the template devices of this model use unless they name another. */
  defaultTemplate: string;
  templates: BuiltinTemplate[];
  rules: BuiltinRule[];
}

/** Joins template lines; every built-in template ends with a newline. */
export const lines = (...l: string[]): string => l.join('\n') + '\n';
