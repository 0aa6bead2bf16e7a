-- DHCP leases as the DHCP server keeps them (net/dhcp/leases.ts). Replaces the draft table of
-- 003 (nothing was deployed with it). One row per address ever bound: the row stays after
-- release/expiry so a returning client gets its old address back, and `version` (per address,
-- bumped on every change) orders changes for HA replication: the higher version wins.
-- Offers are not stored (in memory, a few seconds); expiry is computed from expires_at.
DROP TABLE IF EXISTS dhcp_leases;
CREATE TABLE dhcp_leases (
  ip           TEXT PRIMARY KEY,          -- dotted IPv4
  mac          TEXT NOT NULL,             -- 12 lowercase hex (chaddr)
  client_id    TEXT,                      -- option 61 as hex
  hostname     TEXT,                      -- option 12 the client sent, or the reservation's
  vendor_class TEXT,                      -- option 60
  state        TEXT NOT NULL CHECK (state IN ('bound','released','declined','expired')),
  starts_at    INTEGER NOT NULL,          -- unix ms
  expires_at   INTEGER NOT NULL,          -- unix ms (bound: lease end; declined: quarantine end)
  updated_at   INTEGER NOT NULL,
  version      INTEGER NOT NULL
) STRICT;
CREATE INDEX dhcp_leases_mac ON dhcp_leases(mac);
CREATE INDEX dhcp_leases_expiry ON dhcp_leases(expires_at);
