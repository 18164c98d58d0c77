"""A person's data (/mydata, /forgetme) and a project's whole record (/export, /deleteproject)."""

from __future__ import annotations

from typing import Any

from bot.storage.repository import Repository


class PersonalData(Repository):
    def _rows(self, sql: str, parameters: tuple[Any, ...]) -> list[dict[str, Any]]:
        return [dict(row) for row in self.tx.rows(sql, parameters)]

    def of_user(self, user_id: int) -> dict[str, Any]:
        """Everything stored about one person, for /mydata."""
        return {
            "user": self._rows("SELECT id, language, display_name, created_at FROM users WHERE id = ?", (user_id,)),
            "memberships": self._rows(
                "SELECT m.project_id, p.name AS project, m.role, m.joined_at, m.reminders_muted FROM members m"
                " JOIN projects p ON p.id = m.project_id WHERE m.user_id = ?",
                (user_id,),
            ),
            "answers": self._rows(
                "SELECT project_id, question_id, value, answered_at FROM answers WHERE author = ?", (user_id,)
            ),
            "answer_history": self._rows(
                "SELECT project_id, question_id, value, answered_at FROM answer_history WHERE author = ? ORDER BY id",
                (user_id,),
            ),
            "candidate_scores": self._rows(
                "SELECT project_id, candidate, scores, pros, cons, updated_at FROM candidate_scores WHERE user_id = ?",
                (user_id,),
            ),
            "ten_keys_checks": self._rows(
                "SELECT project_id, scores, created_at FROM health_checks WHERE user_id = ?", (user_id,)
            ),
            "positions": self._rows(
                "SELECT project_id, position, updated_at FROM sessions WHERE user_id = ?", (user_id,)
            ),
            "reminders": self._rows(
                "SELECT project_id, kind, due_at, sent_at FROM reminders WHERE user_id = ?", (user_id,)
            ),
            "assignments": self._rows(
                "SELECT project_id, step_id, assigned_at FROM assignments WHERE user_id = ?", (user_id,)
            ),
            "translations": self._rows(
                "SELECT project_id, question_id, part, language, text, translated_at FROM translations"
                " WHERE translated_by = ?",
                (user_id,),
            ),
            "drafts_naming_you": self._rows(
                "SELECT d.project_id, d.kind, d.language, d.format, d.version, d.created_at FROM documents d"
                " JOIN document_names n ON n.document_id = d.id WHERE n.user_id = ? ORDER BY d.id",
                (user_id,),
            ),
        }

    def forget(self, user_id: int) -> None:
        """Delete a person's personal data; their answers stay, attributed to a former member (author 0).

        The drafts that named them are rebuilt by the draft worker (see DraftJobs); the list of
        which drafts name whom goes with the person.
        """
        statements = [
            "UPDATE answers SET author = 0 WHERE author = ?",
            "UPDATE answer_history SET author = 0 WHERE author = ?",
            "UPDATE candidate_scores SET user_id = -abs(random()) WHERE user_id = ?",
            "UPDATE health_checks SET user_id = 0 WHERE user_id = ?",
            "UPDATE closed_steps SET closed_by = 0 WHERE closed_by = ?",
            "UPDATE closed_stages SET closed_by = 0 WHERE closed_by = ?",
            "UPDATE invites SET created_by = 0 WHERE created_by = ?",
            "UPDATE assignments SET assigned_by = 0 WHERE assigned_by = ?",
            "UPDATE group_chats SET linked_by = 0 WHERE linked_by = ?",
            "UPDATE draft_jobs SET requested_by = 0 WHERE requested_by = ?",
            "UPDATE translations SET translated_by = 0 WHERE translated_by = ?",
            "UPDATE translations SET confirmed_by = 0 WHERE confirmed_by = ?",
            "DELETE FROM draft_deliveries WHERE recipient_kind = 'user' AND recipient_id = ?",
            "DELETE FROM document_names WHERE user_id = ?",
            "DELETE FROM assignments WHERE user_id = ?",
            "DELETE FROM reminders WHERE user_id = ?",
            "DELETE FROM sessions WHERE user_id = ?",
            "DELETE FROM buttons WHERE user_id = ?",
            "DELETE FROM prompt_messages WHERE user_id = ?",
            "DELETE FROM members WHERE user_id = ?",
            "DELETE FROM users WHERE id = ?",
        ]
        for sql in statements:
            self.tx.execute(sql, (user_id,))

    def documents_naming(self, user_id: int) -> list[int]:
        """The ids of stored drafts that name the person (they answered, or scored a candidate)."""
        return [row[0] for row in self.tx.rows("SELECT document_id FROM document_names WHERE user_id = ?", (user_id,))]

    def export_project(self, project_id: int) -> dict[str, Any]:
        """A project's whole record (without the drafts' bytes), for the coordinator's export."""
        by_project = (project_id,)
        return {
            "project": self._rows(
                "SELECT id, name, kind, document_language, created_at FROM projects WHERE id = ?", by_project
            ),
            "members": self._rows(
                "SELECT m.user_id, u.display_name, m.role, m.joined_at FROM members m"
                " JOIN users u ON u.id = m.user_id WHERE m.project_id = ?",
                by_project,
            ),
            "answers": self._rows("SELECT * FROM answers WHERE project_id = ?", by_project),
            "answer_history": self._rows("SELECT * FROM answer_history WHERE project_id = ? ORDER BY id", by_project),
            "closed_steps": self._rows("SELECT * FROM closed_steps WHERE project_id = ?", by_project),
            "closed_stages": self._rows("SELECT * FROM closed_stages WHERE project_id = ?", by_project),
            "assignments": self._rows("SELECT * FROM assignments WHERE project_id = ?", by_project),
            "candidate_scores": self._rows("SELECT * FROM candidate_scores WHERE project_id = ?", by_project),
            "ten_keys_checks": self._rows("SELECT * FROM health_checks WHERE project_id = ?", by_project),
            "reminders": self._rows("SELECT * FROM reminders WHERE project_id = ?", by_project),
            "translations": self._rows("SELECT * FROM translations WHERE project_id = ?", by_project),
            "documents": self._rows(
                "SELECT stage, kind, language, format, version, checksum, created_at FROM documents"
                " WHERE project_id = ? ORDER BY stage, kind, version",
                by_project,
            ),
        }

    def delete_project(self, project_id: int) -> None:
        """Delete a project and everything in it (its members keep their other projects)."""
        for table in ("answer_history", "buttons"):
            self.tx.execute(f"DELETE FROM {table} WHERE project_id = ?", (project_id,))
        self.tx.execute("DELETE FROM projects WHERE id = ?", (project_id,))  # the rest cascades
