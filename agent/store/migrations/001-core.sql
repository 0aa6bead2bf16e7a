-- Core tables: key/value settings, the audit log, tenants.

CREATE TABLE settings (
  key        TEXT PRIMARY KEY,
  value      TEXT NOT NULL,              -- JSON
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
) STRICT;

-- Every change made through pbxctl, the API or replication. Rows of one change share tx_id.
CREATE TABLE audit_log (
  id          INTEGER PRIMARY KEY,
  tx_id       INTEGER NOT NULL,
  ts          TEXT NOT NULL,             -- ISO 8601 UTC
  user        TEXT NOT NULL,
  source      TEXT NOT NULL,             -- e.g. 'pbxctl', 'api 10.0.0.5', 'peer', 'system'
  action      TEXT NOT NULL,             -- create | update | delete | ...
  object_type TEXT NOT NULL,             -- device | template | model | rule | placeholder | ...
  object_id   TEXT NOT NULL,
  description TEXT NOT NULL
) STRICT;
CREATE INDEX audit_log_tx ON audit_log(tx_id);
CREATE INDEX audit_log_ts ON audit_log(ts);

CREATE TABLE tenants (
  uuid       TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
) STRICT;
