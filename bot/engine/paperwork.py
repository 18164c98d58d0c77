"""The drafts in the conversation: made when a stage closes, resent, remade, translated, on a letterhead.

A draft's language is chosen per document: partner-facing drafts take the partner's
working language when the bot can write it, the others the project's language, and any
draft can be made again in another language from /documents.
"""

from __future__ import annotations

from bot.engine import drafting, prompts
from bot.engine.messages import Button, Message, Upload
from bot.engine.state import AtMenu, resume_point
from bot.engine.turn import Conversation, Turn
from bot.i18n import document_languages, language_name
from bot.plan.models import Document

MENUS = {"documents", "document_language", "default_language", "template"}


def make(turn: Turn, documents: list[Document], language: str | None = None) -> Message:
    """Ask the draft worker for new versions (or another language): they follow in a moment."""
    stage = max((d.stage for d in documents), default=0)
    drafting.request(turn, "language" if language else "remake", stage, documents, language)
    return Message(turn.t.gettext("I am making the drafts now; they follow in a moment."))


def send_stored(conv: Conversation, turn: Turn, every_version: bool) -> Message:
    """The drafts made so far: the latest version of each, or every version."""
    t = turn.t
    stored = turn.db.documents.all(turn.project.id) if every_version else turn.db.documents.latest(turn.project.id)
    if turn.partner:  # the partner's contact sees the drafts for the partner, nothing internal
        facing = {d.id for d in conv.plan.documents if d.partner_facing}
        stored = [d for d in stored if d.kind in facing]
    preparing = sorted(turn.db.draft_jobs.unbuilt_stages(turn.project.id))
    being_made = [
        t.gettext("The drafts of stage {number} are being prepared; they follow in a moment.").format(number=stage)
        for stage in preparing
        if stage
    ]
    if not stored:
        return Message("\n".join(being_made) or t.gettext("No drafts yet: they are made when a stage is closed."))
    titles = {d.id: prompts.say(t, d.title, turn.standing.kind) for d in conv.plan.documents}
    files = drafting.attachments(stored, titles, t)
    text = t.ngettext("{count} file:", "{count} files:", len(files)).format(count=len(files))
    if not every_version:
        text += " " + t.gettext("(the latest version of each; /documents all for the older ones too)")
    return Message("\n".join([*being_made, text]), files=files)


def open_documents(conv: Conversation, turn: Turn, argument: str) -> list[Message]:
    sent = send_stored(conv, turn, every_version=argument == "all")
    if turn.partner:
        return [sent, *conv.show(turn)]
    turn.position = AtMenu(menu="documents", back=resume_point(turn.position))
    return [sent, *conv.show(turn)]


def open_template(conv: Conversation, turn: Turn) -> list[Message]:
    if not turn.coordinator:
        return [Message(turn.t.gettext("Only the coordinator can do that.")), *conv.show(turn)]
    turn.position = AtMenu(menu="template", back=resume_point(turn.position))
    return conv.show(turn)


def menu(conv: Conversation, turn: Turn) -> Message | None:
    t, name = turn.t, turn.menu.menu
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
        if turn.db.documents.latest(turn.project.id):
            buttons.append(Button(t.gettext("A draft in another language"), "language"))
        return Message(t.gettext("What else can I do with the drafts?") + cancel, buttons, expects="choice")
    if name == "default_language":
        buttons = [Button(language_name(code), f"lang:{code}") for code in document_languages()]
        text = t.gettext("In which language should I write the drafts from now on?")
        return Message(text + cancel, buttons, expects="choice")
    if name == "document_language":
        document = turn.menu.arg
        if document is None:
            made = {d.kind for d in turn.db.documents.latest(turn.project.id)}
            buttons = [
                Button(prompts.say(t, d.title, turn.standing.kind), f"doc:{d.id}")
                for d in conv.plan.documents
                if d.id in made
            ]
            return Message(t.gettext("Which draft?") + cancel, buttons, expects="choice")
        buttons = [Button(language_name(code), f"lang:{code}") for code in document_languages()]
        return Message(t.gettext("In which language?") + cancel, buttons, expects="choice")
    if name == "template":
        has_one = turn.db.projects.letterhead(turn.project.id) is not None
        text = t.gettext(
            "Send me your municipality's Word document (.docx) with its letterhead, header and footer: all DOCX "
            "drafts will be made on it."
        )
        buttons = [Button(t.gettext("Stop using our letterhead"), "remove")] if has_one else []
        return Message(text + cancel, buttons, expects="text")
    return None


def choose(conv: Conversation, turn: Turn, value: str) -> list[Message]:
    t, name = turn.t, turn.menu.menu
    back = turn.menu.back
    offered = menu(conv, turn)
    if offered is None or value not in {b.value for b in offered.buttons}:
        return [conv.not_now(turn, None), *conv.show(turn)]
    kind, _, choice = value.partition(":")
    out: list[Message] = []
    if name == "documents" and kind == "remake" and turn.coordinator:
        out.append(make(turn, conv.plan.documents_of(int(choice))))
    elif name == "documents" and value == "default_language" and turn.coordinator:
        turn.position = AtMenu(menu="default_language", back=back)
        return conv.show(turn)
    elif name == "default_language" and kind == "lang" and turn.coordinator:
        turn.db.projects.update(turn.project.id, document_language=choice)
        turn.project = turn.db.projects.get(turn.project.id) or turn.project
        done = t.gettext("From now on the drafts are written in {language}.").format(language=language_name(choice))
        out.append(Message(done))
    elif name == "documents" and kind == "language":
        turn.position = AtMenu(menu="document_language", back=back)
        return conv.show(turn)
    elif name == "document_language" and kind == "doc":
        turn.position = AtMenu(menu="document_language", arg=choice, back=back)
        return conv.show(turn)
    elif name == "document_language" and kind == "lang":
        document = next(d for d in conv.plan.documents if d.id == turn.menu.arg)
        out.append(make(turn, [document], language=choice))
    elif name == "template" and value == "remove":
        turn.db.projects.set_letterhead(turn.project.id, None)
        out.append(Message(t.gettext("The drafts are made on a plain page again.")))
    turn.position = back
    return out + conv.show(turn)


def upload(conv: Conversation, turn: Turn, event: Upload) -> list[Message]:
    """A file sent to the bot: a letterhead when /template asked for one, otherwise a hint."""
    t = turn.t
    if getattr(turn.position, "menu", None) != "template" or not turn.coordinator:
        return [Message(t.gettext("If this is your letterhead, send /template first.")), *conv.show(turn)]
    from bot.documents.docx_writer import LetterheadError, check_letterhead  # python-docx only when needed

    try:
        check_letterhead(event.content)
    except LetterheadError:
        text = t.gettext("That file is not a Word document (.docx) I can use. Save it as .docx and send it again.")
        return [Message(text), *conv.show(turn)]
    turn.db.projects.set_letterhead(turn.project.id, event.content)
    turn.position = turn.menu.back
    text = t.gettext("Thank you: from now on the DOCX drafts are made on your letterhead.")
    return [Message(text), *conv.show(turn)]
