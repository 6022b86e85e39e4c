DROP INDEX IF EXISTS {{schema}}.users_name_idx;
