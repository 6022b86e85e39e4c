ALTER TABLE {{tables.tasks}} DROP COLUMN due_date;
