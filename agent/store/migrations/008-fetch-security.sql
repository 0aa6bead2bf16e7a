-- Fetch security and phonebooks (issue 6, part 2). Owned by net/http/auth-*.ts and
-- provisioning/phonebook-*.ts. The fetch log itself is not stored here: it is a bounded ring in
-- memory plus one journal line per fetch (the journal is what fail2ban reads).

-- HTTP credentials phones use to fetch their files, per tenant (organisation); tenant_uuid NULL is
-- the default organisation of a single-tenant node. Passwords are not stored: only the Digest HA1
-- values H(user:realm:password) for MD5 and SHA-256, which verify Digest and Basic alike. The
-- realm is fixed when the password is set (a new realm needs the password again).
CREATE TABLE fetch_credentials (
  id          INTEGER PRIMARY KEY,
  tenant_uuid TEXT REFERENCES tenants(uuid) ON DELETE CASCADE,
  username    TEXT NOT NULL CHECK (length(username) BETWEEN 1 AND 64),
  realm       TEXT NOT NULL,
  ha1_md5     TEXT NOT NULL CHECK (length(ha1_md5) = 32),
  ha1_sha256  TEXT NOT NULL CHECK (length(ha1_sha256) = 64),
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX fetch_credentials_user ON fetch_credentials(ifnull(tenant_uuid, ''), username);
-- The per-request lookup (tenant_uuid IS ?, first by user name): without it SQLite sorts in a temp
-- b-tree on every fetch, which cost more than the whole Digest check.
CREATE INDEX fetch_credentials_lookup ON fetch_credentials(tenant_uuid, username);

-- Per-device token for /provisioning/t/<token>/<file> (phones that cannot authenticate). Only a
-- SHA-256 of the token is kept; the token is shown once, when issued.
CREATE TABLE device_tokens (
  device_id  INTEGER PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
  token_hash TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),
  created_at TEXT NOT NULL
) STRICT;

-- Remote phonebooks, rendered per request in the vendor's XML (pb-<type>-<id>.xml).
CREATE TABLE phonebooks (
  id          INTEGER PRIMARY KEY,
  tenant_uuid TEXT REFERENCES tenants(uuid) ON DELETE RESTRICT,
  name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX phonebooks_name ON phonebooks(ifnull(tenant_uuid, ''), name);

CREATE TABLE phonebook_entries (
  id           INTEGER PRIMARY KEY,
  phonebook_id INTEGER NOT NULL REFERENCES phonebooks(id) ON DELETE CASCADE,
  name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX phonebook_entries_book ON phonebook_entries(phonebook_id);

-- Numbers of an entry by type, in the order given.
CREATE TABLE phonebook_numbers (
  entry_id INTEGER NOT NULL REFERENCES phonebook_entries(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  kind     TEXT NOT NULL CHECK (kind IN ('work', 'mobile', 'home', 'other')),
  number   TEXT NOT NULL CHECK (length(number) BETWEEN 1 AND 40),
  PRIMARY KEY (entry_id, position)
) STRICT;

-- Who may read a phonebook: 'all' (every device of the phonebook's tenant), 'tenant' (every
-- device of that tenant), 'device' (a MAC) or 'account' (devices linked to that account id).
-- No rows: nobody (a phonebook is private until allowed).
CREATE TABLE phonebook_access (
  phonebook_id INTEGER NOT NULL REFERENCES phonebooks(id) ON DELETE CASCADE,
  kind         TEXT NOT NULL CHECK (kind IN ('all', 'tenant', 'device', 'account')),
  ref          TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (phonebook_id, kind, ref)
) STRICT;
