"""The translation round (/translate) and the partner's contact.

The drafts that go to the partner are written in the partner's language, but the answers in
them were typed in ours. `/translate` walks through every free-text passage those drafts
print, shows the original and takes its translation. A translation is stored per answer
(and part of it), language and the version of the answer it translates: when the answer
changes, the translation is out of date, drafts no longer use it, and the round asks again.

Who translates: the coordinator, the members the coordinator names here, and the partner's
contact (invited with the partner role), who can also confirm or correct each translation
in their own language. The partner's contact sees only this round and the drafts for the
partner (`/documents`): no internal answer, score or note.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.documents.render import DocumentRenderer, ProjectFacts, Translation
from bot.engine import paperwork
from bot.engine.messages import Button, Message
from bot.engine.state import AtIdle, AtMenu, resume_point
from bot.engine.turn import Conversation, Turn
from bot.i18n import document_languages, translator
from bot.plan.answers import clean_text
from bot.plan.models import Document, pick
from bot.storage.records import StoredTranslation

MENUS = {"translate", "translate_passage", "translators"}
# What the partner's contact may do; any other command gets the partner's own help.
PARTNER_COMMANDS = {"start", "documents", "translate", "language", "mydata", "forgetme", "cancel", "projects", "leave"}
TEXT_LIMIT = 4000


@dataclass
class Item:
    """A passage of the drafts for the partner, and where its translation stands.

    The same text in several places of one answer (five committee members whose role is "Member")
    is one passage: its translation is stored for each place.
    """

    question: str
    part: str
    source: str
    label: str
    documents: list[str] = field(default_factory=list)
    stored: StoredTranslation | None = None
    parts: list[str] = field(default_factory=list)  # every part of the answer that holds this same text
    stored_parts: dict[str, StoredTranslation | None] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.question}:{self.part}"

    @property
    def state(self) -> str:
        """done (translated everywhere, the original unchanged), outdated (the original changed since) or open."""
        if self.stored is None or not self.stored.text:
            return "open"
        current = all(s is not None and s.source == self.source and s.text for s in self.stored_parts.values())
        return "done" if current else "outdated"


def target(turn: Turn) -> str | None:
    """The partner's working language, when the drafts can be written in it and it is not ours."""
    partner = turn.standing.values.get("partner_language")
    if partner in document_languages() and partner != turn.project.document_language:
        return str(partner)
    return None


def may_translate(turn: Turn) -> bool:
    return turn.coordinator or turn.partner or turn.user in turn.db.translations.translators(turn.project.id)


def partner_documents(conv: Conversation) -> list[Document]:
    """The drafts that go to the partner, the bilingual protocol first."""
    facing = [d for d in conv.plan.documents if d.partner_facing]
    return sorted(facing, key=lambda d: (not d.bilingual, conv.plan.documents.index(d)))


def items(conv: Conversation, turn: Turn, language: str) -> list[Item]:
    """Every passage the drafts for the partner print, in the order of the drafts, each once."""
    t = translator(language)
    stored = turn.db.translations.of(turn.project.id, language)
    translations = {key: Translation(s.source, s.text) for key, s in stored.items()}
    values = turn.standing.values
    facts = ProjectFacts(turn.project.name, str(values.get("country") or ""), turn.project.kind or "")
    renderer = DocumentRenderer(conv.plan, values, t, turn.standing.kind, None, True, translations)
    found: dict[tuple[str, str], Item] = {}
    for document in partner_documents(conv):
        title = t.translate(pick(document.title, turn.standing.kind))
        for passage in renderer.render(document, facts, 1, conv.today()).passages:
            item = found.setdefault(
                (passage.question, passage.source),
                Item(passage.question, passage.part, passage.source, passage.label),
            )
            if passage.part not in item.parts:
                item.parts.append(passage.part)
                item.stored_parts[passage.part] = stored.get((passage.question, passage.part))
            item.stored = item.stored or stored.get((passage.question, passage.part))
            if title not in item.documents:
                item.documents.append(title)
    return list(found.values())


# entry points


def open_round(conv: Conversation, turn: Turn) -> list[Message]:
    t = turn.t
    if not may_translate(turn):
        text = t.gettext("Only the coordinator, and the people the coordinator names, can translate the drafts.")
        return [Message(text), *conv.show(turn)]
    language = target(turn)
    if language is None:
        return [Message(_why_nothing(turn)), *conv.show(turn)]
    turn.position = AtMenu(menu="translate", arg=language, back=resume_point(turn.position))
    return conv.show(turn)


def home(conv: Conversation, turn: Turn) -> list[Message]:
    """What the partner's contact sees instead of the questionnaire: what they can do here."""
    t = turn.t
    turn.position = AtIdle()
    partner = str(turn.standing.values.get("chosen_partner") or t.gettext("the partner municipality"))
    lines = [
        t.gettext("You take part in the link between {project} and {partner} as the partner's contact.").format(
            project=turn.project.name or t.gettext("a new project"), partner=partner
        ),
        t.gettext("/documents: the drafts for the partner municipality, such as the cooperation protocol"),
        t.gettext("/translate: read the translation of each passage of these drafts, confirm it or correct it"),
        t.gettext("/language: change the language I speak"),
    ]
    return [Message("\n".join(lines))]


def not_for_partner(conv: Conversation, turn: Turn) -> list[Message]:
    note = turn.t.gettext("As the partner's contact you can use /documents, /translate and /language.")
    return [Message(note), *home(conv, turn)]


def menu(conv: Conversation, turn: Turn) -> Message | None:
    t, position = turn.t, turn.menu
    cancel = " " + t.gettext("(/cancel to go back)")
    if position.menu == "translators":
        if not turn.coordinator:
            return None
        named = turn.db.translations.translators(turn.project.id)
        buttons = [
            Button(("✓ " if m.user_id in named else "") + (m.name or str(m.user_id)), f"toggle:{m.user_id}")
            for m in turn.members.values()
            if m.role == "member"
        ]
        text = t.gettext(
            "Who besides the coordinators and the partner's contact may translate? Press a name to change."
        )
        if not buttons:
            text = t.gettext("There are no other members to name yet; invite them with /invite.")
        buttons.append(Button(t.gettext("Done"), "done"))
        return Message(text + cancel, buttons, expects="choice")
    language = str(position.arg or "").split(":")[0]
    if language != target(turn) or not may_translate(turn):
        return None
    found = items(conv, turn, language)
    if position.menu == "translate":
        return _overview(conv, turn, language, found)
    _, mode, key = str(position.arg).split(":", 2)
    index = next((n for n, item in enumerate(found) if item.key == key), None)
    if index is None:
        return None
    return _passage(turn, language, found, index, mode)


def choose(conv: Conversation, turn: Turn, value: str) -> list[Message]:
    t, position = turn.t, turn.menu
    offered = menu(conv, turn)
    if offered is None or value not in {b.value for b in offered.buttons}:
        return [conv.not_now(turn, None), *conv.show(turn)]
    back = position.back
    kind, _, choice = value.partition(":")
    if position.menu == "translators":
        if kind == "toggle" and turn.coordinator:
            user = int(choice)
            named = user in turn.db.translations.translators(turn.project.id)
            turn.db.translations.set_translator(turn.project.id, user, not named)
            return conv.show(turn)
        turn.position = back
        return conv.show(turn)
    language = str(position.arg).split(":")[0]
    found = items(conv, turn, language)
    if position.menu == "translate":
        if kind == "start":
            first = _next(found, choice, None)
            if first is None:
                return [Message(t.gettext("Every passage is translated.")), *conv.show(turn)]
            turn.position = AtMenu(menu="translate_passage", arg=f"{language}:{choice}:{first.key}", back=position)
        elif value == "translators" and turn.coordinator:
            turn.position = AtMenu(menu="translators", back=position)
        elif value == "remake" and turn.coordinator:
            documents = [d for d in partner_documents(conv) if d.stage in turn.closed_stages]
            turn.position = back
            return [paperwork.make(turn, documents), *conv.show(turn)]
        return conv.show(turn)
    _, mode, key = str(position.arg).split(":", 2)
    item = next(i for i in found if i.key == key)
    out: list[Message] = []
    if value == "keep" and item.stored is not None:
        _save(turn, item, language, item.stored.text)
        out.append(Message(t.gettext("Kept.")))
    elif value == "confirm" and item.stored is not None:
        for part in item.parts or [item.part]:
            turn.db.translations.confirm(turn.project.id, item.question, part, language, turn.user)
        out.append(Message(t.gettext("Confirmed.")))
    elif value == "stop":
        turn.position = position.back
        return [Message(t.gettext("The translation round stops here; /translate continues it.")), *conv.show(turn)]
    return out + _advance(conv, turn, language, mode, key)


def text(conv: Conversation, turn: Turn, typed: str) -> list[Message]:
    """A translation typed for the passage on screen."""
    t, position = turn.t, turn.menu
    if position.menu != "translate_passage" or menu(conv, turn) is None:
        return [conv.not_now(turn, None), *conv.show(turn)]
    language, mode, key = str(position.arg).split(":", 2)
    cleaned = clean_text(typed)[:TEXT_LIMIT].strip()
    if not cleaned:
        return [Message(t.gettext("Please type the translation, or press Skip.")), *conv.show(turn)]
    item = next(i for i in items(conv, turn, language) if i.key == key)
    _save(turn, item, language, cleaned)
    return [Message(t.gettext("Saved.")), *_advance(conv, turn, language, mode, key)]


# the round's screens


def _overview(conv: Conversation, turn: Turn, language: str, found: list[Item]) -> Message:
    t = turn.t
    cancel = " " + t.gettext("(/cancel to go back)")
    counts = {state: sum(1 for i in found if i.state == state) for state in ("done", "outdated", "open")}
    lines = [
        t.gettext("Translation round into {language}.").format(language=_name(turn, language)),
        t.ngettext(
            "The drafts for the partner print {count} passage that was written in {original}:",
            "The drafts for the partner print {count} passages that were written in {original}:",
            len(found),
        ).format(count=len(found), original=_name(turn, turn.project.document_language)),
        t.gettext(
            "{done} translated, {outdated} out of date (the original changed since), {open} still to translate."
        ).format(**counts),
    ]
    buttons = []
    if counts["open"] or counts["outdated"]:
        buttons.append(Button(t.gettext("Translate what is open"), "start:open"))
    if found:
        label = t.gettext("Confirm or correct every passage") if turn.partner else t.gettext("Go through every passage")
        buttons.append(Button(label, "start:all"))
    if turn.coordinator:
        buttons.append(Button(t.gettext("Who may translate"), "translators"))
        if any(d.stage in turn.closed_stages for d in partner_documents(conv)) and counts["done"]:
            buttons.append(Button(t.gettext("Make new versions of the drafts for the partner"), "remake"))
    if not found:
        lines.append(t.gettext("There is nothing to translate yet: the drafts for the partner have no such passages."))
    return Message("\n".join(lines) + cancel, buttons, expects="choice")


def _passage(turn: Turn, language: str, found: list[Item], index: int, mode: str) -> Message:
    t = turn.t
    item = found[index]
    original, wanted = _name(turn, turn.project.document_language), _name(turn, language)
    lines = [
        t.gettext("Passage {number} of {count} · {documents}").format(
            number=index + 1, count=len(found), documents="; ".join(item.documents)
        ),
        item.label,
        "",
        t.gettext("Original ({language}):").format(language=original),
        item.source,
    ]
    buttons = []
    if item.stored is not None and item.stored.text:
        lines += ["", t.gettext("Translation ({language}):").format(language=wanted), item.stored.text]
        if item.state == "outdated":
            lines.append(t.gettext("The original changed since this was translated: please check it."))
            buttons.append(Button(t.gettext("The translation still fits"), "keep"))
        elif turn.partner and item.stored.confirmed_by is None:
            buttons.append(Button(t.gettext("Confirm this translation"), "confirm"))
        lines += ["", t.gettext("Type a better translation in {language}, or press a button.").format(language=wanted)]
    else:
        lines += ["", t.gettext("Type the translation in {language}.").format(language=wanted)]
    keep = item.state == "done" and not (turn.partner and item.stored is not None and item.stored.confirmed_by is None)
    buttons.append(Button(t.gettext("Keep this translation") if keep else t.gettext("Skip"), "skip"))
    buttons.append(Button(t.gettext("Stop"), "stop"))
    return Message("\n".join(lines), buttons, expects="text")


def _next(found: list[Item], mode: str, after: str | None) -> Item | None:
    """The next passage to show: in `all` mode every one, in `open` mode those not (or no longer) translated."""
    keys = [i.key for i in found]
    start = keys.index(after) + 1 if after in keys else 0
    for item in found[start:]:
        if mode == "all" or item.state != "done":
            return item
    return None


def _advance(conv: Conversation, turn: Turn, language: str, mode: str, key: str) -> list[Message]:
    position = turn.menu
    following = _next(items(conv, turn, language), mode, key)
    if following is None:
        turn.position = position.back
        done = turn.t.gettext("That was the last passage.")
        if turn.coordinator and any(d.stage in turn.closed_stages for d in partner_documents(conv)):
            done += " " + turn.t.gettext("Make new versions of the drafts for the partner so that they use it.")
        return [Message(done), *conv.show(turn)]
    turn.position = AtMenu(menu="translate_passage", arg=f"{language}:{mode}:{following.key}", back=position.back)
    return conv.show(turn)


def _save(turn: Turn, item: Item, language: str, text: str) -> None:
    for part in item.parts or [item.part]:
        turn.db.translations.save(turn.project.id, item.question, part, language, item.source, text, turn.user)


def _why_nothing(turn: Turn) -> str:
    t = turn.t
    values: dict[str, Any] = turn.standing.values
    partner = values.get("partner_language")
    if partner is None:
        return t.gettext("The partner's working language is not known yet: it is asked in step 5.")
    if partner == turn.project.document_language:
        return t.gettext("The partner works in the language of your answers: there is nothing to translate.")
    return t.gettext(
        "I cannot write drafts in the partner's working language, so there is nothing to translate into it. "
        "The drafts for the partner are written in the usual language of the drafts."
    )


def _name(turn: Turn, code: str) -> str:
    """A language's name in the person's language ("Spanish", "Spaans")."""
    return str(turn.t.locale.languages.get(code, code))
