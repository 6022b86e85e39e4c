CREATE TABLE {{tables.payments}} (
    id BIGSERIAL PRIMARY KEY,
    invoice_id BIGINT NOT NULL REFERENCES {{tables.invoices}} (id),
    amount_cents BIGINT NOT NULL,
    paid_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
