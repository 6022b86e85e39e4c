DROP TABLE {{tables.projects}};
