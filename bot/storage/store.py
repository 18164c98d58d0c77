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
class User:
    id: int
    language: str
    name: str


@dataclass(frozen=True)
class Member:
    user_id: int
    name: str
    role: str
    language: str


@dataclass(frozen=True)
class Invite:
    id: int
    project_id: int
    role: str
    expires_at: str
    max_uses: int
    uses: int


@dataclass(frozen=True)
class Reminder:
    id: int
    project_id: int
    user_id: int | None  # None: for the coordinators and the group chats
    kind: str  # step | evaluation | activity
    topic: str  # what it is about, e.g. "step:step3" or "evaluation_dates"
    due_at: str
    payload: dict[str, Any]
    sent_at: str | None


@dataclass(frozen=True)
class StoredButton:
    id: str
    user_id: int
    project_id: int
    prompt: str
    value: str
    label: str


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
    sources: dict[str, Any]


class Store:
    """The bot's SQLite database. Open with `await Store.open(path)`; close when done."""

    def __init__(self, connection: aiosqlite.Connection, clock: Clock = utc_now) -> None:
        self._db = connection
        self._clock = clock

    @classmethod
    async def open(cls, path: Path | str, clock: Clock = utc_now, busy_timeout_ms: int = 5000) -> Store:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        connection = await aiosqlite.connect(str(path))
        connection.row_factory = aiosqlite.Row
        await connection.execute("PRAGMA journal_mode=WAL")
        await connection.execute("PRAGMA foreign_keys=ON")
        await connection.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        store = cls(connection, clock)
        await store._migrate()
        return store

    async def close(self) -> None:
        await self._db.close()

    async def rollback(self) -> None:
        """Undo whatever a failed write left open, so a later commit cannot store half of it."""
        await self._db.rollback()

    async def _migrate(self) -> None:
        async with self._db.execute("PRAGMA user_version") as cursor:
            (version,) = await cursor.fetchone()
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            await self._db.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")

    async def backup(self, target: Path | str) -> None:
        """A consistent copy of the live database (SQLite's online backup), safe while the bot runs."""
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        async with aiosqlite.connect(str(target)) as copy:
            await self._db.backup(copy)

    async def schema_version(self) -> int:
        async with self._db.execute("PRAGMA user_version") as cursor:
            (version,) = await cursor.fetchone()
        return int(version)

    def clock(self) -> datetime:
        return self._clock()

    def _now(self) -> str:
        return self._clock().isoformat(timespec="seconds")

    # users and projects

    async def ensure_user(self, user_id: int, language: str, display_name: str = "") -> str:
        """Create the user on first contact (or note a new name); return the language they chose.

        Most events come from a known person with the same name: then this is one read, no write.
        """
        async with self._db.execute("SELECT language, display_name FROM users WHERE id = ?", (user_id,)) as cursor:
            row = await cursor.fetchone()
        if row is not None and (not display_name or row["display_name"] == display_name):
            return str(row["language"])
        await self._db.execute(
            "INSERT INTO users (id, language, display_name, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name",
            (user_id, language, display_name, self._now()),
        )
        await self._db.commit()
        return str(row["language"]) if row is not None else language

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
        await self._db.execute("UPDATE users SET current_project = ? WHERE id = ?", (project_id, coordinator))
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

    async def copy_answers(self, source: int, target: int, question_ids: list[str], author: int) -> int:
        """Start a project from another one's answers (a second twinning); returns how many were copied."""
        copied = 0
        for answer in (await self.answers(source)).values():
            if answer.question_id in question_ids:
                await self.save_answer(target, answer.question_id, answer.value, author)
                copied += 1
        return copied

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

    # positions in the conversation, one per user and project

    async def current_project(self, user_id: int) -> int | None:
        async with self._db.execute("SELECT current_project FROM users WHERE id = ?", (user_id,)) as cursor:
            row = await cursor.fetchone()
        return row["current_project"] if row else None

    async def set_current_project(self, user_id: int, project_id: int | None) -> None:
        await self._db.execute("UPDATE users SET current_project = ? WHERE id = ?", (project_id, user_id))
        await self._db.commit()

    async def position(self, user_id: int, project_id: int) -> dict[str, Any] | None:
        async with self._db.execute(
            "SELECT position FROM sessions WHERE user_id = ? AND project_id = ?", (user_id, project_id)
        ) as cursor:
            row = await cursor.fetchone()
        return json.loads(row["position"]) if row else None

    async def session(self, user_id: int) -> tuple[int | None, dict[str, Any] | None]:
        """The user's current project and their position in it, if any."""
        project_id = await self.current_project(user_id)
        if project_id is None:
            return None, None
        return project_id, await self.position(user_id, project_id)

    async def save_position(self, user_id: int, project_id: int, position: dict[str, Any]) -> None:
        await self._db.execute(
            "INSERT INTO sessions (user_id, project_id, position, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (user_id, project_id) DO UPDATE SET position = excluded.position,"
            " updated_at = excluded.updated_at",
            (user_id, project_id, json.dumps(position, ensure_ascii=False), self._now()),
        )
        await self._db.commit()

    # the committee

    async def user(self, user_id: int) -> User | None:
        async with self._db.execute("SELECT * FROM users WHERE id = ?", (user_id,)) as cursor:
            row = await cursor.fetchone()
        return User(row["id"], row["language"], row["display_name"]) if row else None

    async def members(self, project_id: int) -> list[Member]:
        async with self._db.execute(
            "SELECT m.user_id, m.role, u.display_name, u.language FROM members m JOIN users u ON u.id = m.user_id"
            " WHERE m.project_id = ? ORDER BY m.role, m.joined_at",
            (project_id,),
        ) as cursor:
            rows = await cursor.fetchall()
        return [Member(r["user_id"], r["display_name"], r["role"], r["language"]) for r in rows]

    async def set_role(self, project_id: int, user_id: int, role: str) -> None:
        await self._db.execute(
            "UPDATE members SET role = ? WHERE project_id = ? AND user_id = ?", (role, project_id, user_id)
        )
        await self._db.commit()

    async def remove_member(self, project_id: int, user_id: int) -> None:
        """Remove a member; their answers stay, their assignments and position go."""
        await self._db.execute("DELETE FROM members WHERE project_id = ? AND user_id = ?", (project_id, user_id))
        await self._db.execute("DELETE FROM assignments WHERE project_id = ? AND user_id = ?", (project_id, user_id))
        await self._db.execute("DELETE FROM sessions WHERE project_id = ? AND user_id = ?", (project_id, user_id))
        await self._db.execute(
            "UPDATE users SET current_project = NULL WHERE id = ? AND current_project = ?", (user_id, project_id)
        )
        await self._db.commit()

    async def projects_of(self, user_id: int) -> list[tuple[Project, str]]:
        async with self._db.execute(
            "SELECT p.*, m.role FROM projects p JOIN members m ON m.project_id = p.id WHERE m.user_id = ?"
            " ORDER BY p.id",
            (user_id,),
        ) as cursor:
            rows = await cursor.fetchall()
        return [(Project(r["id"], r["name"], r["kind"], r["document_language"]), r["role"]) for r in rows]

    async def create_invite(
        self, project_id: int, role: str, created_by: int, token_hash: str, expires_at: datetime, max_uses: int
    ) -> int:
        cursor = await self._db.execute(
            "INSERT INTO invites (token_hash, project_id, role, created_by, created_at, expires_at, max_uses)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (token_hash, project_id, role, created_by, self._now(), expires_at.isoformat(timespec="seconds"), max_uses),
        )
        await self._db.commit()
        return int(cursor.lastrowid or 0)

    async def open_invites(self, project_id: int) -> list[Invite]:
        """Invites that can still be used: not revoked, not expired, not used up."""
        async with self._db.execute(
            "SELECT * FROM invites WHERE project_id = ? AND revoked_at IS NULL AND uses < max_uses"
            " AND expires_at > ? ORDER BY id",
            (project_id, self._now()),
        ) as cursor:
            rows = await cursor.fetchall()
        return [Invite(r["id"], r["project_id"], r["role"], r["expires_at"], r["max_uses"], r["uses"]) for r in rows]

    async def revoke_invite(self, project_id: int, invite_id: int) -> bool:
        cursor = await self._db.execute(
            "UPDATE invites SET revoked_at = ? WHERE id = ? AND project_id = ? AND revoked_at IS NULL",
            (self._now(), invite_id, project_id),
        )
        await self._db.commit()
        return cursor.rowcount == 1

    async def use_invite(self, token_hash: str, user_id: int) -> tuple[str, Invite | None]:
        """Join a project by invite: ("joined" | "member" | "unknown" | "revoked" | "expired" | "used", invite).

        The check and the use happen in one transaction, so an invite with one use left
        cannot be used twice by two people pressing at the same moment.
        """
        await self._db.execute("BEGIN IMMEDIATE")
        try:
            async with self._db.execute("SELECT * FROM invites WHERE token_hash = ?", (token_hash,)) as cursor:
                row = await cursor.fetchone()
            if row is None:
                await self._db.rollback()
                return "unknown", None
            invite = Invite(row["id"], row["project_id"], row["role"], row["expires_at"], row["max_uses"], row["uses"])
            if await self.role(invite.project_id, user_id) is not None:
                outcome = "member"
            elif row["revoked_at"] is not None:
                outcome = "revoked"
            elif row["expires_at"] <= self._now():
                outcome = "expired"
            elif row["uses"] >= row["max_uses"]:
                outcome = "used"
            else:
                outcome = "joined"
                await self._db.execute("UPDATE invites SET uses = uses + 1 WHERE id = ?", (invite.id,))
                await self._db.execute(
                    "INSERT INTO members (project_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)",
                    (invite.project_id, user_id, invite.role, self._now()),
                )
            await self._db.commit()
            return outcome, invite
        except BaseException:
            await self._db.rollback()
            raise

    async def assign(self, project_id: int, step_id: str, user_id: int, assigned_by: int) -> None:
        await self._db.execute(
            "INSERT INTO assignments (project_id, step_id, user_id, assigned_by, assigned_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (project_id, step_id) DO UPDATE SET user_id = excluded.user_id,"
            " assigned_by = excluded.assigned_by, assigned_at = excluded.assigned_at",
            (project_id, step_id, user_id, assigned_by, self._now()),
        )
        await self._db.commit()

    async def assignments(self, project_id: int) -> dict[str, int]:
        async with self._db.execute(
            "SELECT step_id, user_id FROM assignments WHERE project_id = ?", (project_id,)
        ) as cursor:
            return {row["step_id"]: row["user_id"] for row in await cursor.fetchall()}

    async def close_stage(self, project_id: int, stage: int, user_id: int) -> None:
        await self._db.execute(
            "INSERT INTO closed_stages (project_id, stage, closed_by, closed_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (project_id, stage, user_id, self._now()),
        )
        await self._db.commit()

    async def closed_stages(self, project_id: int) -> set[int]:
        async with self._db.execute("SELECT stage FROM closed_stages WHERE project_id = ?", (project_id,)) as cursor:
            return {row["stage"] for row in await cursor.fetchall()}

    async def save_health_check(self, project_id: int, user_id: int, scores: dict[str, int]) -> None:
        await self._db.execute(
            "INSERT INTO health_checks (project_id, user_id, scores, created_at) VALUES (?, ?, ?, ?)",
            (project_id, user_id, json.dumps(scores), self._now()),
        )
        await self._db.commit()

    async def latest_health_check(self, project_id: int) -> dict[str, int] | None:
        async with self._db.execute(
            "SELECT scores FROM health_checks WHERE project_id = ? ORDER BY id DESC LIMIT 1", (project_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return json.loads(row["scores"]) if row else None

    async def schedule(
        self, project_id: int, user_id: int | None, kind: str, topic: str, due: datetime, payload: dict[str, Any]
    ) -> None:
        await self._db.execute(
            "INSERT INTO reminders (project_id, user_id, kind, topic, due_at, payload) VALUES (?, ?, ?, ?, ?, ?)",
            (project_id, user_id, kind, topic, due.isoformat(timespec="seconds"), json.dumps(payload)),
        )
        await self._db.commit()

    async def cancel_reminders(self, project_id: int, topic: str) -> None:
        """Drop the pending reminders about a topic (a step that closed, dates that were changed)."""
        await self._db.execute(
            "DELETE FROM reminders WHERE project_id = ? AND topic = ? AND sent_at IS NULL", (project_id, topic)
        )
        await self._db.commit()

    async def due_reminders(self) -> list[Reminder]:
        async with self._db.execute(
            "SELECT * FROM reminders WHERE sent_at IS NULL AND due_at <= ? ORDER BY due_at, id", (self._now(),)
        ) as cursor:
            return [_reminder(row) for row in await cursor.fetchall()]

    async def reminders(self, project_id: int) -> list[Reminder]:
        """The project's pending reminders, soonest first."""
        async with self._db.execute(
            "SELECT * FROM reminders WHERE project_id = ? AND sent_at IS NULL ORDER BY due_at, id", (project_id,)
        ) as cursor:
            return [_reminder(row) for row in await cursor.fetchall()]

    async def mark_sent(self, reminder_id: int) -> None:
        await self._db.execute("UPDATE reminders SET sent_at = ? WHERE id = ?", (self._now(), reminder_id))
        await self._db.commit()

    async def last_reminded(self, user_id: int) -> str | None:
        async with self._db.execute(
            "SELECT MAX(sent_at) FROM reminders WHERE user_id = ? AND kind = 'step'", (user_id,)
        ) as cursor:
            (sent,) = await cursor.fetchone()
        return sent

    async def set_reminders_muted(self, project_id: int, user_id: int, muted: bool) -> None:
        await self._db.execute(
            "UPDATE members SET reminders_muted = ? WHERE project_id = ? AND user_id = ?",
            (int(muted), project_id, user_id),
        )
        await self._db.commit()

    async def reminders_muted(self, project_id: int, user_id: int) -> bool:
        async with self._db.execute(
            "SELECT reminders_muted FROM members WHERE project_id = ? AND user_id = ?", (project_id, user_id)
        ) as cursor:
            row = await cursor.fetchone()
        return bool(row and row["reminders_muted"])

    async def save_candidate_scores(
        self, project_id: int, candidate: str, user_id: int, scores: dict[str, int], pros: str, cons: str
    ) -> None:
        """One member's scores for one candidate; scoring again replaces them."""
        await self._db.execute(
            "INSERT INTO candidate_scores (project_id, candidate, user_id, scores, pros, cons, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (project_id, candidate, user_id) DO UPDATE SET"
            " scores = excluded.scores, pros = excluded.pros, cons = excluded.cons, updated_at = excluded.updated_at",
            (project_id, candidate, user_id, json.dumps(scores), pros, cons, self._now()),
        )
        await self._db.commit()

    async def candidate_scores(self, project_id: int) -> dict[str, list[dict[str, Any]]]:
        """Per candidate, every member's score set, with their pros, cons and who they are."""
        async with self._db.execute(
            "SELECT c.*, u.display_name FROM candidate_scores c LEFT JOIN users u ON u.id = c.user_id"
            " WHERE c.project_id = ? ORDER BY c.candidate, c.user_id",
            (project_id,),
        ) as cursor:
            rows = await cursor.fetchall()
        found: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            notes = {"_name": row["display_name"] or "", "_pros": row["pros"], "_cons": row["cons"]}
            found.setdefault(row["candidate"], []).append(json.loads(row["scores"]) | notes)
        return found

    async def link_group(self, chat_id: int, project_id: int, user_id: int) -> None:
        await self._db.execute(
            "INSERT INTO group_chats (chat_id, project_id, linked_by, linked_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (chat_id) DO UPDATE SET project_id = excluded.project_id, linked_by = excluded.linked_by,"
            " linked_at = excluded.linked_at",
            (chat_id, project_id, user_id, self._now()),
        )
        await self._db.commit()

    async def group_project(self, chat_id: int) -> int | None:
        async with self._db.execute("SELECT project_id FROM group_chats WHERE chat_id = ?", (chat_id,)) as cursor:
            row = await cursor.fetchone()
        return row["project_id"] if row else None

    async def groups_of(self, project_id: int) -> list[int]:
        async with self._db.execute("SELECT chat_id FROM group_chats WHERE project_id = ?", (project_id,)) as cursor:
            return [row["chat_id"] for row in await cursor.fetchall()]

    async def letterhead(self, project_id: int) -> bytes | None:
        async with self._db.execute("SELECT letterhead FROM projects WHERE id = ?", (project_id,)) as cursor:
            row = await cursor.fetchone()
        return row["letterhead"] if row else None

    async def set_letterhead(self, project_id: int, content: bytes | None) -> None:
        await self._db.execute("UPDATE projects SET letterhead = ? WHERE id = ?", (content, project_id))
        await self._db.commit()

    # personal data

    async def _rows(self, sql: str, parameters: tuple[Any, ...]) -> list[dict[str, Any]]:
        async with self._db.execute(sql, parameters) as cursor:
            return [dict(row) for row in await cursor.fetchall()]

    async def personal_data(self, user_id: int) -> dict[str, Any]:
        """Everything stored about one person, for /mydata."""
        return {
            "user": await self._rows(
                "SELECT id, language, display_name, created_at FROM users WHERE id = ?", (user_id,)
            ),
            "memberships": await self._rows(
                "SELECT m.project_id, p.name AS project, m.role, m.joined_at, m.reminders_muted FROM members m"
                " JOIN projects p ON p.id = m.project_id WHERE m.user_id = ?",
                (user_id,),
            ),
            "answers": await self._rows(
                "SELECT project_id, question_id, value, answered_at FROM answers WHERE author = ?", (user_id,)
            ),
            "answer_history": await self._rows(
                "SELECT project_id, question_id, value, answered_at FROM answer_history WHERE author = ? ORDER BY id",
                (user_id,),
            ),
            "candidate_scores": await self._rows(
                "SELECT project_id, candidate, scores, pros, cons, updated_at FROM candidate_scores WHERE user_id = ?",
                (user_id,),
            ),
            "ten_keys_checks": await self._rows(
                "SELECT project_id, scores, created_at FROM health_checks WHERE user_id = ?", (user_id,)
            ),
            "positions": await self._rows(
                "SELECT project_id, position, updated_at FROM sessions WHERE user_id = ?", (user_id,)
            ),
            "reminders": await self._rows(
                "SELECT project_id, kind, due_at, sent_at FROM reminders WHERE user_id = ?", (user_id,)
            ),
            "assignments": await self._rows(
                "SELECT project_id, step_id, assigned_at FROM assignments WHERE user_id = ?", (user_id,)
            ),
        }

    async def forget_user(self, user_id: int) -> None:
        """Delete a person's personal data; their answers stay, attributed to a former member (author 0)."""
        statements = [
            ("UPDATE answers SET author = 0 WHERE author = ?", (user_id,)),
            ("UPDATE answer_history SET author = 0 WHERE author = ?", (user_id,)),
            ("UPDATE candidate_scores SET user_id = -abs(random()) WHERE user_id = ?", (user_id,)),
            ("UPDATE health_checks SET user_id = 0 WHERE user_id = ?", (user_id,)),
            ("UPDATE closed_steps SET closed_by = 0 WHERE closed_by = ?", (user_id,)),
            ("UPDATE closed_stages SET closed_by = 0 WHERE closed_by = ?", (user_id,)),
            ("UPDATE invites SET created_by = 0 WHERE created_by = ?", (user_id,)),
            ("UPDATE assignments SET assigned_by = 0 WHERE assigned_by = ?", (user_id,)),
            ("UPDATE group_chats SET linked_by = 0 WHERE linked_by = ?", (user_id,)),
            ("DELETE FROM assignments WHERE user_id = ?", (user_id,)),
            ("DELETE FROM reminders WHERE user_id = ?", (user_id,)),
            ("DELETE FROM sessions WHERE user_id = ?", (user_id,)),
            ("DELETE FROM buttons WHERE user_id = ?", (user_id,)),
            ("DELETE FROM prompt_messages WHERE user_id = ?", (user_id,)),
            ("DELETE FROM members WHERE user_id = ?", (user_id,)),
            ("DELETE FROM users WHERE id = ?", (user_id,)),
        ]
        await self._db.execute("BEGIN IMMEDIATE")
        try:
            for sql, parameters in statements:
                await self._db.execute(sql, parameters)
            await self._db.commit()
        except BaseException:
            await self._db.rollback()
            raise

    async def export_project(self, project_id: int) -> dict[str, Any]:
        """A project's whole record (without the drafts' bytes), for the coordinator's export."""
        by_project = (project_id,)
        return {
            "project": await self._rows(
                "SELECT id, name, kind, document_language, created_at FROM projects WHERE id = ?", by_project
            ),
            "members": await self._rows(
                "SELECT m.user_id, u.display_name, m.role, m.joined_at FROM members m"
                " JOIN users u ON u.id = m.user_id WHERE m.project_id = ?",
                by_project,
            ),
            "answers": await self._rows("SELECT * FROM answers WHERE project_id = ?", by_project),
            "answer_history": await self._rows(
                "SELECT * FROM answer_history WHERE project_id = ? ORDER BY id", by_project
            ),
            "closed_steps": await self._rows("SELECT * FROM closed_steps WHERE project_id = ?", by_project),
            "closed_stages": await self._rows("SELECT * FROM closed_stages WHERE project_id = ?", by_project),
            "assignments": await self._rows("SELECT * FROM assignments WHERE project_id = ?", by_project),
            "candidate_scores": await self._rows("SELECT * FROM candidate_scores WHERE project_id = ?", by_project),
            "ten_keys_checks": await self._rows("SELECT * FROM health_checks WHERE project_id = ?", by_project),
            "reminders": await self._rows("SELECT * FROM reminders WHERE project_id = ?", by_project),
            "documents": await self._rows(
                "SELECT stage, kind, language, format, version, checksum, created_at FROM documents"
                " WHERE project_id = ? ORDER BY stage, kind, version",
                by_project,
            ),
        }

    async def delete_project(self, project_id: int) -> None:
        """Delete a project and everything in it (its members keep their other projects)."""
        await self._db.execute("BEGIN IMMEDIATE")
        try:
            for table in ("answer_history", "buttons"):
                await self._db.execute(f"DELETE FROM {table} WHERE project_id = ?", (project_id,))
            await self._db.execute("DELETE FROM projects WHERE id = ?", (project_id,))  # the rest cascades
            await self._db.commit()
        except BaseException:
            await self._db.rollback()
            raise

    # what the buttons on screen mean, and which updates were handled (for the Telegram front end)

    async def save_buttons(self, rows: list[tuple[str, int, int, str, str, str]]) -> None:
        """Store (id, user, project, prompt, value, label) for buttons about to be shown."""
        now = self._now()
        await self._db.executemany(
            "INSERT INTO buttons (id, user_id, project_id, prompt, value, label, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(*row, now) for row in rows],
        )
        await self._db.commit()

    async def button(self, button_id: str) -> StoredButton | None:
        async with self._db.execute("SELECT * FROM buttons WHERE id = ?", (button_id,)) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        return StoredButton(row["id"], row["user_id"], row["project_id"], row["prompt"], row["value"], row["label"])

    async def last_prompt(self, user_id: int, chat_id: int) -> tuple[int, str] | None:
        async with self._db.execute(
            "SELECT message_id, text FROM prompt_messages WHERE user_id = ? AND chat_id = ?", (user_id, chat_id)
        ) as cursor:
            row = await cursor.fetchone()
        return (row["message_id"], row["text"]) if row else None

    async def save_prompt(self, user_id: int, chat_id: int, message_id: int, text: str) -> None:
        await self._db.execute(
            "INSERT INTO prompt_messages (user_id, chat_id, message_id, text) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (user_id, chat_id) DO UPDATE SET message_id = excluded.message_id, text = excluded.text",
            (user_id, chat_id, message_id, text),
        )
        await self._db.commit()

    async def forget_prompt(self, user_id: int, chat_id: int) -> None:
        await self._db.execute("DELETE FROM prompt_messages WHERE user_id = ? AND chat_id = ?", (user_id, chat_id))
        await self._db.commit()

    async def claim_update(self, update_id: int) -> bool:
        """Record an update as handled; False when it already was (a redelivery after a crash)."""
        cursor = await self._db.execute(
            "INSERT INTO processed_updates (update_id, processed_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (update_id, self._now()),
        )
        await self._db.commit()
        return cursor.rowcount == 1

    # documents

    async def save_document(
        self,
        project_id: int,
        stage: int,
        kind: str,
        language: str,
        fmt: str,
        content: bytes,
        sources: dict[str, Any] | None = None,
        version: int | None = None,
    ) -> StoredDocument:
        """Store a new version of a draft; the version counts per kind, language and format."""
        version = version or await self.next_version(project_id, kind, language, fmt)
        checksum = hashlib.sha256(content).hexdigest()
        now = self._now()
        await self._db.execute(
            "INSERT INTO documents (project_id, stage, kind, language, format, version, content, checksum,"
            " sources, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                project_id,
                stage,
                kind,
                language,
                fmt,
                version,
                content,
                checksum,
                json.dumps(sources or {}, ensure_ascii=False),
                now,
            ),
        )
        await self._db.commit()
        return StoredDocument(kind, stage, language, fmt, version, content, checksum, now, sources or {})

    async def all_documents(self, project_id: int) -> list[StoredDocument]:
        async with self._db.execute(
            "SELECT * FROM documents WHERE project_id = ? ORDER BY stage, kind, version", (project_id,)
        ) as cursor:
            return [_document(row) for row in await cursor.fetchall()]

    async def latest_documents(self, project_id: int) -> list[StoredDocument]:
        async with self._db.execute(
            "SELECT * FROM documents d WHERE project_id = ? AND version = (SELECT MAX(version) FROM documents"
            " WHERE project_id = d.project_id AND kind = d.kind AND language = d.language AND format = d.format)"
            " ORDER BY stage, id",
            (project_id,),
        ) as cursor:
            rows = await cursor.fetchall()
        return [_document(row) for row in rows]

    async def next_version(self, project_id: int, kind: str, language: str, fmt: str) -> int:
        async with self._db.execute(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM documents WHERE project_id = ? AND kind = ? AND language = ?"
            " AND format = ?",
            (project_id, kind, language, fmt),
        ) as cursor:
            (version,) = await cursor.fetchone()
        return int(version)


def _document(row: aiosqlite.Row) -> StoredDocument:
    return StoredDocument(
        row["kind"],
        row["stage"],
        row["language"],
        row["format"],
        row["version"],
        row["content"],
        row["checksum"],
        row["created_at"],
        json.loads(row["sources"]),
    )


def _reminder(row: aiosqlite.Row) -> Reminder:
    return Reminder(
        row["id"],
        row["project_id"],
        row["user_id"],
        row["kind"],
        row["topic"],
        row["due_at"],
        json.loads(row["payload"]),
        row["sent_at"],
    )
