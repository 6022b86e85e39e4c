-- A library's own tables: rendered into whatever schema the host gives it.
CREATE TABLE {{tables.documents}} (
    id BIGSERIAL PRIMARY KEY,
    body TEXT NOT NULL
);
