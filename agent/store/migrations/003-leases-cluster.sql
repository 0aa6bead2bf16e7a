-- Tables the DHCP and HA issues build on. Their servers own the rows; the foundation only
-- creates the shape so one store holds everything and migrations stay numbered.

CREATE TABLE dhcp_leases (
  ip          TEXT PRIMARY KEY,          -- dotted IPv4
  mac         TEXT NOT NULL,             -- canonical 12 lowercase hex
  client_id   BLOB,
  hostname    TEXT,
  state       TEXT NOT NULL CHECK (state IN ('offered','bound','released','declined','expired')),
  starts_at   INTEGER NOT NULL,          -- unix ms
  expires_at  INTEGER NOT NULL,          -- unix ms
  updated_at  INTEGER NOT NULL,
  version     INTEGER NOT NULL DEFAULT 1 -- bumped on every change, for replication to the peer
) STRICT;
CREATE INDEX dhcp_leases_mac ON dhcp_leases(mac);
CREATE INDEX dhcp_leases_expiry ON dhcp_leases(expires_at);

-- Durable HA facts (ha.md 4.1): generation, pairing, cluster key. One row.
CREATE TABLE cluster_state (
  id            INTEGER PRIMARY KEY CHECK (id = 1),
  generation    INTEGER NOT NULL DEFAULT 0,
  paired        INTEGER NOT NULL DEFAULT 0,
  peer_serial   TEXT,
  peer_host_key TEXT,
  cluster_key   BLOB,
  role          TEXT,
  config_version INTEGER NOT NULL DEFAULT 0,
  updated_at    INTEGER NOT NULL DEFAULT 0
) STRICT;
INSERT INTO cluster_state (id) VALUES (1);

CREATE TABLE cluster_transitions (
  id     INTEGER PRIMARY KEY,
  ts     INTEGER NOT NULL,
  from_state TEXT NOT NULL,
  to_state   TEXT NOT NULL,
  reason TEXT NOT NULL
) STRICT;

-- Phones seen by SIP PnP (the PnP issue fills it).
CREATE TABLE pnp_seen (
  mac        TEXT PRIMARY KEY,
  vendor     TEXT,
  model      TEXT,
  firmware   TEXT,
  ip         TEXT NOT NULL,
  port       INTEGER NOT NULL,
  last_seen  INTEGER NOT NULL,
  url        TEXT,
  refused    TEXT
) STRICT;
