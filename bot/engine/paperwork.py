"""The drafts in the conversation: made when a stage closes, resent, remade, translated, on a letterhead.

A draft's language is chosen per document: partner-facing drafts take the partner's
working language when the bot can write it, the others the project's language, and any
draft can be made again in another language from /documents.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from bot.documents.docx_writer import LetterheadError, check_letterhead
from bot.documents.drafts import Draft, DraftRequest, Source, build, changes
from bot.documents.render import ProjectFacts
from bot.engine import prompts
from bot.engine.messages import Attachment, Button, Message, Upload
from bot.i18n import document_languages, language_name
from bot.plan.models import Document

if TYPE_CHECKING:
    from bot.engine.engine import Engine, Turn

MENUS = {"documents", "document_language", "default_language", "template"}


def language_of(document: Document, values: dict[str, Any], project_language: str) -> str:
    """Partner-facing drafts in the partner's language when the bot can write it."""
    partner = values.get("partner_language")
    if document.audience == "partner" and partner in document_languages():
        return str(partner)
    return project_language


async def _request(engine: Engine, turn: Turn) -> DraftRequest:
    standing = turn.standing
    sources = {qid: Source(turn.name_of(a.author), a.answered_at) for qid, a in turn.answers.items()}
    facts = ProjectFacts(turn.project.name, str(standing.values.get("country") or ""), turn.project.kind or "")
    letterhead = await engine.store.letterhead(turn.project.id)
    scores = await engine.store.latest_health_check(turn.project.id)
    member_scores = await engine.store.candidate_scores(turn.project.id)
    return DraftRequest(
        engine.plan,
        standing.values,
        standing.kind,
        facts,
        sources,
        engine.today(),
        letterhead,
        scores or {},
        member_scores,
    )


async def make(engine: Engine, turn: Turn, documents: list[Document], language: str | None = None) -> Message:
    """Build, store and hand over drafts (DOCX and PDF); say what changed since an earlier version."""
    t = turn.t
    request = await _request(engine, turn)
    files: list[Attachment] = []
    notes: list[str] = []
    earlier = {
        (d.kind, d.language): d for d in await engine.store.latest_documents(turn.project.id) if d.format == "docx"
    }
    for document in documents:
        chosen = language or language_of(document, request.values, turn.project.document_language)
        partner = request.values.get("partner_language")
        also = partner if document.bilingual and partner in document_languages() and partner != chosen else None
        version = await engine.store.next_version(turn.project.id, document.id, chosen, "docx")
        draft = await asyncio.to_thread(build, request, document, chosen, version, also)  # keeps the bot responsive
        for extension, content in (("docx", draft.docx), ("pdf", draft.pdf)):
            await engine.store.save_document(
                turn.project.id, document.stage, document.id, chosen, extension, content, draft.sources, version
            )
        caption = t.gettext("{title}, version {version}").format(title=draft.title, version=version)
        files += [
            Attachment(draft.filename("docx"), draft.docx, caption),
            Attachment(draft.filename("pdf"), draft.pdf, caption),
        ]
        previous = earlier.get((document.id, chosen))
        if previous is not None:
            notes.append(_what_changed(engine, turn, draft, previous.version, previous.sources))
    return Message("\n".join(notes), files=files)


def _what_changed(engine: Engine, turn: Turn, draft: Draft, previous: int, before: dict[str, Any]) -> str:
    t = turn.t
    changed = changes(before, draft.sources)
    if not changed:
        return t.gettext("{title}, version {version}: no answer changed since version {previous}.").format(
            title=draft.title, version=draft.version, previous=previous
        )
    questions = engine.plan.questions()
    names = "; ".join(prompts.say(t, questions[qid].text, turn.standing.kind) for qid in changed if qid in questions)
    return t.gettext("{title}, version {version}: changed since version {previous}: {questions}").format(
        title=draft.title, version=draft.version, previous=previous, questions=names
    )


async def send_stored(engine: Engine, turn: Turn, every_version: bool) -> Message:
    """The drafts made so far: the latest version of each, or every version."""
    t = turn.t
    load = engine.store.all_documents if every_version else engine.store.latest_documents
    stored = await load(turn.project.id)
    if not stored:
        return Message(t.gettext("No drafts yet: they are made when a stage is closed."))
    titles = {d.id: prompts.say(t, d.title, turn.standing.kind) for d in engine.plan.documents}
    files = [
        Attachment(
            f"{d.kind}_v{d.version}_{d.language}.{d.format}",
            d.content,
            t.gettext("{title}, version {version}").format(title=titles.get(d.kind, d.kind), version=d.version),
        )
        for d in stored
    ]
    text = t.ngettext("{count} file:", "{count} files:", len(files)).format(count=len(files))
    if not every_version:
        text += " " + t.gettext("(the latest version of each; /documents all for the older ones too)")
    return Message(text, files=files)


async def open_documents(engine: Engine, turn: Turn, argument: str) -> list[Message]:
    sent = await send_stored(engine, turn, every_version=argument == "all")
    turn.position = {"at": "menu", "menu": "documents", "return": engine._resume_point(turn.position)}
    return [sent, *await engine._show(turn)]


async def open_template(engine: Engine, turn: Turn) -> list[Message]:
    if not turn.coordinator:
        return [Message(turn.t.gettext("Only the coordinator can do that.")), *await engine._show(turn)]
    turn.position = {"at": "menu", "menu": "template", "return": engine._resume_point(turn.position)}
    return await engine._show(turn)


async def menu(engine: Engine, turn: Turn) -> Message | None:
    t, name = turn.t, turn.position["menu"]
    cancel = " " + t.gettext("(/cancel to go back)")
    if name == "documents":
        buttons = []
        if turn.coordinator:
            remake = t.gettext("Make new versions of the stage {number} drafts")
            buttons += [Button(remake.format(number=s), f"remake:{s}") for s in sorted(turn.closed_stages)]
            current = language_name(turn.project.document_language)
            buttons.append(
                Button(
                    t.gettext("Usual language of the drafts: {language}").format(language=current), "default_language"
                )
            )
        if await engine.store.latest_documents(turn.project.id):
            buttons.append(Button(t.gettext("A draft in another language"), "language"))
        return Message(t.gettext("What else can I do with the drafts?") + cancel, buttons, expects="choice")
    if name == "default_language":
        buttons = [Button(language_name(code), f"lang:{code}") for code in document_languages()]
        text = t.gettext("In which language should I write the drafts from now on?")
        return Message(text + cancel, buttons, expects="choice")
    if name == "document_language":
        document = turn.position.get("arg")
        if document is None:
            made = {d.kind for d in await engine.store.latest_documents(turn.project.id)}
            buttons = [
                Button(prompts.say(t, d.title, turn.standing.kind), f"doc:{d.id}")
                for d in engine.plan.documents
                if d.id in made
            ]
            return Message(t.gettext("Which draft?") + cancel, buttons, expects="choice")
        buttons = [Button(language_name(code), f"lang:{code}") for code in document_languages()]
        return Message(t.gettext("In which language?") + cancel, buttons, expects="choice")
    if name == "template":
        has_one = await engine.store.letterhead(turn.project.id) is not None
        text = t.gettext(
            "Send me your municipality's Word document (.docx) with its letterhead, header and footer: all DOCX "
            "drafts will be made on it."
        )
        buttons = [Button(t.gettext("Stop using our letterhead"), "remove")] if has_one else []
        return Message(text + cancel, buttons, expects="text")
    return None


async def choose(engine: Engine, turn: Turn, value: str) -> list[Message]:
    t, name = turn.t, turn.position["menu"]
    back = turn.position.get("return", {"at": "start"})
    offered = await menu(engine, turn)
    if offered is None or value not in {b.value for b in offered.buttons}:
        return [engine._not_now(turn, None), *await engine._show(turn)]
    kind, _, choice = value.partition(":")
    out: list[Message] = []
    if name == "documents" and kind == "remake" and turn.coordinator:
        out.append(await make(engine, turn, engine.plan.documents_of(int(choice))))
    elif name == "documents" and value == "default_language" and turn.coordinator:
        turn.position = {"at": "menu", "menu": "default_language", "return": back}
        return await engine._show(turn)
    elif name == "default_language" and kind == "lang" and turn.coordinator:
        await engine.store.update_project(turn.project.id, document_language=choice)
        turn.project = await engine.store.project(turn.project.id) or turn.project
        done = t.gettext("From now on the drafts are written in {language}.").format(language=language_name(choice))
        out.append(Message(done))
    elif name == "documents" and kind == "language":
        turn.position = {"at": "menu", "menu": "document_language", "return": back}
        return await engine._show(turn)
    elif name == "document_language" and kind == "doc":
        turn.position = {"at": "menu", "menu": "document_language", "arg": choice, "return": back}
        return await engine._show(turn)
    elif name == "document_language" and kind == "lang":
        document = next(d for d in engine.plan.documents if d.id == turn.position["arg"])
        out.append(await make(engine, turn, [document], language=choice))
    elif name == "template" and value == "remove":
        await engine.store.set_letterhead(turn.project.id, None)
        out.append(Message(t.gettext("The drafts are made on a plain page again.")))
    turn.position = back
    return out + await engine._show(turn)


async def upload(engine: Engine, turn: Turn, event: Upload) -> list[Message]:
    """A file sent to the bot: a letterhead when /template asked for one, otherwise a hint."""
    t = turn.t
    if turn.position.get("menu") != "template" or not turn.coordinator:
        return [Message(t.gettext("If this is your letterhead, send /template first.")), *await engine._show(turn)]
    try:
        check_letterhead(event.content)
    except LetterheadError:
        text = t.gettext("That file is not a Word document (.docx) I can use. Save it as .docx and send it again.")
        return [Message(text), *await engine._show(turn)]
    await engine.store.set_letterhead(turn.project.id, event.content)
    turn.position = turn.position.get("return", {"at": "start"})
    text = t.gettext("Thank you: from now on the DOCX drafts are made on your letterhead.")
    return [Message(text), *await engine._show(turn)]
