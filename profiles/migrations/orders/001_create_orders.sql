CREATE TABLE {{tables.orders}} (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL,
    total_cents BIGINT NOT NULL CHECK (total_cents >= 0),
    status TEXT NOT NULL DEFAULT 'new',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX orders_user_idx ON {{tables.orders}} (user_id);
