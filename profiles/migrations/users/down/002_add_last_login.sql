ALTER TABLE {{tables.users}} DROP COLUMN last_login;
