"""People, projects, who belongs to which, and where each person is in the conversation."""

from __future__ import annotations

import json
from typing import Any

from bot.storage.records import Member, Project, User
from bot.storage.repository import Repository


class Users(Repository):
    def ensure(self, user_id: int, language: str, display_name: str = "") -> str:
        """Create the user on first contact (or note a new name); return the language they chose.

        Most events come from a known person with the same name: then this is one read, no write.
        """
        row = self.tx.row("SELECT language, display_name FROM users WHERE id = ?", (user_id,))
        if row is not None and (not display_name or row["display_name"] == display_name):
            return str(row["language"])
        self.tx.execute(
            "INSERT INTO users (id, language, display_name, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name",
            (user_id, language, display_name, self.tx.now()),
        )
        return str(row["language"]) if row is not None else language

    def get(self, user_id: int) -> User | None:
        row = self.tx.row("SELECT id, language, display_name FROM users WHERE id = ?", (user_id,))
        return User(row["id"], row["language"], row["display_name"]) if row else None

    def set_language(self, user_id: int, language: str) -> None:
        self.tx.execute("UPDATE users SET language = ? WHERE id = ?", (language, user_id))

    def current_project(self, user_id: int) -> int | None:
        row = self.tx.row("SELECT current_project FROM users WHERE id = ?", (user_id,))
        return row["current_project"] if row else None

    def set_current_project(self, user_id: int, project_id: int | None) -> None:
        self.tx.execute("UPDATE users SET current_project = ? WHERE id = ?", (project_id, user_id))


class Projects(Repository):
    def create(self, coordinator: int, document_language: str) -> Project:
        now = self.tx.now()
        cursor = self.tx.execute(
            "INSERT INTO projects (document_language, created_at) VALUES (?, ?)", (document_language, now)
        )
        project_id = int(cursor.lastrowid or 0)
        self.tx.execute(
            "INSERT INTO members (project_id, user_id, role, joined_at) VALUES (?, ?, 'coordinator', ?)",
            (project_id, coordinator, now),
        )
        self.tx.execute("UPDATE users SET current_project = ? WHERE id = ?", (project_id, coordinator))
        return Project(project_id, "", None, document_language)

    def get(self, project_id: int) -> Project | None:
        row = self.tx.row("SELECT id, name, kind, document_language FROM projects WHERE id = ?", (project_id,))
        return Project(row["id"], row["name"], row["kind"], row["document_language"]) if row else None

    def update(self, project_id: int, **fields: str | None) -> None:
        allowed = {"name", "kind", "document_language"}
        if not fields or set(fields) - allowed:
            raise ValueError(f"cannot update {set(fields) - allowed}")
        assignments = ", ".join(f"{name} = ?" for name in fields)
        self.tx.execute(f"UPDATE projects SET {assignments} WHERE id = ?", (*fields.values(), project_id))

    def of_user(self, user_id: int) -> list[tuple[Project, str]]:
        rows = self.tx.rows(
            "SELECT p.id, p.name, p.kind, p.document_language, m.role FROM projects p"
            " JOIN members m ON m.project_id = p.id WHERE m.user_id = ? ORDER BY p.id",
            (user_id,),
        )
        return [(Project(r["id"], r["name"], r["kind"], r["document_language"]), r["role"]) for r in rows]

    def letterhead(self, project_id: int) -> bytes | None:
        row = self.tx.row("SELECT letterhead FROM projects WHERE id = ?", (project_id,))
        return row["letterhead"] if row else None

    def set_letterhead(self, project_id: int, content: bytes | None) -> None:
        self.tx.execute("UPDATE projects SET letterhead = ? WHERE id = ?", (content, project_id))


class Members(Repository):
    def role(self, project_id: int, user_id: int) -> str | None:
        row = self.tx.row("SELECT role FROM members WHERE project_id = ? AND user_id = ?", (project_id, user_id))
        return str(row["role"]) if row else None

    def of(self, project_id: int) -> list[Member]:
        rows = self.tx.rows(
            "SELECT m.user_id, m.role, u.display_name, u.language FROM members m JOIN users u ON u.id = m.user_id"
            " WHERE m.project_id = ? ORDER BY m.role, m.joined_at",
            (project_id,),
        )
        return [Member(r["user_id"], r["display_name"], r["role"], r["language"]) for r in rows]

    def add(self, project_id: int, user_id: int, role: str) -> None:
        self.tx.execute(
            "INSERT INTO members (project_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)",
            (project_id, user_id, role, self.tx.now()),
        )

    def set_role(self, project_id: int, user_id: int, role: str) -> None:
        self.tx.execute("UPDATE members SET role = ? WHERE project_id = ? AND user_id = ?", (role, project_id, user_id))

    def remove(self, project_id: int, user_id: int) -> None:
        """Remove a member; their answers stay, their assignments and position go."""
        self.tx.execute("DELETE FROM members WHERE project_id = ? AND user_id = ?", (project_id, user_id))
        self.tx.execute("DELETE FROM assignments WHERE project_id = ? AND user_id = ?", (project_id, user_id))
        self.tx.execute("DELETE FROM sessions WHERE project_id = ? AND user_id = ?", (project_id, user_id))
        self.tx.execute(
            "UPDATE users SET current_project = NULL WHERE id = ? AND current_project = ?", (user_id, project_id)
        )

    def set_reminders_muted(self, project_id: int, user_id: int, muted: bool) -> None:
        self.tx.execute(
            "UPDATE members SET reminders_muted = ? WHERE project_id = ? AND user_id = ?",
            (int(muted), project_id, user_id),
        )

    def reminders_muted(self, project_id: int, user_id: int) -> bool:
        row = self.tx.row(
            "SELECT reminders_muted FROM members WHERE project_id = ? AND user_id = ?", (project_id, user_id)
        )
        return bool(row and row["reminders_muted"])


class Positions(Repository):
    """Where each person is in each project's conversation, as the engine's JSON."""

    def get(self, user_id: int, project_id: int) -> dict[str, Any] | None:
        row = self.tx.row("SELECT position FROM sessions WHERE user_id = ? AND project_id = ?", (user_id, project_id))
        return json.loads(row["position"]) if row else None

    def save(self, user_id: int, project_id: int, position: dict[str, Any]) -> None:
        self.tx.execute(
            "INSERT INTO sessions (user_id, project_id, position, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (user_id, project_id) DO UPDATE SET position = excluded.position,"
            " updated_at = excluded.updated_at",
            (user_id, project_id, json.dumps(position, ensure_ascii=False), self.tx.now()),
        )
