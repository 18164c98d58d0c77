"""The translation round's translations, and who besides the coordinator and the partner may translate.

A translation belongs to one passage of one answer (the answer itself, a field of it, a field
of one entry of a list, the "Other…" text of a multiple choice) in one language, and keeps the
text it translates and the answer's version at that time. When the answer changes, the stored
source no longer matches: the translation is out of date, drafts do not use it, and the round
asks for it again.
"""

from __future__ import annotations

import sqlite3

from bot.storage.records import StoredTranslation
from bot.storage.repository import Repository


class Translations(Repository):
    def of(self, project_id: int, language: str) -> dict[tuple[str, str], StoredTranslation]:
        rows = self.tx.rows("SELECT * FROM translations WHERE project_id = ? AND language = ?", (project_id, language))
        return {(row["question_id"], row["part"]): _translation(row) for row in rows}

    def for_drafts(self, project_id: int) -> dict[str, dict[tuple[str, str], tuple[str, str]]]:
        """Per language, each passage's (source, translation), for the draft worker."""
        out: dict[str, dict[tuple[str, str], tuple[str, str]]] = {}
        for row in self.tx.rows("SELECT * FROM translations WHERE project_id = ?", (project_id,)):
            out.setdefault(row["language"], {})[(row["question_id"], row["part"])] = (row["source"], row["text"])
        return out

    def answer_version(self, project_id: int, question_id: str) -> int:
        """How many values the answer has had, the current one included (0 when it was never answered)."""
        row = self.tx.row(
            "SELECT (SELECT COUNT(*) FROM answer_history WHERE project_id = ? AND question_id = ?)"
            " + (SELECT COUNT(*) FROM answers WHERE project_id = ? AND question_id = ?)",
            (project_id, question_id, project_id, question_id),
        )
        return int(row[0]) if row else 0

    def save(
        self, project_id: int, question_id: str, part: str, language: str, source: str, text: str, user_id: int
    ) -> StoredTranslation:
        """Store (or replace) a passage's translation of `source`; a partner's own text counts as confirmed."""
        version = self.answer_version(project_id, question_id)
        now = self.tx.now()
        partner = self.tx.members.role(project_id, user_id) == "partner"
        self.tx.execute(
            "INSERT INTO translations (project_id, question_id, part, language, source, answer_version, text,"
            " translated_by, translated_at, confirmed_by, confirmed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (project_id, question_id, part, language) DO UPDATE SET source = excluded.source,"
            " answer_version = excluded.answer_version, text = excluded.text, translated_by = excluded.translated_by,"
            " translated_at = excluded.translated_at, confirmed_by = excluded.confirmed_by,"
            " confirmed_at = excluded.confirmed_at",
            (
                project_id,
                question_id,
                part,
                language,
                source,
                version,
                text,
                user_id,
                now,
                user_id if partner else None,
                now if partner else None,
            ),
        )
        return StoredTranslation(
            question_id, part, language, source, text, version, user_id, now, user_id if partner else None
        )

    def confirm(self, project_id: int, question_id: str, part: str, language: str, user_id: int) -> bool:
        """The partner's contact confirms a translation as it stands."""
        cursor = self.tx.execute(
            "UPDATE translations SET confirmed_by = ?, confirmed_at = ? WHERE project_id = ? AND question_id = ?"
            " AND part = ? AND language = ?",
            (user_id, self.tx.now(), project_id, question_id, part, language),
        )
        return cursor.rowcount == 1

    def translators(self, project_id: int) -> set[int]:
        """The members the coordinator named to translate (coordinators and partners always may)."""
        rows = self.tx.rows("SELECT user_id FROM members WHERE project_id = ? AND translates = 1", (project_id,))
        return {row[0] for row in rows}

    def set_translator(self, project_id: int, user_id: int, translates: bool) -> None:
        self.tx.execute(
            "UPDATE members SET translates = ? WHERE project_id = ? AND user_id = ?",
            (int(translates), project_id, user_id),
        )


def _translation(row: sqlite3.Row) -> StoredTranslation:
    return StoredTranslation(
        row["question_id"],
        row["part"],
        row["language"],
        row["source"],
        row["text"],
        row["answer_version"],
        row["translated_by"],
        row["translated_at"],
        row["confirmed_by"],
    )
