CREATE TABLE {{tables.order_items}} (
    order_id BIGINT NOT NULL REFERENCES {{tables.orders}} (id) ON DELETE CASCADE,
    sku TEXT NOT NULL,
    quantity INT NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (order_id, sku)
);
