"""Drafts as jobs: asked for inside an event's transaction, made off the event loop, handed out once each.

Making a stage's drafts takes a second or more, so no event waits for it. The event that
closes a stage (or asks for new versions, or a draft in another language) writes a job row
with its recipients, in its own transaction. The `DraftWorker` then gathers what the job
needs in one read, builds the files in an executor (a process on Telegram, so the bot
answers everyone else meanwhile), stores them with the job, and sends them to each
recipient, recording every delivery. After a crash it continues with whatever is open:
a job not built is built, a recipient not served is served, and nobody gets a file twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.documents.drafts import Draft, DraftRequest, Source, changes
from bot.documents.render import ProjectFacts, Translation
from bot.engine import prompts
from bot.engine.flow import Standing
from bot.engine.messages import Attachment, Message
from bot.engine.turn import Turn
from bot.i18n import Translator, document_languages, translator
from bot.plan.models import Document, Kind, Plan, pick
from bot.storage.database import Database, Tx
from bot.storage.records import DraftJob, Recipient, StoredDocument

log = logging.getLogger(__name__)

Send = Callable[[Recipient, Message], Awaitable[bool]]  # True: delivered (or never deliverable): do not retry


def request(turn: Turn, reason: str, stage: int, documents: list[Document], language: str | None = None) -> None:
    """Write a draft job in this event's transaction: a stage's drafts go to the whole committee."""
    project = turn.project.id
    if reason == "stage":
        recipients = [Recipient("user", m.user_id, m.language) for m in turn.members.values()]
        recipients += [Recipient("group", chat, turn.project.document_language) for chat in turn.db.groups.of(project)]
    else:
        recipients = [Recipient("user", turn.user, turn.t.language)]
    turn.db.draft_jobs.add(project, turn.user, reason, stage, [d.id for d in documents], recipients, language)
    turn.db.drafts_requested = True


def rebuild_naming(db: Tx, user_id: int) -> bool:
    """Before a person is forgotten: a job that rebuilds, in place, every stored draft that names them."""
    by_project: dict[int, list[str]] = {}
    for row in db.rows(
        "SELECT d.project_id, d.id FROM documents d JOIN document_names n ON n.document_id = d.id WHERE n.user_id = ?",
        (user_id,),
    ):
        by_project.setdefault(row[0], []).append(str(row[1]))
    for project, documents in by_project.items():
        db.draft_jobs.add(project, 0, "forget", 0, documents, [])
    db.drafts_requested = db.drafts_requested or bool(by_project)
    return bool(by_project)


# the worker's side


@dataclass(frozen=True)
class Spec:
    """One draft to build: which document, in which language, as which version, and the second language."""

    document: Document
    language: str
    version: int
    also: str | None
    replaces: tuple[int, ...] = ()  # rows rebuilt in place (a forgotten person's name taken out)

    @property
    def code(self) -> str:
        """The language part of the file name: "nl", or "nl-es" for a draft in two languages."""
        return f"{self.language}-{self.also}" if self.also else self.language


@dataclass(frozen=True)
class Built:
    spec: Spec
    title: str
    docx: bytes
    pdf: bytes
    sources: dict[str, Any]
    named: tuple[int, ...]  # the people whose names the draft prints

    def filename(self, extension: str) -> str:
        return f"{self.spec.document.id}_v{self.spec.version}_{self.spec.code}.{extension}"


@dataclass(frozen=True)
class Work:
    """Everything a job needs to be built, gathered in one read; it crosses into the worker process."""

    request: DraftRequest
    specs: list[Spec]
    people: dict[int, str]


def build(work: Work) -> list[Built]:
    """Runs in the executor (another process on Telegram): render every draft of a job."""
    from bot.documents.drafts import build as build_draft  # python-docx and fpdf2 load only here

    out = []
    for spec in work.specs:
        draft: Draft = build_draft(work.request, spec.document, spec.language, spec.version, spec.also)
        named = tuple(sorted(uid for uid, name in work.people.items() if name and name in draft.markdown))
        out.append(Built(spec, draft.title, draft.docx, draft.pdf, draft.sources, named))
    return out


def _gather(db: Tx, plan: Plan, today: date, job: DraftJob) -> Work | None:
    """The job's drafts and the project's answers as they are now (None when the project is gone)."""
    project = db.projects.get(job.project_id)
    if project is None:
        return None
    answers = db.answers.of(job.project_id)
    members = {m.user_id: m.name for m in db.members.of(job.project_id)}
    values = {qid: a.value for qid, a in answers.items()}
    kind = Standing(plan, values, frozenset(), frozenset()).kind
    sources = {
        qid: Source(members.get(a.author) or _former(a.author, project.document_language), a.answered_at)
        for qid, a in answers.items()
    }
    specs = _specs(db, plan, job, values, project.document_language)
    if job.reason == "forget":
        values = _forgotten_values(db, job)
    facts = ProjectFacts(project.name, str(values.get("country") or ""), project.kind or "")
    request = DraftRequest(
        plan,
        values,
        kind,
        facts,
        sources,
        today,
        db.projects.letterhead(job.project_id),
        db.assessments.latest_health_check(job.project_id) or {},
        db.assessments.candidate_scores(job.project_id),
        answer_language=project.document_language,
        translations={
            language: {key: Translation(*pair) for key, pair in passages.items()}
            for language, passages in db.translations.for_drafts(job.project_id).items()
        },
    )
    return Work(request, specs, members)  # scorers are members: their names are among these


def _former(author: int, language: str) -> str:
    t = translator(language)
    return t.gettext("a former member") if author == 0 else t.gettext("a committee member")


def _specs(db: Tx, plan: Plan, job: DraftJob, values: dict[str, Any], project_language: str) -> list[Spec]:
    documents = {d.id: d for d in plan.documents}
    if job.reason == "forget":
        rows = [db.row("SELECT * FROM documents WHERE id = ?", (int(i),)) for i in job.documents]
        out: dict[tuple[str, str, int], list[int]] = {}
        for row in rows:
            if row is not None and row["kind"] in documents:
                out.setdefault((row["kind"], row["language"], row["version"]), []).append(row["id"])
        rebuilt = []
        for (kind, code, version), ids in out.items():
            first, _, second = code.partition("-")
            rebuilt.append(Spec(documents[kind], first, version, second or None, tuple(ids)))
        return rebuilt
    specs = []
    for document_id in job.documents:
        document = documents.get(document_id)
        if document is None:
            continue
        chosen = job.language or language_of(document, values, project_language)
        also: str | None = None if job.language else _also(document, values, chosen)  # one language asked: only it
        spec = Spec(document, chosen, 0, also)
        version = db.documents.next_version(job.project_id, document.id, spec.code, "docx")
        specs.append(Spec(document, chosen, version, also))
    return specs


def _forgotten_values(db: Tx, job: DraftJob) -> dict[str, Any]:
    """A rebuilt draft says what it said: the answers it was built from, kept with it."""
    values: dict[str, Any] = {}
    for document_id in job.documents:
        row = db.row("SELECT sources FROM documents WHERE id = ?", (int(document_id),))
        if row is not None:
            values |= json.loads(row[0])
    return values


def language_of(document: Document, values: dict[str, Any], project_language: str) -> str:
    """Partner-facing drafts in the partner's language when the bot can write it; a bilingual one starts in ours."""
    partner = values.get("partner_language")
    if document.partner_facing and not document.bilingual and partner in document_languages():
        return str(partner)
    return project_language


def _also(document: Document, values: dict[str, Any], chosen: str) -> str | None:
    """The second language of a bilingual draft (the partner's), when it differs from the first."""
    partner = values.get("partner_language")
    if document.bilingual and partner in document_languages() and partner != chosen:
        return str(partner)
    return None


def _store(db: Tx, plan: Plan, job: DraftJob, built: list[Built], kind: Kind | None) -> None:
    """Keep the files with the job (or in place of the rows they rebuild), and what changed since before."""
    notes = []
    requester = db.users.get(job.requested_by)
    t = translator(requester.language if requester else "en")
    earlier = {(d.kind, d.language): d for d in db.documents.latest(job.project_id) if d.format == "docx"}
    for draft in built:
        spec = draft.spec
        if spec.replaces:
            _replace(db, spec.replaces, draft)
            continue
        previous = earlier.get((spec.document.id, spec.code))
        for extension, content in (("docx", draft.docx), ("pdf", draft.pdf)):
            stored = db.documents.save(
                job.project_id, spec.document.stage, spec.document.id, spec.code, extension, content,
                draft.sources, spec.version, job.id,
            )  # fmt: skip
            _name(db, stored, job.project_id, draft.named)
        if previous is not None and job.reason != "stage":
            notes.append(_what_changed(plan, t, draft, previous, kind))
    db.draft_jobs.mark_built(job.id, "\n".join(notes))


def _replace(db: Tx, rows: tuple[int, ...], draft: Built) -> None:
    for row_id in rows:
        row = db.row("SELECT format FROM documents WHERE id = ?", (row_id,))
        if row is None:
            continue
        content = draft.docx if row[0] == "docx" else draft.pdf
        db.execute(
            "UPDATE documents SET content = ?, checksum = ? WHERE id = ?",
            (content, hashlib.sha256(content).hexdigest(), row_id),
        )
        db.execute("DELETE FROM document_names WHERE document_id = ?", (row_id,))
        db.execute_many(
            "INSERT INTO document_names (document_id, user_id) VALUES (?, ?)", [(row_id, u) for u in draft.named]
        )


def _name(db: Tx, stored: StoredDocument, project_id: int, named: tuple[int, ...]) -> None:
    row = db.row(
        "SELECT id FROM documents WHERE project_id = ? AND kind = ? AND language = ? AND format = ? AND version = ?",
        (project_id, stored.kind, stored.language, stored.format, stored.version),
    )
    if row is not None:
        db.execute_many(
            "INSERT OR IGNORE INTO document_names (document_id, user_id) VALUES (?, ?)",
            [(row[0], u) for u in named if u > 0],
        )


def _what_changed(plan: Plan, t: Translator, draft: Built, previous: StoredDocument, kind: Kind | None) -> str:
    changed = changes(previous.sources, draft.sources)
    if not changed:
        return str(
            t.gettext("{title}, version {version}: no answer changed since version {previous}.").format(
                title=draft.title, version=draft.spec.version, previous=previous.version
            )
        )
    questions = plan.questions()
    names = "; ".join(prompts.say(t, questions[qid].text, kind) for qid in changed if qid in questions)
    return str(
        t.gettext("{title}, version {version}: changed since version {previous}: {questions}").format(
            title=draft.title, version=draft.spec.version, previous=previous.version, questions=names
        )
    )


def message_for(db: Tx, plan: Plan, job: DraftJob, recipient: Recipient) -> Message | None:
    """What one recipient gets: the job's files, with a caption and a line in their language."""
    project = db.projects.get(job.project_id)
    if project is None:
        return None
    t = translator(recipient.language)
    note, failed = db.draft_jobs.note(job.id)
    if failed:
        text = t.gettext(
            "Sorry, I could not make the drafts. Your answers are safe; the problem is logged for the maintainer."
        )
        return Message(text)
    titles = {d.id: t.translate(pick(d.title, _kind(project.kind))) for d in plan.documents}
    stored = db.documents.of_job(job.id)
    if recipient.kind == "user" and db.members.role(job.project_id, recipient.id) == "partner":
        facing = {d.id for d in plan.documents if d.partner_facing}
        stored = [d for d in stored if d.kind in facing]  # the partner's contact gets no internal draft
        if not stored:
            return None
    files = attachments(stored, titles, t)
    if job.reason != "stage":
        return Message(note, files=files)
    if recipient.kind == "user" and recipient.id == job.requested_by:
        text = t.gettext("Stage {number}: here are its drafts to discuss with the committee:")
    else:
        closer = db.users.get(job.requested_by)
        text = t.gettext("{project}: stage {number} was closed by {name}. Here are its drafts:").format(
            project=project.name or t.gettext("a new project"),
            number="{number}",
            name=closer.name if closer and closer.name else t.gettext("a committee member"),
        )
    return Message(text.format(number=job.stage), files=files, project=job.project_id)


def attachments(stored: list[StoredDocument], titles: dict[str, str], t: Translator) -> list[Attachment]:
    """Stored drafts as files to hand over, each captioned with its title and version."""
    return [
        Attachment(
            f"{d.kind}_v{d.version}_{d.language}.{d.format}",
            d.content,
            t.gettext("{title}, version {version}").format(title=titles.get(d.kind, d.kind), version=d.version),
        )
        for d in stored
    ]


def _kind(value: str | None) -> Kind | None:
    return Kind(value) if value in {k.value for k in Kind} else None


class DraftWorker:
    """Builds and hands out draft jobs, one at a time, until none is open; `wake()` when one was written."""

    def __init__(
        self,
        db: Database,
        plan: Plan,
        send: Send,
        today: Callable[[], date] = date.today,
        executor: Executor | None = None,
        retry_after: float = 30.0,
    ) -> None:
        self.db = db
        self.plan = plan
        self.send = send
        self.today = today
        self.executor = executor  # None: a thread of the event loop's default pool
        self.retry_after = retry_after
        self._wake = asyncio.Event()
        self.finished = asyncio.Event()  # set whenever no job is open (tests wait for it)

    def wake(self) -> None:
        self.finished.clear()
        self._wake.set()

    @property
    def woken(self) -> bool:
        """A job was written since the worker last finished (the terminal then makes the drafts at once)."""
        return self._wake.is_set()

    async def run(self) -> None:
        """Serve forever: at start (what a crash left open), whenever woken, and now and then to retry."""
        while True:
            try:
                await self.finish_open()
            except Exception:  # a bug must not stop the worker for everyone; the job stays open
                log.exception("the draft worker failed; it tries again later")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.retry_after)

    async def finish_open(self) -> None:
        """Build and deliver every open job; a recipient that cannot be reached now is tried again later."""
        self._wake.clear()
        tried: set[int] = set()
        while True:
            job = await self.db.run(lambda tx: tx.draft_jobs.next_open_excluding(tried))
            if job is None:
                self.finished.set()
                return
            tried.add(job.id)
            if job.built_at is None:
                await self._build(job)
            await self._deliver(job)

    async def _build(self, job: DraftJob) -> None:
        work = await self.db.run(lambda tx: _gather(tx, self.plan, self.today(), job))
        if work is None:
            await self.db.run(lambda tx: tx.draft_jobs.mark_built(job.id, failed=False))
            return
        loop = asyncio.get_running_loop()
        try:
            built = await loop.run_in_executor(self.executor, build, work)
        except Exception:
            log.exception("making drafts failed (job %s)", job.id)
            await self.db.run(lambda tx: tx.draft_jobs.mark_built(job.id, failed=True))
            return
        await self.db.run(lambda tx: _store(tx, self.plan, job, built, work.request.kind))

    async def _deliver(self, job: DraftJob) -> None:
        recipients = await self.db.run(lambda tx: tx.draft_jobs.undelivered(job.id))
        for recipient in recipients:
            message = await self.db.run(lambda tx, r=recipient: message_for(tx, self.plan, job, r))  # type: ignore[misc]
            delivered = message is None or await self.send(recipient, message)
            if not delivered:
                continue  # tried again at the next round
            await self.db.run(lambda tx, r=recipient: tx.draft_jobs.mark_delivered(job.id, r))  # type: ignore[misc]
