-- The highest heartbeat sequence number accepted from the peer's current generation, written
-- every few seconds and at stop, so a restart of this node does not reopen the peer's current
-- life to replay (cluster/heartbeat/replay.ts resumeAfter). -1: none recorded.
ALTER TABLE ha_runtime ADD COLUMN peer_seq INTEGER NOT NULL DEFAULT -1;
