"""All reads and writes of the bot's state, over one SQLite database.

Every write commits before the method returns, so an answer the bot has confirmed is on
disk (WAL mode keeps that cheap). The engine calls these methods and never writes SQL.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from bot.storage.schema import MIGRATIONS

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Project:
    id: int
    name: str
    kind: str | None
    document_language: str


@dataclass(frozen=True)
class Answer:
    question_id: str
    value: Any
    author: int
    answered_at: str


@dataclass(frozen=True)
class StoredDocument:
    kind: str
    stage: int
    language: str
    format: str
    version: int
    content: bytes
    checksum: str
    created_at: str


class Store:
    """The bot's SQLite database. Open with `await Store.open(path)`; close when done."""

    def __init__(self, connection: aiosqlite.Connection, clock: Clock = utc_now) -> None:
        self._db = connection
        self._clock = clock

    @classmethod
    async def open(cls, path: Path | str, clock: Clock = utc_now) -> Store:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        connection = await aiosqlite.connect(str(path))
        connection.row_factory = aiosqlite.Row
        await connection.execute("PRAGMA journal_mode=WAL")
        await connection.execute("PRAGMA foreign_keys=ON")
        await connection.execute("PRAGMA busy_timeout=5000")
        store = cls(connection, clock)
        await store._migrate()
        return store

    async def close(self) -> None:
        await self._db.close()

    async def _migrate(self) -> None:
        async with self._db.execute("PRAGMA user_version") as cursor:
            (version,) = await cursor.fetchone()
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            await self._db.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")

    async def schema_version(self) -> int:
        async with self._db.execute("PRAGMA user_version") as cursor:
            (version,) = await cursor.fetchone()
        return int(version)

    def _now(self) -> str:
        return self._clock().isoformat(timespec="seconds")

    # users and projects

    async def ensure_user(self, user_id: int, language: str, display_name: str = "") -> str:
        """Create the user on first contact; return the language they chose."""
        await self._db.execute(
            "INSERT INTO users (id, language, display_name, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (id) DO NOTHING",
            (user_id, language, display_name, self._now()),
        )
        await self._db.commit()
        async with self._db.execute("SELECT language FROM users WHERE id = ?", (user_id,)) as cursor:
            row = await cursor.fetchone()
        return str(row["language"])

    async def set_user_language(self, user_id: int, language: str) -> None:
        await self._db.execute("UPDATE users SET language = ? WHERE id = ?", (language, user_id))
        await self._db.commit()

    async def create_project(self, coordinator: int, document_language: str) -> Project:
        now = self._now()
        cursor = await self._db.execute(
            "INSERT INTO projects (document_language, created_at) VALUES (?, ?)", (document_language, now)
        )
        project_id = int(cursor.lastrowid or 0)
        await self._db.execute(
            "INSERT INTO members (project_id, user_id, role, joined_at) VALUES (?, ?, 'coordinator', ?)",
            (project_id, coordinator, now),
        )
        await self._db.commit()
        return Project(project_id, "", None, document_language)

    async def project(self, project_id: int) -> Project | None:
        async with self._db.execute("SELECT * FROM projects WHERE id = ?", (project_id,)) as cursor:
            row = await cursor.fetchone()
        return Project(row["id"], row["name"], row["kind"], row["document_language"]) if row else None

    async def update_project(self, project_id: int, **fields: str | None) -> None:
        allowed = {"name", "kind", "document_language"}
        if not fields or set(fields) - allowed:
            raise ValueError(f"cannot update {set(fields) - allowed}")
        assignments = ", ".join(f"{name} = ?" for name in fields)
        await self._db.execute(f"UPDATE projects SET {assignments} WHERE id = ?", (*fields.values(), project_id))
        await self._db.commit()

    async def role(self, project_id: int, user_id: int) -> str | None:
        async with self._db.execute(
            "SELECT role FROM members WHERE project_id = ? AND user_id = ?", (project_id, user_id)
        ) as cursor:
            row = await cursor.fetchone()
        return str(row["role"]) if row else None

    # answers

    async def answers(self, project_id: int) -> dict[str, Answer]:
        async with self._db.execute(
            "SELECT question_id, value, author, answered_at FROM answers WHERE project_id = ?", (project_id,)
        ) as cursor:
            rows = await cursor.fetchall()
        return {
            row["question_id"]: Answer(row["question_id"], json.loads(row["value"]), row["author"], row["answered_at"])
            for row in rows
        }

    async def save_answer(self, project_id: int, question_id: str, value: Any, author: int) -> Answer:
        """Store an answer and append it to the history, in one committed transaction."""
        encoded = json.dumps(value, ensure_ascii=False, sort_keys=True)
        now = self._now()
        await self._db.execute(
            "INSERT INTO answers (project_id, question_id, value, author, answered_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (project_id, question_id) DO UPDATE"
            " SET value = excluded.value, author = excluded.author, answered_at = excluded.answered_at",
            (project_id, question_id, encoded, author, now),
        )
        await self._db.execute(
            "INSERT INTO answer_history (project_id, question_id, value, author, answered_at) VALUES (?, ?, ?, ?, ?)",
            (project_id, question_id, encoded, author, now),
        )
        await self._db.commit()
        return Answer(question_id, value, author, now)

    async def history(self, project_id: int, question_id: str) -> list[Answer]:
        async with self._db.execute(
            "SELECT question_id, value, author, answered_at FROM answer_history"
            " WHERE project_id = ? AND question_id = ? ORDER BY id",
            (project_id, question_id),
        ) as cursor:
            rows = await cursor.fetchall()
        return [Answer(r["question_id"], json.loads(r["value"]), r["author"], r["answered_at"]) for r in rows]

    # steps

    async def closed_steps(self, project_id: int) -> set[str]:
        async with self._db.execute("SELECT step_id FROM closed_steps WHERE project_id = ?", (project_id,)) as cursor:
            return {row["step_id"] for row in await cursor.fetchall()}

    async def close_step(self, project_id: int, step_id: str, user_id: int) -> None:
        await self._db.execute(
            "INSERT INTO closed_steps (project_id, step_id, closed_by, closed_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (project_id, step_id, user_id, self._now()),
        )
        await self._db.commit()

    # sessions

    async def session(self, user_id: int) -> tuple[int | None, dict[str, Any] | None]:
        """The user's current project and position in the conversation, if any."""
        async with self._db.execute("SELECT project_id, position FROM sessions WHERE user_id = ?", (user_id,)) as cur:
            row = await cur.fetchone()
        if row is None:
            return None, None
        return row["project_id"], json.loads(row["position"])

    async def save_session(self, user_id: int, project_id: int | None, position: dict[str, Any]) -> None:
        await self._db.execute(
            "INSERT INTO sessions (user_id, project_id, position, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET project_id = excluded.project_id,"
            " position = excluded.position, updated_at = excluded.updated_at",
            (user_id, project_id, json.dumps(position, ensure_ascii=False), self._now()),
        )
        await self._db.commit()

    # documents

    async def save_document(
        self, project_id: int, stage: int, kind: str, language: str, fmt: str, content: bytes
    ) -> StoredDocument:
        """Store a new version of a draft; the version counts per kind, language and format."""
        version = await self.next_version(project_id, kind, language, fmt)
        checksum = hashlib.sha256(content).hexdigest()
        now = self._now()
        await self._db.execute(
            "INSERT INTO documents (project_id, stage, kind, language, format, version, content, checksum,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (project_id, stage, kind, language, fmt, version, content, checksum, now),
        )
        await self._db.commit()
        return StoredDocument(kind, stage, language, fmt, version, content, checksum, now)

    async def latest_documents(self, project_id: int) -> list[StoredDocument]:
        async with self._db.execute(
            "SELECT * FROM documents d WHERE project_id = ? AND version = (SELECT MAX(version) FROM documents"
            " WHERE project_id = d.project_id AND kind = d.kind AND language = d.language AND format = d.format)"
            " ORDER BY stage, id",
            (project_id,),
        ) as cursor:
            rows = await cursor.fetchall()
        return [
            StoredDocument(
                r["kind"],
                r["stage"],
                r["language"],
                r["format"],
                r["version"],
                r["content"],
                r["checksum"],
                r["created_at"],
            )
            for r in rows
        ]

    async def next_version(self, project_id: int, kind: str, language: str, fmt: str) -> int:
        async with self._db.execute(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM documents WHERE project_id = ? AND kind = ? AND language = ?"
            " AND format = ?",
            (project_id, kind, language, fmt),
        ) as cursor:
            (version,) = await cursor.fetchone()
        return int(version)
