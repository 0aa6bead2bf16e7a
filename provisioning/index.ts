// The provisioning engine's public surface, for the daemon's composition root:
//   const prov = createProvisioning({ db, config: { pbx, provisioning }, assetsDir, facts, log });
//   servers get prov.source (FileSource); the control socket gets provisioningMethods(prov).
export { createProvisioning, type DevicePreview, type PreviewFile, type PreviewOptions, type Provisioning, type ProvisioningOptions } from './resolver.ts';
export { provisioningMethods } from './control-methods.ts';
export { BUILTIN_PLACEHOLDERS, type CatalogueEntry } from './placeholders.ts';
export { BUILTIN_MODELS } from './builtin/index.ts';
export type { ProvisioningService } from './service.ts';
export type { UnresolvedRequest } from './unresolved.ts';
export type { MacFormat, ProvisioningFacts } from './types.ts';
export { MAC_FORMATS } from './types.ts';
