"""What members judged: the ten-keys self-assessments and the scores they gave candidate partners."""

from __future__ import annotations

import json
from typing import Any

from bot.storage.repository import Repository


class Assessments(Repository):
    def save_health_check(self, project_id: int, user_id: int, scores: dict[str, int]) -> None:
        self.tx.execute(
            "INSERT INTO health_checks (project_id, user_id, scores, created_at) VALUES (?, ?, ?, ?)",
            (project_id, user_id, json.dumps(scores), self.tx.now()),
        )

    def latest_health_check(self, project_id: int) -> dict[str, int] | None:
        row = self.tx.row(
            "SELECT scores FROM health_checks WHERE project_id = ? ORDER BY id DESC LIMIT 1", (project_id,)
        )
        return json.loads(row[0]) if row else None

    def save_candidate_scores(
        self, project_id: int, candidate: str, user_id: int, scores: dict[str, int], pros: str, cons: str
    ) -> None:
        """One member's scores for one candidate; scoring again replaces them."""
        self.tx.execute(
            "INSERT INTO candidate_scores (project_id, candidate, user_id, scores, pros, cons, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (project_id, candidate, user_id) DO UPDATE SET"
            " scores = excluded.scores, pros = excluded.pros, cons = excluded.cons, updated_at = excluded.updated_at",
            (project_id, candidate, user_id, json.dumps(scores), pros, cons, self.tx.now()),
        )

    def candidate_scores(self, project_id: int) -> dict[str, list[dict[str, Any]]]:
        """Per candidate, every member's score set, with their pros, cons and who they are."""
        rows = self.tx.rows(
            "SELECT c.*, u.display_name FROM candidate_scores c LEFT JOIN users u ON u.id = c.user_id"
            " WHERE c.project_id = ? ORDER BY c.candidate, c.user_id",
            (project_id,),
        )
        found: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            notes = {"_name": row["display_name"] or "", "_pros": row["pros"], "_cons": row["cons"]}
            found.setdefault(row["candidate"], []).append(json.loads(row["scores"]) | notes)
        return found
