CREATE TABLE {{tables.tasks}} (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES {{tables.projects}} (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    done BOOLEAN NOT NULL DEFAULT false
);
