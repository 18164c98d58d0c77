"""`twinning-bot demo`: a fictional municipality answers the whole plan through the real engine.

The answers live in dialogs/demo/<lang>/ as data. They are fed to the engine as the events
a person would cause (typed text, button presses, /skip), so the demo exercises the same
validation, storage and document code as a real conversation, and writes every draft.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.engine.drafting import DraftWorker
from bot.engine.engine import Engine
from bot.engine.messages import Attachment, Command, Event, Message, Press, Text, User
from bot.engine.service import Service
from bot.i18n import Translator, translator
from bot.paths import DIALOGS_DIR
from bot.plan.builtins import fields_of
from bot.plan.models import FieldSpec, Plan, Question, QuestionType
from bot.storage.database import Database, Tx
from bot.storage.records import Recipient

DEMO_USER = User(id=1, language_code="en", name="Demo")


def demo_answers(language: str, root: Path = DIALOGS_DIR) -> dict[str, Any]:
    """The fictional municipality's answers, in `language` where written, else in English."""
    folder = root / "demo" / language
    if not folder.is_dir():
        folder = root / "demo" / "en"
    answers: dict[str, Any] = {}
    for path in sorted(folder.glob("*.yaml")):
        answers.update(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    return answers


def demo_translations(language: str, root: Path = DIALOGS_DIR) -> dict[str, str]:
    """How the fictional committee translated its passages for the partner into `language` (may be empty)."""
    path = root / "demo" / "translations" / f"{language}.yaml"
    if not path.is_file():
        return {}
    return {str(key): str(text) for key, text in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items()}


async def translation_round(service: Service, user: User, translations: dict[str, str]) -> int:
    """Play /translate: answer each open passage from `translations`, skip the others; return how many were given."""
    given = 0
    await service.handle(user, Command("translate"))
    position = await service.db.run(lambda tx: _position(tx, user.id))
    if position.get("menu") != "translate":
        return 0  # nothing to translate (no partner language yet, or the partner works in our language)
    await service.handle(user, Press("start:open"))
    seen: set[str] = set()
    while True:
        position = await service.db.run(lambda tx: _position(tx, user.id))
        if position.get("menu") != "translate_passage" or position.get("arg") in seen:
            break
        seen.add(str(position["arg"]))
        question, _, part = str(position["arg"]).split(":", 2)[2].partition(":")
        text = translations.get(f"{question}.{part}" if part else question)
        given += bool(text)
        await service.handle(user, Text(text) if text else Press("skip"))
    await service.handle(user, Command("cancel"))
    return given


def events_for(question: Question, value: Any, t: Translator) -> Iterator[Event]:
    """The events a person causes to give `value` as the answer to `question`."""
    if value is None or value == []:
        yield Command("skip")
        return
    fields = fields_of(question)
    if not fields:
        yield from _field_events(question, value, t)
        return
    entries = value if question.type == QuestionType.repeat else [value]
    for number, entry in enumerate(entries):
        if number:
            yield Press("more")
        for spec in fields:
            yield from _field_events(spec, entry.get(spec.id), t)
    if question.type == QuestionType.repeat and len(entries) < question.max_entries:
        yield Press("done")


def _field_events(spec: Question | FieldSpec, value: Any, t: Translator) -> Iterator[Event]:
    if value is None:
        yield Command("skip")
    elif spec.type in (QuestionType.choice, QuestionType.scale):
        yield Press(f"o:{value}")
    elif spec.type == QuestionType.yes_no:
        yield Press("o:yes" if value else "o:no")
    elif spec.type == QuestionType.multi:
        selected, other = multi_parts(spec, value)
        yield from (Press(f"o:{option}") for option in selected)
        if other:
            yield Press("other")
            yield Text(other)
        yield Press("done")
    elif spec.type in (QuestionType.integer, QuestionType.amount):
        yield Text(t.number(value))
    else:
        yield Text(str(value))


def multi_parts(spec: Question | FieldSpec, value: Any) -> tuple[list[str], str | None]:
    """A demo multi answer (a list, free text for "other") as option ids and the other text."""
    if isinstance(value, dict):
        return list(value.get("selected", [])), value.get("other")
    ids = {option.id for option in spec.options}
    others = [str(item) for item in value if item not in ids]
    return [item for item in value if item in ids], "; ".join(others) or None


@dataclass
class Effort:
    """How much a person had to do per stage (0 is the opening questions): questions asked, inputs given."""

    questions: dict[int, set[str]] = field(default_factory=dict)
    inputs: dict[int, int] = field(default_factory=dict)

    def count(self, stage: int, question: str | None, events: int) -> None:
        if question is not None:
            self.questions.setdefault(stage, set()).add(question)
        self.inputs[stage] = self.inputs.get(stage, 0) + events


@dataclass
class Played:
    files: list[Attachment]
    effort: Effort


async def play(
    service: Service, plan: Plan, user: User, answers: dict[str, Any], translations: dict[str, str] | None = None
) -> Played:
    """Answer every question the engine asks with `answers`, close every step; return the drafts and the effort.

    Before a stage is closed, the committee translates the passages of the drafts for the partner
    (`translations`, by passage), as a committee does with /translate.
    """
    t = translator(await service.db.run(lambda tx: tx.users.ensure(user.id, user.language_code or "en", user.name)))
    questions = plan.questions()
    files: list[Attachment] = []
    effort = Effort()
    messages = await service.handle(user, Command("start"))
    last_position: Any = None
    while True:
        position = await service.db.run(lambda tx: _position(tx, user.id))
        if position == last_position:
            raise RuntimeError("the demo answers did not move the conversation on: " + _texts(messages))
        last_position = position
        if position["at"] == "finished":
            return Played(files, effort)
        if position["at"] == "review":
            events: list[Event] = [Press("close")]
            effort.count(plan.steps[position["step"]].stage, None, 1)
        elif position["at"] == "stage_review":
            if translations:
                await translation_round(service, user, translations)
            events = [Press("close_stage")]
            effort.count(position["stage"], None, 1)
        else:
            question = questions[position["q"]]
            events = list(events_for(question, answers.get(question.id), t))
            effort.count(plan.step_of(question.id).stage, question.id, len(events))
        for event in events:
            messages = await service.handle(user, event)
            mine = [m for m in messages if m.to_user is None and not m.to_groups]
            files += [attachment for message in mine for attachment in message.files]
            if service.drafts is not None and service.drafts.woken:
                await service.drafts.finish_open()


def _position(tx: Tx, user_id: int) -> dict[str, Any]:
    project = tx.users.current_project(user_id)
    return (tx.positions.get(user_id, project) if project is not None else None) or {}


def _texts(messages: list[Message]) -> str:
    return " | ".join(message.text for message in messages)


async def run_demo(
    plan: Plan, out_dir: Path, language: str, database: Path | str = ":memory:"
) -> tuple[list[Path], Effort]:
    """Play the demo into a fresh database and write every draft into `out_dir`."""
    db = await Database.open(database)
    received: list[Attachment] = []

    async def keep(recipient: Recipient, message: Message) -> bool:
        received.extend(message.files)
        return True

    try:
        service = Service(Engine(plan), db, DraftWorker(db, plan, keep))
        user = User(DEMO_USER.id, language, DEMO_USER.name)
        await service.handle(user, Command("start"))  # creates the project; its drafts are in the demo's language
        await db.run(lambda tx: tx.projects.update(tx.users.current_project(user.id) or 1, document_language=language))
        answers = demo_answers(language)
        partner = str(answers.get("partner_language") or "")
        played = await play(service, plan, user, answers, demo_translations(partner) if partner != language else {})
    finally:
        await db.close()
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for attachment in played.files + received:
        path = out_dir / attachment.filename
        path.write_bytes(attachment.content)
        written.append(path)
    return written, played.effort
