-- HA runtime (cluster/ha-service.ts). cluster_state (003) keeps generation, pairing, key and role;
-- this adds what the runtime alone owns.

-- One row: facts that must survive a restart of this node.
CREATE TABLE ha_runtime (
  id              INTEGER PRIMARY KEY CHECK (id = 1),
  -- Highest generation of the peer ever accepted: after our own restart, packets of the peer's
  -- older lives are still refused as replays (cluster/heartbeat/replay.ts).
  peer_generation INTEGER NOT NULL DEFAULT 0,
  -- `pbxctl ha enable|disable` (NULL: follow the config file's ha.enabled / ha.coordinator).
  admin_enabled     INTEGER CHECK (admin_enabled IN (0, 1)),
  admin_coordinator INTEGER CHECK (admin_coordinator IN (0, 1)),
  updated_at      INTEGER NOT NULL DEFAULT 0
) STRICT;
INSERT INTO ha_runtime (id) VALUES (1);

-- Which life of this node made a transition (a restart shows as a new generation in the list).
ALTER TABLE cluster_transitions ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
CREATE INDEX cluster_transitions_ts ON cluster_transitions(ts);
