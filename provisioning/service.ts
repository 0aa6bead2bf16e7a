// The provisioning service: every create/read/update/delete the control API offers, with field
// validation (errors name the field), secrets masked on read unless asked, and one audited
// transaction per change. Split by entity under service/; this file composes them.
import { createAccountService, type AccountService } from './service/accounts.ts';
import { createCatalogService, type CatalogService } from './service/catalog.ts';
import type { ServiceContext } from './service/common.ts';
import { createDeviceService, type DeviceService } from './service/devices.ts';
import { createPlaceholderService, type PlaceholderService } from './service/placeholders.ts';

export type ProvisioningService = CatalogService & AccountService & DeviceService & PlaceholderService;

export function createService(ctx: ServiceContext): ProvisioningService {
  return {
    ...createCatalogService(ctx),
    ...createAccountService(ctx),
    ...createDeviceService(ctx),
    ...createPlaceholderService(ctx),
  };
}

export type { ServiceContext, LastSeen, Ref } from './service/common.ts';
export type { AccountInput, AccountView, TenantView } from './service/accounts.ts';
export type { BrandView, ModelInput, ModelView, RuleInput, RuleView, TemplateInput, TemplateView } from './service/catalog.ts';
export type { DeviceInput, DevicePatch, DeviceStatus, DeviceView } from './service/devices.ts';
export type { PlaceholderInput, PlaceholderView } from './service/placeholders.ts';
