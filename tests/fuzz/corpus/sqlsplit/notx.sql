-- pgdbm:no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_name_idx ON {{tables.users}} (name);
