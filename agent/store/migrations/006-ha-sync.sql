-- HA pairing and replication (cluster/pairing, cluster/sync). The pairing facts that the heartbeat
-- runtime also needs (paired, peer_serial, peer_host_key, cluster_key) stay in cluster_state (003);
-- this table holds what only pairing and replication use. One row.
CREATE TABLE ha_peer (
  id            INTEGER PRIMARY KEY CHECK (id = 1),
  peer_name     TEXT NOT NULL DEFAULT '',
  peer_address  TEXT NOT NULL DEFAULT '',   -- ha.remoteIp when the pairing happened
  -- This node's part in the pairing: 'coordinator' opened it, 'member' accepted it.
  local_role    TEXT NOT NULL DEFAULT '' CHECK (local_role IN ('', 'coordinator', 'member')),
  paired_at     INTEGER,                    -- unix ms
  -- Member: the coordinator's config version and content hash last applied here.
  applied_version INTEGER NOT NULL DEFAULT 0,
  applied_hash    TEXT NOT NULL DEFAULT '',
  -- Coordinator: what the member last confirmed.
  peer_version  INTEGER NOT NULL DEFAULT 0,
  peer_hash     TEXT NOT NULL DEFAULT '',
  last_sync_at  INTEGER,                    -- unix ms of the last successful config push/apply
  last_sync_error TEXT NOT NULL DEFAULT ''
) STRICT;
INSERT INTO ha_peer (id) VALUES (1);

-- cluster_state.config_version is bumped by triggers on every replicated table; they are created
-- by cluster/sync/snapshot.ts (ensureVersionTriggers) because some of those tables come from later
-- migrations (007, 008).
