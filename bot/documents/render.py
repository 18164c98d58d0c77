"""Render a stage's drafts from the templates in dialogs/documents/ and the project's answers.

Templates see answers through small view objects (`a.<id>`) that format values in the
document's language and print a visible "[to be completed: …]" where an answer is missing,
so a draft never has an empty heading and a template never needs to test for None.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.documents.blocks import escape_markdown
from bot.i18n import Translator
from bot.plan.answers import format_value, multi_labels, option_label
from bot.plan.builtins import fields_of
from bot.plan.conditions import applies
from bot.plan.models import Document, FieldSpec, Kind, Plan, Question, QuestionType, pick
from bot.plan.ranking import rank


@dataclass(frozen=True)
class ProjectFacts:
    name: str
    country: str
    kind: str


class Value:
    """One answer (or one field of an entry) as a template sees it."""

    def __init__(self, spec: Question | FieldSpec, value: Any, t: Translator, kind: Kind | None) -> None:
        self._spec, self._value, self._t, self._kind = spec, value, t, kind

    @property
    def raw(self) -> Any:
        return self._value

    def __bool__(self) -> bool:
        return self._value not in (None, "", [], {})

    def __str__(self) -> str:
        """The answer as literal Markdown text: whatever a person typed never becomes markup."""
        if not self:
            label = self._t.translate(pick(self._spec.text, self._kind))
            return escape_markdown(self._t.gettext("[to be completed: {question}]").format(question=label))
        return escape_markdown(format_value(self._spec, self._value, self._t, self._kind))

    def __iter__(self) -> Iterator[Any]:
        if not self:
            return iter(())
        if self._spec.type == QuestionType.multi:
            return iter(escape_markdown(label) for label in multi_labels(self._spec, self._value, self._t, self._kind))
        if self._spec.type == QuestionType.repeat and isinstance(self._spec, Question):
            return iter(Entry(self._spec, entry, self._t, self._kind) for entry in self._value)
        return iter((self,))

    def __len__(self) -> int:
        return len(self._value) if isinstance(self._value, list) else int(bool(self))

    def __getattr__(self, name: str) -> Value:
        if name.startswith("_") or not isinstance(self._spec, Question):
            raise AttributeError(name)
        return Entry(self._spec, self._value or {}, self._t, self._kind).field(name)

    def has(self, option_id: str) -> bool:
        return bool(self) and option_id in self._value.get("selected", [])


class Entry:
    """One entry of a repeat, or the fields of a group, check or criterion."""

    def __init__(self, question: Question, entry: dict[str, Any], t: Translator, kind: Kind | None) -> None:
        self._question, self._entry, self._t, self._kind = question, entry, t, kind

    def field(self, name: str) -> Value:
        for spec in fields_of(self._question):
            if spec.id == name:
                return Value(spec, self._entry.get(name), self._t, self._kind)
        raise AttributeError(f"{self._question.id} has no field {name!r}")

    def __getattr__(self, name: str) -> Value:
        if name.startswith("_"):
            raise AttributeError(name)
        return self.field(name)


class Answers:
    """`a.<question id>` in templates; answers that do not apply count as missing."""

    def __init__(self, plan: Plan, values: dict[str, Any], t: Translator, kind: Kind | None) -> None:
        self._questions = plan.questions()
        self._values, self._t, self._kind = values, t, kind

    def __getattr__(self, name: str) -> Value:
        if name.startswith("_"):
            raise AttributeError(name)
        question = self._questions[name]
        value = self._values.get(name) if applies(question, self._values, self._kind) else None
        return Value(question, value, self._t, self._kind)

    __getitem__ = __getattr__


class QuestionTexts:
    """`q.<question id>`: a question's own wording, translated."""

    def __init__(self, plan: Plan, t: Translator, kind: Kind | None) -> None:
        self._questions, self._t, self._kind = plan.questions(), t, kind

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._t.translate(pick(self._questions[name].text, self._kind))


@dataclass(frozen=True)
class CheckRow:
    text: str
    status: str
    note: str


@dataclass(frozen=True)
class Ranked:
    row: Entry
    total: float | None
    scored: int
    spread: float | None
    scorers: int
    rank: int
    notes: list[dict[str, str]]  # members' pros and cons from /score, as literal text


@lru_cache(maxsize=4)
def _environment(templates: Path) -> Environment:
    """One environment for all languages: wording is passed in per render as `_`."""
    return Environment(
        loader=FileSystemLoader(templates),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )


class DocumentRenderer:
    """Renders documents for one project in one language."""

    def __init__(
        self,
        plan: Plan,
        values: dict[str, Any],
        t: Translator,
        kind: Kind | None,
        member_scores: dict[str, list[dict[str, Any]]] | None = None,
    ) -> None:
        self.plan, self.values, self.t, self.kind = plan, values, t, kind
        self.member_scores = member_scores or {}
        self.answers = Answers(plan, values, t, kind)

    def checks(self, step_id: str) -> list[CheckRow]:
        """The step's policy consequences or obstacles with how the committee deals with them."""
        rows = []
        for question in self.plan.steps[step_id].questions:
            if question.type != QuestionType.check:
                continue
            value = self.values.get(question.id) or {}
            status = value.get("status")
            rows.append(
                CheckRow(
                    text=escape_markdown(self.t.translate(pick(question.text, self.kind))),
                    status=escape_markdown(
                        option_label(fields_of(question)[0], status, self.t, self.kind)
                        if status
                        else self.t.gettext("[to be completed]")
                    ),
                    note=escape_markdown(value.get("note") or ""),
                )
            )
        return rows

    def ranking(self, repeat_id: str) -> list[Ranked]:
        """Entries of a list ranked by their weighted scores: the entry's own and the members' (/score)."""
        question = self.plan.questions()[repeat_id]
        criteria = [q.id for q in self.plan.questions().values() if q.type == QuestionType.criterion]
        entries = self.values.get(repeat_id) or []
        return [
            Ranked(
                Entry(question, r.entry, self.t, self.kind),
                r.total,
                r.scored,
                r.spread,
                r.scorers,
                r.rank,
                [{key: escape_markdown(text) for key, text in note.items()} for note in r.notes],
            )
            for r in rank(entries, self.values, criteria, self.member_scores)
        ]

    def render(
        self, document: Document, project: ProjectFacts, version: int, today: date, health: list[Any] | None = None
    ) -> str:
        """The draft as Markdown, in this renderer's language."""
        template = _environment(self.plan.templates).get_template(document.template)
        title = self.t.translate(pick(document.title, self.kind))
        gettext, ngettext = self.t.gettext, self.t.ngettext
        literal = ProjectFacts(*(escape_markdown(part) for part in (project.name, project.country)), project.kind)
        content = template.render(
            a=self.answers,
            q=QuestionTexts(self.plan, self.t, self.kind),
            project=literal,
            doc={"title": title, "version": version},
            today=self.t.date(today),
            checks=self.checks,
            ranking=self.ranking,
            health=health or [],
            _=gettext,
            gettext=gettext,
            ngettext=ngettext,
        )
        return content
