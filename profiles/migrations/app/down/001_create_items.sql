DROP TABLE IF EXISTS {{tables.items}};
