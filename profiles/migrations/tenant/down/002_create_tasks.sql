DROP TABLE {{tables.tasks}};
