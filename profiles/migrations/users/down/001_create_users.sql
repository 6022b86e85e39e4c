DROP TABLE {{tables.users}};
