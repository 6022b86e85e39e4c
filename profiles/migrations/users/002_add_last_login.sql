ALTER TABLE {{tables.users}} ADD COLUMN last_login TIMESTAMPTZ;
