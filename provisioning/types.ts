// Row shapes of the provisioning store (migration 002) and the small shared vocabularies.
// Rows are what repo/*.ts read and write; views (service.ts) are what the control API returns.

export const MAC_FORMATS = [
  'lower', 'upper', 'lower-colon', 'upper-colon', 'lower-hyphen', 'upper-hyphen', 'lower-dot', 'upper-dot', 'none',
] as const;
/** How the MAC appears in a file name; 'none' marks a common file (no MAC, no device). */
export type MacFormat = (typeof MAC_FORMATS)[number];

export const TEMPLATE_FORMATS = ['xml', 'text'] as const;
/** How substituted values are escaped: 'xml' entities, or 'text' (CR/LF and controls stripped). */
export type TemplateFormat = (typeof TEMPLATE_FORMATS)[number];

export const TRANSPORTS = ['udp', 'tcp', 'tls'] as const;
export type SipTransport = (typeof TRANSPORTS)[number];

export interface BuiltinColumns {
  builtin_key: string | null;
  customized: number;
  updated_at: string;
}

export interface BrandRow extends BuiltinColumns { id: number; name: string }

export interface ModelRow extends BuiltinColumns {
  id: number;
  brand_id: number;
  name: string;
  description: string;
  default_template_id: number | null;
}

/** A model joined with its brand name, as most readers want it. */
export interface ModelInfo extends ModelRow { brand: string; brand_updated_at: string }

export interface TemplateRow extends BuiltinColumns {
  id: number;
  model_id: number;
  name: string;
  format: TemplateFormat;
  body: string;
}

export interface RuleRow extends BuiltinColumns {
  id: number;
  model_id: number;
  name: string;
  prefix: string;
  mac_format: MacFormat;
  suffix: string;
  template_id: number | null;
  content_type: string | null;
}

export interface AccountRow {
  id: number;
  tenant_uuid: string | null;
  username: string;
  password: string;
  auth_user: string;
  display_name: string;
  extension: string;
  first_name: string;
  last_name: string;
  voicemail: string;
  transport: SipTransport;
  created_at: string;
  updated_at: string;
}

export interface DeviceRow {
  id: number;
  tenant_uuid: string | null;
  mac: string;
  enabled: number;
  model_id: number;
  template_id: number | null;
  account_id: number | null;
  notes: string;
  dhcp: number;
  ip: string;
  netmask: string;
  gateway: string;
  dns1: string;
  dns2: string;
  phone_username: string;
  phone_password: string;
  remote_address: string;
  remote_port: number | null;
  created_at: string;
  updated_at: string;
}

export interface PlaceholderRow {
  id: number;
  name: string;
  kind: 'static' | 'dynamic';
  value: string;
  secret: number;
  description: string;
  device_id: number | null;
  updated_at: string;
}

export interface TenantRow { uuid: string; name: string; created_at: string }

/** The injected view of the node the engine needs (agent/system/facts.ts satisfies it). */
export interface ProvisioningFacts {
  /** First IPv4 address of an interface or VLAN interface (eth0, eth0.100), if it has one. */
  ipv4Of(iface: string): string | undefined;
  /** First non-loopback IPv4 of the node: the PBX address when pbx.address is empty. */
  primaryIpv4?(): string | undefined;
}
