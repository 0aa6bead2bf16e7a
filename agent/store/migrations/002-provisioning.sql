-- Provisioning: brands, models, file-name rules, templates, accounts, devices, placeholders.
-- (Draft from the foundation skeleton; the provisioning engine owns and refines it.)

CREATE TABLE brands (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE
) STRICT;
