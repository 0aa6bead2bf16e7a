-- Redirection services (RPS): the vendor accounts phones are registered with (one or more per
-- brand), each device's link to one of them, and the outcome of its registration. Owned by
-- provisioning/rps/. Timestamps are ISO 8601 UTC strings.

CREATE TABLE rps_servers (
  id               INTEGER PRIMARY KEY,
  name             TEXT NOT NULL UNIQUE COLLATE NOCASE,
  provider         TEXT NOT NULL CHECK (provider IN ('snom', 'yealink', 'ymcs', 'gigaset', 'fanvil')),
  -- Only devices whose model has this brand can be linked (e.g. Yealink, or Escene on Yealink's RPS).
  brand            TEXT NOT NULL COLLATE NOCASE,
  -- XML-RPC user / YMCS client id, and password / client secret. The secret is never logged,
  -- never written to the audit log, and shown by pbxctl only with --show-secrets.
  username         TEXT NOT NULL DEFAULT '',
  password         TEXT NOT NULL DEFAULT '',
  -- Vendor endpoint; '' = the rps.<provider>Url config key (the vendor's real endpoint).
  base_url         TEXT NOT NULL DEFAULT '',
  -- URL the phone is redirected to; '' = this node's HTTP provisioning URL (+ tenant/).
  -- '{tenant}' is replaced by the device's tenant UUID; vendor macros ({mac}, $mac, %MACD) pass through.
  provisioning_url TEXT NOT NULL DEFAULT '',
  -- Yealink legacy: server name in the RPS portal; Gigaset: provider (profile) name.
  server_name      TEXT NOT NULL DEFAULT '',
  enabled          INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  -- Bumped on every change: part of each link's fingerprint (timestamps can collide).
  rev              INTEGER NOT NULL DEFAULT 1,
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL
) STRICT;

-- One link per device: configuration, replicated to the HA peer like devices (triggers below).
-- Removing the device removes its link (the vendor keeps its registration until
-- `pbxctl rps unlink --deregister`); a server with links cannot be removed.
CREATE TABLE rps_links (
  device_id       INTEGER PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
  server_id       INTEGER NOT NULL REFERENCES rps_servers(id) ON DELETE RESTRICT,
  -- Gigaset MAC-ID CRC (4 characters from the label); '' for other vendors.
  crc             TEXT NOT NULL DEFAULT '',
  -- Per-device provisioning URL; '' = the server's.
  url             TEXT NOT NULL DEFAULT '',
  rev             INTEGER NOT NULL DEFAULT 1,  -- bumped when the link is changed
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL
) STRICT;
CREATE INDEX rps_links_server ON rps_links(server_id);

-- The outcome of each link's registration on THIS node: runtime state, not replicated (only the
-- active node registers; after a failover the new active registers again, which the vendors
-- treat as a no-op). No foreign key on purpose: replication replaces devices and links on the
-- member, and that must not wipe this; rows without a link are cleaned up by the worker.
-- A link without a row here is pending, due now.
CREATE TABLE rps_state (
  device_id       INTEGER PRIMARY KEY,
  -- pending: waiting for (another) attempt; ok: registered ("provisioned on redirection server");
  -- error: the last attempt failed for good (vendor refusal, or attempts exhausted).
  state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'ok', 'error')),
  error           TEXT NOT NULL DEFAULT '',    -- Falconieri code of the last failure
  message         TEXT NOT NULL DEFAULT '',    -- its detail (never a secret)
  pin             TEXT NOT NULL DEFAULT '',    -- YMCS device PIN
  attempts        INTEGER NOT NULL DEFAULT 0,  -- attempts since the last success, change or retry
  last_attempt_at TEXT,
  next_attempt_at TEXT,                        -- pending: not before this time (NULL: now)
  -- What the last attempt sent (server and its revision, MAC, URL, CRC): when the device or the
  -- server changes, it no longer matches and the worker registers again.
  target          TEXT NOT NULL DEFAULT '',
  registered_url  TEXT NOT NULL DEFAULT '',    -- URL of the last successful registration
  -- Fingerprint of the last success: when the MAC or the server changes, the old registration
  -- is removed at the vendor.
  registered_target TEXT NOT NULL DEFAULT '',
  registered_at   TEXT,
  rev             INTEGER NOT NULL DEFAULT 0,  -- bumped on every change (outcomes are recorded on the row they started from)
  updated_at      TEXT NOT NULL
) STRICT;
CREATE INDEX rps_state_due ON rps_state(state, next_attempt_at);

-- Servers and links are configuration: count their changes for HA replication like 006 does
-- for the other configuration tables (cluster/sync/snapshot.ts lists the replicated tables).
CREATE TRIGGER ha_cfgver_rps_servers_insert AFTER INSERT ON rps_servers BEGIN UPDATE cluster_state SET config_version = config_version + 1 WHERE id = 1; END;
CREATE TRIGGER ha_cfgver_rps_servers_update AFTER UPDATE ON rps_servers BEGIN UPDATE cluster_state SET config_version = config_version + 1 WHERE id = 1; END;
CREATE TRIGGER ha_cfgver_rps_servers_delete AFTER DELETE ON rps_servers BEGIN UPDATE cluster_state SET config_version = config_version + 1 WHERE id = 1; END;
CREATE TRIGGER ha_cfgver_rps_links_insert AFTER INSERT ON rps_links BEGIN UPDATE cluster_state SET config_version = config_version + 1 WHERE id = 1; END;
CREATE TRIGGER ha_cfgver_rps_links_update AFTER UPDATE ON rps_links BEGIN UPDATE cluster_state SET config_version = config_version + 1 WHERE id = 1; END;
CREATE TRIGGER ha_cfgver_rps_links_delete AFTER DELETE ON rps_links BEGIN UPDATE cluster_state SET config_version = config_version + 1 WHERE id = 1; END;
