"""The rows the storage hands out, as small frozen records (never live database rows)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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
    job_id: int | None = None


@dataclass(frozen=True)
class DraftJob:
    """Drafts to make and hand out: written with the event that asked for them, done by the draft worker.

    `reason` is "stage" (a stage was closed: the whole committee and its group chats get them),
    "remake" (new versions) or "language" (one draft in another language): those go to `requested_by`.
    """

    id: int
    project_id: int
    requested_by: int
    reason: str
    stage: int
    documents: list[str]
    language: str | None
    built_at: str | None


@dataclass(frozen=True)
class Recipient:
    """Who gets a job's drafts: a person ("user") or a linked group chat ("group")."""

    kind: str
    id: int
    language: str


@dataclass(frozen=True)
class StoredTranslation:
    """A passage of an answer in another language, and the text (and version) of the answer it translates."""

    question_id: str
    part: str  # "" for the answer itself, "field", "2.field" (entry 2 of a list) or "other"
    language: str
    source: str
    text: str
    answer_version: int  # how many values the answer had had when it was translated
    translated_by: int
    translated_at: str
    confirmed_by: int | None = None  # the partner's contact who confirmed the text in their language
