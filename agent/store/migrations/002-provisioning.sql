-- Provisioning: brands, models, templates, file-name rules, accounts, devices, custom placeholders.
-- Owned by the provisioning engine (provisioning/). Timestamps are ISO 8601 UTC strings written by
-- the engine's clock; they feed Last-Modified. Rows shipped with pbx-agent carry builtin_key (stable
-- across releases) and are re-seeded at store open; customized = 1 once an admin edits one, and
-- the seed then leaves it alone.

CREATE TABLE brands (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
  builtin_key TEXT UNIQUE,
  customized  INTEGER NOT NULL DEFAULT 0 CHECK (customized IN (0, 1)),
  updated_at  TEXT NOT NULL
) STRICT;

CREATE TABLE models (
  id                  INTEGER PRIMARY KEY,
  brand_id            INTEGER NOT NULL REFERENCES brands(id) ON DELETE RESTRICT,
  name                TEXT NOT NULL COLLATE NOCASE,
  description         TEXT NOT NULL DEFAULT '',
  -- Template used by devices of this model that name none themselves.
  default_template_id INTEGER REFERENCES templates(id) ON DELETE SET NULL,
  builtin_key         TEXT UNIQUE,
  customized          INTEGER NOT NULL DEFAULT 0 CHECK (customized IN (0, 1)),
  updated_at          TEXT NOT NULL,
  UNIQUE (brand_id, name)
) STRICT;

CREATE TABLE templates (
  id          INTEGER PRIMARY KEY,
  model_id    INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
  -- How substituted values are escaped: 'xml' (entities) or 'text' (CR/LF stripped).
  format      TEXT NOT NULL CHECK (format IN ('xml', 'text')),
  body        TEXT NOT NULL,
  builtin_key TEXT UNIQUE,
  customized  INTEGER NOT NULL DEFAULT 0 CHECK (customized IN (0, 1)),
  updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX templates_model ON templates(model_id);

-- File name = prefix + MAC (in mac_format) + suffix. mac_format 'none' is a common file
-- (rendered without a device); it must name its template. A device rule without a template
-- renders the device's template (or the model's default).
CREATE TABLE file_rules (
  id           INTEGER PRIMARY KEY,
  model_id     INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  name         TEXT NOT NULL COLLATE NOCASE,
  prefix       TEXT NOT NULL DEFAULT '',
  mac_format   TEXT NOT NULL CHECK (mac_format IN ('lower', 'upper', 'lower-colon', 'upper-colon',
                 'lower-hyphen', 'upper-hyphen', 'lower-dot', 'upper-dot', 'none')),
  suffix       TEXT NOT NULL DEFAULT '',
  template_id  INTEGER REFERENCES templates(id) ON DELETE RESTRICT,
  content_type TEXT,
  builtin_key  TEXT UNIQUE,
  customized   INTEGER NOT NULL DEFAULT 0 CHECK (customized IN (0, 1)),
  updated_at   TEXT NOT NULL,
  UNIQUE (model_id, name),
  CHECK (mac_format <> 'none' OR template_id IS NOT NULL)
) STRICT;
CREATE INDEX file_rules_model ON file_rules(model_id);
-- A common file name means one thing on the whole node.
CREATE UNIQUE INDEX file_rules_common_name ON file_rules(lower(prefix || suffix)) WHERE mac_format = 'none';
CREATE UNIQUE INDEX file_rules_device_shape ON file_rules(model_id, lower(prefix), mac_format, lower(suffix)) WHERE mac_format <> 'none';

-- SIP accounts the phones register with (the agent runs beside the PBX). tenant_uuid NULL is the
-- single-tenant node.
CREATE TABLE accounts (
  id           INTEGER PRIMARY KEY,
  tenant_uuid  TEXT REFERENCES tenants(uuid) ON DELETE RESTRICT,
  username     TEXT NOT NULL,
  password     TEXT NOT NULL DEFAULT '',
  auth_user    TEXT NOT NULL DEFAULT '',
  display_name TEXT NOT NULL DEFAULT '',
  extension    TEXT NOT NULL DEFAULT '',
  first_name   TEXT NOT NULL DEFAULT '',
  last_name    TEXT NOT NULL DEFAULT '',
  voicemail    TEXT NOT NULL DEFAULT '',
  transport    TEXT NOT NULL DEFAULT 'udp' CHECK (transport IN ('udp', 'tcp', 'tls')),
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX accounts_username ON accounts(ifnull(tenant_uuid, ''), username);

CREATE TABLE devices (
  id             INTEGER PRIMARY KEY,
  tenant_uuid    TEXT REFERENCES tenants(uuid) ON DELETE RESTRICT,
  -- Canonical MAC: 12 lowercase hex digits. One MAC belongs to one tenant, node-wide.
  mac            TEXT NOT NULL UNIQUE CHECK (length(mac) = 12 AND mac NOT GLOB '*[^0-9a-f]*'),
  enabled        INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
  model_id       INTEGER NOT NULL REFERENCES models(id) ON DELETE RESTRICT,
  template_id    INTEGER REFERENCES templates(id) ON DELETE RESTRICT,
  account_id     INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
  notes          TEXT NOT NULL DEFAULT '',
  dhcp           INTEGER NOT NULL DEFAULT 1 CHECK (dhcp IN (0, 1)),
  ip             TEXT NOT NULL DEFAULT '',
  netmask        TEXT NOT NULL DEFAULT '',
  gateway        TEXT NOT NULL DEFAULT '',
  dns1           TEXT NOT NULL DEFAULT '',
  dns2           TEXT NOT NULL DEFAULT '',
  phone_username TEXT NOT NULL DEFAULT '',
  phone_password TEXT NOT NULL DEFAULT '',
  remote_address TEXT NOT NULL DEFAULT '',
  remote_port    INTEGER CHECK (remote_port IS NULL OR remote_port BETWEEN 1 AND 65535),
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL
) STRICT;
CREATE INDEX devices_account ON devices(account_id);
CREATE INDEX devices_model ON devices(model_id);
CREATE INDEX devices_tenant ON devices(tenant_uuid);

-- Custom placeholders %%_NAME%%: global (device_id NULL) or per device (overrides the global).
-- static: value is the text; dynamic: value names a node attribute, e.g. 'iface:eth0.100'.
CREATE TABLE placeholders (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL CHECK (name GLOB '_[A-Z0-9]*' AND name NOT GLOB '*[^A-Z0-9_]*'),
  kind        TEXT NOT NULL CHECK (kind IN ('static', 'dynamic')),
  value       TEXT NOT NULL,
  secret      INTEGER NOT NULL DEFAULT 0 CHECK (secret IN (0, 1)),
  description TEXT NOT NULL DEFAULT '',
  device_id   INTEGER REFERENCES devices(id) ON DELETE CASCADE,
  updated_at  TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX placeholders_global ON placeholders(name) WHERE device_id IS NULL;
CREATE UNIQUE INDEX placeholders_device ON placeholders(device_id, name) WHERE device_id IS NOT NULL;
