ALTER TABLE {{tables.tasks}} ADD COLUMN due_date DATE;
