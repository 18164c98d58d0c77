"""Answers and their history, and how far a project has come (closed steps and stages, assignments).

The history keeps the values an answer replaced; the current value is in `answers`, so
nothing is stored twice.
"""

from __future__ import annotations

import json
from typing import Any

from bot.storage.records import Answer
from bot.storage.repository import Repository


class Answers(Repository):
    def of(self, project_id: int) -> dict[str, Answer]:
        rows = self.tx.rows(
            "SELECT question_id, value, author, answered_at FROM answers WHERE project_id = ?", (project_id,)
        )
        decode = self.tx.answer_cache.decode
        return {row[0]: Answer(row[0], decode(project_id, row[0], row[1], json.loads), row[2], row[3]) for row in rows}

    def save(self, project_id: int, question_id: str, value: Any, author: int) -> Answer:
        """Store an answer; the value it replaces (if any) goes to the history."""
        encoded = json.dumps(value, ensure_ascii=False, sort_keys=True)
        now = self.tx.now()
        self.tx.execute(
            "INSERT INTO answer_history (project_id, question_id, value, author, answered_at)"
            " SELECT project_id, question_id, value, author, answered_at FROM answers"
            " WHERE project_id = ? AND question_id = ?",
            (project_id, question_id),
        )
        self.tx.execute(
            "INSERT INTO answers (project_id, question_id, value, author, answered_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (project_id, question_id) DO UPDATE"
            " SET value = excluded.value, author = excluded.author, answered_at = excluded.answered_at",
            (project_id, question_id, encoded, author, now),
        )
        return Answer(question_id, value, author, now)

    def copy(self, source: int, target: int, question_ids: list[str], author: int) -> int:
        """Start a project from another one's answers (a second twinning); returns how many were copied."""
        copied = 0
        for answer in self.of(source).values():
            if answer.question_id in question_ids:
                self.save(target, answer.question_id, answer.value, author)
                copied += 1
        return copied

    def history(self, project_id: int, question_id: str) -> list[Answer]:
        """Every value the question had, oldest first, the current one last."""
        rows = self.tx.rows(
            "SELECT question_id, value, author, answered_at FROM answer_history"
            " WHERE project_id = ? AND question_id = ? ORDER BY id",
            (project_id, question_id),
        )
        rows += self.tx.rows(
            "SELECT question_id, value, author, answered_at FROM answers WHERE project_id = ? AND question_id = ?",
            (project_id, question_id),
        )
        return [Answer(r[0], json.loads(r[1]), r[2], r[3]) for r in rows]


class Progress(Repository):
    def closed_steps(self, project_id: int) -> set[str]:
        return {row[0] for row in self.tx.rows("SELECT step_id FROM closed_steps WHERE project_id = ?", (project_id,))}

    def close_step(self, project_id: int, step_id: str, user_id: int) -> None:
        self.tx.execute(
            "INSERT INTO closed_steps (project_id, step_id, closed_by, closed_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (project_id, step_id, user_id, self.tx.now()),
        )

    def closed_stages(self, project_id: int) -> set[int]:
        return {row[0] for row in self.tx.rows("SELECT stage FROM closed_stages WHERE project_id = ?", (project_id,))}

    def close_stage(self, project_id: int, stage: int, user_id: int) -> None:
        self.tx.execute(
            "INSERT INTO closed_stages (project_id, stage, closed_by, closed_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (project_id, stage, user_id, self.tx.now()),
        )

    def assignments(self, project_id: int) -> dict[str, int]:
        rows = self.tx.rows("SELECT step_id, user_id FROM assignments WHERE project_id = ?", (project_id,))
        return {row[0]: row[1] for row in rows}

    def assign(self, project_id: int, step_id: str, user_id: int, assigned_by: int) -> None:
        self.tx.execute(
            "INSERT INTO assignments (project_id, step_id, user_id, assigned_by, assigned_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (project_id, step_id) DO UPDATE SET user_id = excluded.user_id,"
            " assigned_by = excluded.assigned_by, assigned_at = excluded.assigned_at",
            (project_id, step_id, user_id, assigned_by, self.tx.now()),
        )
