CREATE TABLE {{tables.stock}} (
    sku TEXT PRIMARY KEY,
    on_hand INT NOT NULL DEFAULT 0
);
