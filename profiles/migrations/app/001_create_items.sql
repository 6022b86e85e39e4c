-- Simple pattern: one service, tables in the manager's schema.
CREATE TABLE IF NOT EXISTS {{tables.items}} (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
