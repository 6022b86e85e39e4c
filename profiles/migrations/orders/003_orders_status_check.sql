ALTER TABLE {{tables.orders}}
    ADD CONSTRAINT orders_status_check
    CHECK (status IN ('new', 'paid', 'shipped', 'cancelled'));
