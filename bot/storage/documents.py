"""Drafts: every stored version, and the jobs that make and hand them out (an outbox).

Closing a stage writes a draft job in the same transaction as the closing; the draft worker
builds the files, stores them with the job, and records each recipient's delivery, so a
crash at any point is finished after the restart and nobody gets a file twice.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import Any

from bot.storage.records import DraftJob, Recipient, StoredDocument
from bot.storage.repository import Repository


class Documents(Repository):
    def save(
        self,
        project_id: int,
        stage: int,
        kind: str,
        language: str,
        fmt: str,
        content: bytes,
        sources: dict[str, Any] | None = None,
        version: int | None = None,
        job_id: int | None = None,
    ) -> StoredDocument:
        """Store a new version of a draft; the version counts per kind, language and format."""
        version = version or self.next_version(project_id, kind, language, fmt)
        checksum = hashlib.sha256(content).hexdigest()
        now = self.tx.now()
        self.tx.execute(
            "INSERT INTO documents (project_id, stage, kind, language, format, version, content, checksum,"
            " sources, created_at, job_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                job_id,
            ),
        )
        return StoredDocument(kind, stage, language, fmt, version, content, checksum, now, sources or {}, job_id)

    def all(self, project_id: int) -> list[StoredDocument]:
        rows = self.tx.rows("SELECT * FROM documents WHERE project_id = ? ORDER BY stage, kind, version", (project_id,))
        return [_document(row) for row in rows]

    def latest(self, project_id: int) -> list[StoredDocument]:
        rows = self.tx.rows(
            "SELECT * FROM documents d WHERE project_id = ? AND version = (SELECT MAX(version) FROM documents"
            " WHERE project_id = d.project_id AND kind = d.kind AND language = d.language AND format = d.format)"
            " ORDER BY stage, id",
            (project_id,),
        )
        return [_document(row) for row in rows]

    def count_latest(self, project_id: int) -> int:
        row = self.tx.row(
            "SELECT COUNT(*) FROM (SELECT DISTINCT kind, language, format FROM documents WHERE project_id = ?)",
            (project_id,),
        )
        return int(row[0]) if row else 0

    def of_job(self, job_id: int) -> list[StoredDocument]:
        return [
            _document(row) for row in self.tx.rows("SELECT * FROM documents WHERE job_id = ? ORDER BY id", (job_id,))
        ]

    def next_version(self, project_id: int, kind: str, language: str, fmt: str) -> int:
        row = self.tx.row(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM documents WHERE project_id = ? AND kind = ? AND language = ?"
            " AND format = ?",
            (project_id, kind, language, fmt),
        )
        return int(row[0]) if row else 1


class DraftJobs(Repository):
    def add(
        self,
        project_id: int,
        requested_by: int,
        reason: str,
        stage: int,
        documents: list[str],
        recipients: list[Recipient],
        language: str | None = None,
    ) -> int:
        cursor = self.tx.execute(
            "INSERT INTO draft_jobs (project_id, requested_by, reason, stage, documents, language, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (project_id, requested_by, reason, stage, json.dumps(documents), language, self.tx.now()),
        )
        job_id = int(cursor.lastrowid or 0)
        self.tx.execute_many(
            "INSERT INTO draft_deliveries (job_id, recipient_kind, recipient_id, language) VALUES (?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            [(job_id, r.kind, r.id, r.language) for r in recipients],
        )
        return job_id

    def next_open_excluding(self, seen: set[int]) -> DraftJob | None:
        """The oldest job not yet built, or not yet delivered to everyone, that is not in `seen`."""
        rows = self.tx.rows(
            "SELECT * FROM draft_jobs j WHERE built_at IS NULL OR EXISTS (SELECT 1 FROM draft_deliveries d"
            " WHERE d.job_id = j.id AND d.delivered_at IS NULL) ORDER BY id"
        )
        return next((_job(row) for row in rows if row["id"] not in seen), None)

    def unbuilt_stages(self, project_id: int) -> set[int]:
        """Stages whose drafts are still being made (for "being prepared" in /documents)."""
        rows = self.tx.rows("SELECT stage FROM draft_jobs WHERE project_id = ? AND built_at IS NULL", (project_id,))
        return {row[0] for row in rows}

    def mark_built(self, job_id: int, note: str = "", failed: bool = False) -> None:
        self.tx.execute(
            "UPDATE draft_jobs SET built_at = ?, note = ?, failed = ? WHERE id = ?",
            (self.tx.now(), note, int(failed), job_id),
        )

    def note(self, job_id: int) -> tuple[str, bool]:
        row = self.tx.row("SELECT note, failed FROM draft_jobs WHERE id = ?", (job_id,))
        return (str(row[0]), bool(row[1])) if row else ("", False)

    def undelivered(self, job_id: int) -> list[Recipient]:
        rows = self.tx.rows(
            "SELECT recipient_kind, recipient_id, language FROM draft_deliveries"
            " WHERE job_id = ? AND delivered_at IS NULL ORDER BY recipient_kind DESC, recipient_id",
            (job_id,),
        )
        return [Recipient(r[0], r[1], r[2]) for r in rows]

    def mark_delivered(self, job_id: int, recipient: Recipient) -> None:
        self.tx.execute(
            "UPDATE draft_deliveries SET delivered_at = ? WHERE job_id = ? AND recipient_kind = ? AND recipient_id = ?",
            (self.tx.now(), job_id, recipient.kind, recipient.id),
        )


def _document(row: sqlite3.Row) -> StoredDocument:
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
        row["job_id"],
    )


def _job(row: sqlite3.Row) -> DraftJob:
    return DraftJob(
        row["id"],
        row["project_id"],
        row["requested_by"],
        row["reason"],
        row["stage"],
        json.loads(row["documents"]),
        row["language"],
        row["built_at"],
    )
