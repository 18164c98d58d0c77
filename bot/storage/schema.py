"""The database schema, as numbered migrations applied in order.

`PRAGMA user_version` records how far a database has come; a new version is a new entry
at the end of MIGRATIONS, never an edit of an old one, so every existing database can
be brought up to date at start-up.
"""

MIGRATIONS: list[str] = [
    # 1: the foundation
    """
    CREATE TABLE projects (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL DEFAULT '',
        kind TEXT,
        document_language TEXT NOT NULL DEFAULT 'en',
        letterhead BLOB,
        created_at TEXT NOT NULL
    );
    CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        language TEXT NOT NULL,
        display_name TEXT NOT NULL DEFAULT '',
        current_project INTEGER REFERENCES projects(id) ON DELETE SET NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE members (
        project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        user_id INTEGER NOT NULL REFERENCES users(id),
        role TEXT NOT NULL CHECK (role IN ('coordinator', 'member')),
        joined_at TEXT NOT NULL,
        reminders_muted INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (project_id, user_id)
    );
    CREATE TABLE answers (
        project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        question_id TEXT NOT NULL,
        value TEXT NOT NULL,
        author INTEGER NOT NULL,
        answered_at TEXT NOT NULL,
        PRIMARY KEY (project_id, question_id)
    );
    CREATE TABLE answer_history (
        id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL,
        question_id TEXT NOT NULL,
        value TEXT NOT NULL,
        author INTEGER NOT NULL,
        answered_at TEXT NOT NULL
    );
    CREATE INDEX answer_history_by_question ON answer_history (project_id, question_id);
    CREATE TRIGGER answer_history_append_only
        BEFORE UPDATE OF project_id, question_id, value, answered_at ON answer_history
        BEGIN SELECT RAISE(ABORT, 'answer_history is append-only'); END;
    CREATE TABLE closed_steps (
        project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        step_id TEXT NOT NULL,
        closed_by INTEGER NOT NULL,
        closed_at TEXT NOT NULL,
        PRIMARY KEY (project_id, step_id)
    );
    CREATE TABLE sessions (
        user_id INTEGER NOT NULL REFERENCES users(id),
        project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        position TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (user_id, project_id)
    );
    CREATE TABLE assignments (
        project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        step_id TEXT NOT NULL,
        user_id INTEGER NOT NULL REFERENCES users(id),
        assigned_by INTEGER NOT NULL,
        assigned_at TEXT NOT NULL,
        PRIMARY KEY (project_id, step_id)
    );
    CREATE TABLE closed_stages (
        project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        stage INTEGER NOT NULL,
        closed_by INTEGER NOT NULL,
        closed_at TEXT NOT NULL,
        PRIMARY KEY (project_id, stage)
    );
    CREATE TABLE group_chats (
        chat_id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        linked_by INTEGER NOT NULL,
        linked_at TEXT NOT NULL
    );
    CREATE TABLE buttons (
        id TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL,
        project_id INTEGER NOT NULL,
        prompt TEXT NOT NULL,
        value TEXT NOT NULL,
        label TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE prompt_messages (
        user_id INTEGER NOT NULL,
        chat_id INTEGER NOT NULL,
        message_id INTEGER NOT NULL,
        text TEXT NOT NULL,
        PRIMARY KEY (user_id, chat_id)
    );
    CREATE TABLE documents (
        id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        stage INTEGER NOT NULL,
        kind TEXT NOT NULL,
        language TEXT NOT NULL,
        format TEXT NOT NULL,
        version INTEGER NOT NULL,
        content BLOB NOT NULL,
        checksum TEXT NOT NULL,
        sources TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        UNIQUE (project_id, kind, language, format, version)
    );
    CREATE TABLE invites (
        id INTEGER PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ('coordinator', 'member')),
        created_by INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        max_uses INTEGER NOT NULL,
        uses INTEGER NOT NULL DEFAULT 0,
        revoked_at TEXT
    );
    CREATE TABLE reminders (
        id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        user_id INTEGER,
        kind TEXT NOT NULL,
        topic TEXT NOT NULL,
        due_at TEXT NOT NULL,
        payload TEXT NOT NULL DEFAULT '{}',
        sent_at TEXT
    );
    CREATE INDEX reminders_due ON reminders (sent_at, due_at);
    CREATE TABLE health_checks (
        id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        user_id INTEGER NOT NULL,
        scores TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE candidate_scores (
        project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        candidate TEXT NOT NULL,
        user_id INTEGER NOT NULL,
        scores TEXT NOT NULL,
        pros TEXT NOT NULL DEFAULT '',
        cons TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL,
        PRIMARY KEY (project_id, candidate, user_id)
    );
    CREATE TABLE processed_updates (
        update_id INTEGER PRIMARY KEY,
        processed_at TEXT NOT NULL
    );
    """,
    # 2: one transaction per event; drafts as jobs (an outbox) with delivery per recipient; a lean history
    """
    CREATE TABLE draft_jobs (
        id INTEGER PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        requested_by INTEGER NOT NULL,
        reason TEXT NOT NULL,
        stage INTEGER NOT NULL,
        documents TEXT NOT NULL,
        language TEXT,
        created_at TEXT NOT NULL,
        built_at TEXT,
        note TEXT NOT NULL DEFAULT '',
        failed INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX draft_jobs_open ON draft_jobs (built_at);
    CREATE TABLE draft_deliveries (
        job_id INTEGER NOT NULL REFERENCES draft_jobs(id) ON DELETE CASCADE,
        recipient_kind TEXT NOT NULL CHECK (recipient_kind IN ('user', 'group')),
        recipient_id INTEGER NOT NULL,
        language TEXT NOT NULL,
        delivered_at TEXT,
        PRIMARY KEY (job_id, recipient_kind, recipient_id)
    );
    CREATE INDEX draft_deliveries_open ON draft_deliveries (delivered_at);
    ALTER TABLE documents ADD COLUMN job_id INTEGER;
    CREATE INDEX documents_by_job ON documents (job_id);
    CREATE TABLE document_names (
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        user_id INTEGER NOT NULL,
        PRIMARY KEY (document_id, user_id)
    );
    CREATE INDEX document_names_by_user ON document_names (user_id);
    CREATE INDEX buttons_by_user ON buttons (user_id);
    CREATE TABLE telegram_settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE INDEX processed_updates_by_time ON processed_updates (processed_at);
    DELETE FROM answer_history WHERE id IN (
        SELECT h.id FROM answer_history h JOIN answers a
        ON a.project_id = h.project_id AND a.question_id = h.question_id AND a.value = h.value
        AND a.author = h.author AND a.answered_at = h.answered_at
    );
    """,
    # 3: the partner's contact as a role of its own; members the coordinator names to translate; the translation
    # round's translations, per answer (and part of it), language and the version of the answer they translate
    """
    CREATE TABLE members_new (
        project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        user_id INTEGER NOT NULL REFERENCES users(id),
        role TEXT NOT NULL CHECK (role IN ('coordinator', 'member', 'partner')),
        joined_at TEXT NOT NULL,
        reminders_muted INTEGER NOT NULL DEFAULT 0,
        translates INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (project_id, user_id)
    );
    INSERT INTO members_new (project_id, user_id, role, joined_at, reminders_muted)
        SELECT project_id, user_id, role, joined_at, reminders_muted FROM members;
    DROP TABLE members;
    ALTER TABLE members_new RENAME TO members;
    CREATE TABLE invites_new (
        id INTEGER PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ('coordinator', 'member', 'partner')),
        created_by INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        max_uses INTEGER NOT NULL,
        uses INTEGER NOT NULL DEFAULT 0,
        revoked_at TEXT
    );
    INSERT INTO invites_new SELECT id, token_hash, project_id, role, created_by, created_at, expires_at, max_uses,
        uses, revoked_at FROM invites;
    DROP TABLE invites;
    ALTER TABLE invites_new RENAME TO invites;
    CREATE TABLE translations (
        project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        question_id TEXT NOT NULL,
        part TEXT NOT NULL DEFAULT '',
        language TEXT NOT NULL,
        source TEXT NOT NULL,
        answer_version INTEGER NOT NULL,
        text TEXT NOT NULL,
        translated_by INTEGER NOT NULL,
        translated_at TEXT NOT NULL,
        confirmed_by INTEGER,
        confirmed_at TEXT,
        PRIMARY KEY (project_id, question_id, part, language)
    );
    """,
]
