-- Artifacts in the job store itself (`artifacts = "database"`, the default with
-- PostgreSQL): every machine of a fleet reads the inputs, ELFs and proofs its stages need
-- from the database it already uses, with no shared file system. Guest programs uploaded
-- for generic jobs, named by their program id. A job of an uploaded program records its
-- ELF. Kept in step with ../postgres/0003_artifacts_and_programs.sql.
CREATE TABLE artifacts (
    id         TEXT PRIMARY KEY,
    bytes      BLOB NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE programs (
    program_id   TEXT PRIMARY KEY,
    elf_artifact TEXT NOT NULL,
    elf_bytes    INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
);

ALTER TABLE jobs ADD COLUMN program_artifact TEXT;
