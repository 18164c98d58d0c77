"""Reminders: rows with a due time, handed out once by whoever asks which are due."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from bot.storage.records import Reminder
from bot.storage.repository import Repository


class Reminders(Repository):
    def schedule(
        self, project_id: int, user_id: int | None, kind: str, topic: str, due: datetime, payload: dict[str, Any]
    ) -> None:
        self.tx.execute(
            "INSERT INTO reminders (project_id, user_id, kind, topic, due_at, payload) VALUES (?, ?, ?, ?, ?, ?)",
            (project_id, user_id, kind, topic, due.isoformat(timespec="seconds"), json.dumps(payload)),
        )

    def cancel(self, project_id: int, topic: str) -> None:
        """Drop the pending reminders about a topic (a step that closed, dates that were changed)."""
        self.tx.execute(
            "DELETE FROM reminders WHERE project_id = ? AND topic = ? AND sent_at IS NULL", (project_id, topic)
        )

    def due(self) -> list[Reminder]:
        rows = self.tx.rows(
            "SELECT * FROM reminders WHERE sent_at IS NULL AND due_at <= ? ORDER BY due_at, id", (self.tx.now(),)
        )
        return [_reminder(row) for row in rows]

    def of(self, project_id: int) -> list[Reminder]:
        """The project's pending reminders, soonest first."""
        rows = self.tx.rows(
            "SELECT * FROM reminders WHERE project_id = ? AND sent_at IS NULL ORDER BY due_at, id", (project_id,)
        )
        return [_reminder(row) for row in rows]

    def mark_sent(self, reminder_id: int) -> None:
        self.tx.execute("UPDATE reminders SET sent_at = ? WHERE id = ?", (self.tx.now(), reminder_id))

    def last_reminded(self, user_id: int) -> str | None:
        row = self.tx.row("SELECT MAX(sent_at) FROM reminders WHERE user_id = ? AND kind = 'step'", (user_id,))
        return row[0] if row else None


def _reminder(row: sqlite3.Row) -> Reminder:
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
