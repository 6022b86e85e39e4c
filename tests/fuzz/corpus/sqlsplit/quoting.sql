-- pgdbm:no-transaction
/* a /* nested */ comment; */
CREATE FUNCTION {{tables.f}}() RETURNS text AS $body$
  SELECT 'a;b' || E'c\';d' || $$e;f$$;
$body$ LANGUAGE sql;
CREATE INDEX CONCURRENTLY i ON {{tables.t}} (a);
DO $$ BEGIN PERFORM 1; END $$;
SELECT "semi;colon", U&'\0041;' FROM t; -- trailing; comment
CREATE PROCEDURE p() BEGIN ATOMIC SELECT 1; SELECT 2; END;
VACUUM t;
COMMIT;
ALTER TYPE e ADD VALUE 'x';
SELECT (1;
