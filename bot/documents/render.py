"""Render a stage's drafts from the templates in dialogs/documents/ and the project's answers.

Templates see answers through small view objects (`a.<id>`) that format values in the
document's language and print a visible "[to be completed: …]" where an answer is missing,
so a draft never has an empty heading and a template never needs to test for None.

Answers are typed in the project's language. When a draft is written in another language
(the partner's), every free-text passage it prints is taken from the translation round where
one was given for the text as it is now; any other passage is printed as typed, visibly
marked, and listed (`Render.passages`), so no draft looks finished before it is.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.lists import format_list
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.documents.blocks import escape_markdown
from bot.i18n import Translator
from bot.plan.answers import format_value, option_label
from bot.plan.builtins import fields_of
from bot.plan.conditions import applies
from bot.plan.models import Document, FieldSpec, Kind, Plan, Question, QuestionType, pick
from bot.plan.ranking import rank

# The form a council decision takes, by the country code of terms.yaml; any other country gets the neutral form.
COUNCIL_FORMS = {"BE": "flanders", "NL": "netherlands", "SE": "sweden"}


@dataclass(frozen=True)
class ProjectFacts:
    name: str
    country: str
    kind: str


@dataclass(frozen=True)
class ProjectView:
    """`project` in templates: the facts as literal text, the country's code and its form of council decision."""

    name: str
    country: str
    kind: str
    code: str
    form: str


@dataclass(frozen=True)
class Translation:
    """A passage's translation, and the text it translates (it applies only while the answer still says that)."""

    source: str
    text: str


PassageKey = tuple[str, str]  # (question id, part): part is "" for the answer itself, "field", "2.field", "other"


@dataclass
class Passage:
    """A free-text passage a draft printed in a language other than the one it was typed in."""

    question: str
    part: str
    source: str
    label: str  # where it comes from, in the draft's language: the question, and the field and entry
    translated: bool
    number: int = 0  # its number among the draft's untranslated passages


class Context:
    """What every value of one render shares: the language, the translations, the passages printed."""

    def __init__(
        self,
        t: Translator,
        kind: Kind | None,
        translating: bool = False,
        translations: dict[PassageKey, Translation] | None = None,
    ) -> None:
        self.t, self.kind, self.translating = t, kind, translating
        self.translations = translations or {}
        self.passages: dict[PassageKey, Passage] = {}

    def passage(self, key: PassageKey, text: str, label: str) -> str:
        """A passage as Markdown: its translation, or the original visibly marked as not yet translated."""
        if not self.translating:
            return escape_markdown(text)
        found = self.translations.get(key)
        translated = found is not None and found.source == text and bool(found.text)
        seen = self.passages.get(key)
        if seen is None or seen.source != text:
            number = 0
            if not translated:  # the same text of the same answer keeps one number (five roles "Member")
                same = [p.number for p in self.untranslated if p.question == key[0] and p.source == text]
                number = same[0] if same else 1 + max((p.number for p in self.passages.values()), default=0)
            seen = self.passages[key] = Passage(key[0], key[1], text, label, translated, number)
        if translated and found is not None:
            return escape_markdown(found.text)
        marker = self.t.gettext("[not yet translated, {number}]").format(number=seen.number)
        return f"{escape_markdown(marker)} *{escape_markdown(text.strip())}*"

    @property
    def untranslated(self) -> list[Passage]:
        return [p for p in self.passages.values() if not p.translated]


def _distinct(passages: list[Passage]) -> list[Passage]:
    """Each untranslated passage once, by its number."""
    seen: dict[int, Passage] = {}
    for passage in passages:
        if not passage.translated:
            seen.setdefault(passage.number, passage)
    return list(seen.values())


def _label(ctx: Context, spec: Question | FieldSpec, owner: Question | None, entry: int | None) -> str:
    """Where a passage comes from: the question, and for a field its own text and entry number."""
    t, kind = ctx.t, ctx.kind
    if owner is None:
        return t.translate(pick(spec.text, kind))
    where = t.translate(pick(owner.text, kind))
    if entry is not None:
        noun = t.translate(pick(owner.entry_name, kind)) if owner.entry_name else t.gettext("Entry")
        where += f" ({noun} {entry})"
    return f"{where}: {t.translate(pick(spec.text, kind))}"


class Value:
    """One answer (or one field of an entry) as a template sees it."""

    def __init__(
        self,
        spec: Question | FieldSpec,
        value: Any,
        ctx: Context,
        key: PassageKey,
        owner: Question | None = None,
        entry: int | None = None,
    ) -> None:
        if spec.type == QuestionType.multi and isinstance(value, list):  # written as a plain list of options
            value = {"selected": value, "other": None}
        self._spec, self._value, self._ctx, self._key = spec, value, ctx, key
        self._owner, self._entry = owner, entry

    @property
    def raw(self) -> Any:
        return self._value

    def __bool__(self) -> bool:
        return self._value not in (None, "", [], {})

    def __str__(self) -> str:
        """The answer as literal Markdown text: whatever a person typed never becomes markup."""
        ctx = self._ctx
        if not self:
            label = ctx.t.translate(pick(self._spec.text, ctx.kind))
            return escape_markdown(ctx.t.gettext("[to be completed: {question}]").format(question=label))
        if self._spec.translatable and isinstance(self._value, str):
            return ctx.passage(self._key, self._value, _label(ctx, self._spec, self._owner, self._entry))
        if self._spec.type == QuestionType.multi:
            return ", ".join(self)
        return escape_markdown(format_value(self._spec, self._value, ctx.t, ctx.kind))

    def __iter__(self) -> Iterator[Any]:
        if not self:
            return iter(())
        if self._spec.type == QuestionType.multi:
            return iter(self._labels(lower=False))
        if self._spec.type == QuestionType.repeat and isinstance(self._spec, Question):
            return iter(
                Entry(self._spec, entry, self._ctx, f"{number}.", number)
                for number, entry in enumerate(self._value, start=1)
            )
        return iter((self,))

    def __len__(self) -> int:
        return len(self._value) if isinstance(self._value, list) else int(bool(self))

    def __getattr__(self, name: str) -> Value:
        if name.startswith("_") or not isinstance(self._spec, Question):
            raise AttributeError(name)
        return Entry(self._spec, self._value or {}, self._ctx).field(name)

    def has(self, option_id: str) -> bool:
        return bool(self) and option_id in self._value.get("selected", [])

    @property
    def other(self) -> str:
        """The "Other…" text of a multiple choice (translated or marked), or an empty string."""
        text = self._value.get("other") if self and self._spec.type == QuestionType.multi else None
        if not text:
            return ""
        part = f"{self._key[1]}.other" if self._key[1] else "other"
        return self._ctx.passage((self._key[0], part), str(text), _label(self._ctx, self._spec, self._owner, None))

    def chosen(self, name: str) -> list[dict[str, str]]:
        """For a list: the options its entries chose in field `name`, each once in the options' order, and
        their "Other…" texts: `{"id": option id ("" for other texts), "label": the label as literal text}`."""
        if not self or not isinstance(self._spec, Question) or self._spec.type != QuestionType.repeat:
            return []
        spec = next(f for f in fields_of(self._spec) if f.id == name)
        picked = {o for e in self._value if isinstance(e.get(name), dict) for o in e[name].get("selected", [])}
        ctx = self._ctx
        out = [
            {"id": o.id, "label": escape_markdown(option_label(spec, o.id, ctx.t, ctx.kind))}
            for o in spec.options
            if o.id in picked
        ]
        for entry in self:
            other = entry.field(name).other
            if other and other not in [item["label"] for item in out]:
                out.append({"id": "", "label": other})
        return out

    def option(self, option_id: str) -> str:
        """The label of one of the question's options, in the draft's language."""
        return escape_markdown(option_label(self._spec, option_id, self._ctx.t, self._ctx.kind))

    @property
    def language(self) -> str:
        """A language chosen by its code (the partner's working language) named in the draft's language."""
        names = self._ctx.t.locale.languages
        if isinstance(self._value, str) and self._value in names:
            return escape_markdown(str(names[self._value]))
        return str(self)

    @property
    def lower(self) -> str:
        """A chosen option inside a sentence: "through an NGO" rather than "Through an NGO"."""
        if not self or self._spec.type != QuestionType.choice:
            return str(self)
        return escape_markdown(_lower(option_label(self._spec, self._value, self._ctx.t, self._ctx.kind), self._ctx.t))

    @property
    def joined(self) -> str:
        """The chosen options as a phrase for running text: "education, youth and climate"."""
        if not self:
            return str(self)
        return format_list(self._labels(lower=True), locale=self._ctx.t.locale)

    @property
    def either(self) -> str:
        """The chosen options as alternatives: "corruption, unsafe travel or no elected council"."""
        if not self:
            return str(self)
        return format_list(self._labels(lower=True), style="or", locale=self._ctx.t.locale)

    def _labels(self, lower: bool) -> list[str]:
        ctx = self._ctx
        labels = [option_label(self._spec, option, ctx.t, ctx.kind) for option in self._value.get("selected", [])]
        shown = [escape_markdown(_lower(label, ctx.t) if lower else label) for label in labels]
        if self._value.get("other"):
            shown.append(self.other)
        return shown


def _lower(label: str, t: Translator) -> str:
    """An option's label inside a sentence: "Youth" becomes "youth", but "GROS", "EU…" and German nouns stay."""
    first = label.split(" ", 1)[0]
    if t.language == "de" or not first or (len(first) > 1 and not first[1:].islower()) or first.startswith("Europ"):
        return label  # German nouns, "GROS", "EU…", "CERV", "European" keep their capitals
    return label[0].lower() + label[1:]


class Entry:
    """One entry of a repeat, or the fields of a group, check or criterion."""

    def __init__(
        self, question: Question, entry: dict[str, Any], ctx: Context, prefix: str = "", number: int | None = None
    ) -> None:
        self._question, self._entry, self._ctx = question, entry, ctx
        self._prefix, self._number = prefix, number

    def field(self, name: str) -> Value:
        for spec in fields_of(self._question):
            if spec.id == name:
                key = (self._question.id, self._prefix + name)
                return Value(spec, self._entry.get(name), self._ctx, key, self._question, self._number)
        raise AttributeError(f"{self._question.id} has no field {name!r}")

    def __getattr__(self, name: str) -> Value:
        if name.startswith("_"):
            raise AttributeError(name)
        return self.field(name)


class Answers:
    """`a.<question id>` in templates; answers that do not apply count as missing."""

    def __init__(self, plan: Plan, values: dict[str, Any], ctx: Context) -> None:
        self._questions = plan.questions()
        self._values, self._ctx = values, ctx

    def __getattr__(self, name: str) -> Value:
        if name.startswith("_"):
            raise AttributeError(name)
        question = self._questions[name]
        value = self._values.get(name) if applies(question, self._values, self._ctx.kind) else None
        return Value(question, value, self._ctx, (name, ""))

    __getitem__ = __getattr__


class QuestionTexts:
    """`q.<question id>`: a question's own wording, translated."""

    def __init__(self, plan: Plan, t: Translator, kind: Kind | None) -> None:
        self._questions, self._t, self._kind = plan.questions(), t, kind

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        return escape_markdown(self._t.translate(pick(self._questions[name].text, self._kind)))


@dataclass(frozen=True)
class CheckRow:
    text: str
    status: str
    note: str
    raw_status: str | None = None  # addressed | not_relevant | to_do, or None when not answered


@dataclass(frozen=True)
class Ranked:
    row: Entry
    total: float | None
    scored: int
    spread: float | None
    scorers: int
    rank: int
    notes: list[dict[str, str]]  # members' pros and cons from /score, as literal text


@dataclass
class Render:
    """A rendered draft: its Markdown, and the passages it printed in a language they were not typed in."""

    markdown: str
    passages: list[Passage] = field(default_factory=list)

    @property
    def untranslated(self) -> list[Passage]:
        """The passages still in the language they were typed in, each once, in the order of their numbers."""
        return _distinct(self.passages)


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
        translating: bool = False,
        translations: dict[PassageKey, Translation] | None = None,
    ) -> None:
        self.plan, self.values, self.t, self.kind = plan, values, t, kind
        self.member_scores = member_scores or {}
        self.translating, self.translations = translating, translations or {}

    def render(
        self,
        document: Document,
        project: ProjectFacts,
        version: int,
        today: date,
        health: list[Any] | None = None,
        extra: dict[str, Any] | None = None,
        languages: Sequence[str] = (),
    ) -> Render:
        """The draft as Markdown, in this renderer's language, with the passages it printed."""
        ctx = Context(self.t, self.kind, self.translating, self.translations)
        template = _environment(self.plan.templates).get_template(document.template)
        title = self.t.translate(pick(document.title, self.kind))
        gettext, ngettext = self.t.gettext, self.t.ngettext
        code = self.plan.terms.country_code(self.values.get("country") or project.country) or ""
        country = self.t.locale.territories.get(code) or project.country  # "Bélgica" in a Spanish draft
        view = ProjectView(escape_markdown(project.name), escape_markdown(country), project.kind, code, _form(code))
        content = template.render(
            a=Answers(self.plan, self.values, ctx),
            q=QuestionTexts(self.plan, self.t, self.kind),
            project=view,
            doc={
                "title": escape_markdown(title),
                "version": version,
                "language": self.t.language,
                "languages": [self.t.locale.languages.get(code, code) for code in languages or [self.t.language]],
            },
            today=self.t.date(today),
            amount=lambda value: escape_markdown(self.t.amount(value)),
            checks=lambda step_id: self._checks(ctx, step_id),
            ranking=lambda repeat_id: self._ranking(ctx, repeat_id),
            by_level=lambda value, texts: _by_level(value, texts),
            term=lambda name: escape_markdown(self.t.translate(self.plan.terms.wording(name, code) or "")),
            words=lambda items: format_list([str(i) for i in items if str(i)], locale=self.t.locale) if items else "",
            health=health or [],
            _=gettext,
            gettext=gettext,
            ngettext=ngettext,
            **(extra or {}),
        )
        return Render(content, list(ctx.passages.values()))

    def _checks(self, ctx: Context, step_id: str) -> list[CheckRow]:
        """The step's policy consequences or obstacles with how the committee deals with them."""
        rows = []
        for question in self.plan.steps[step_id].questions:
            if question.type != QuestionType.check:
                continue
            value = self.values.get(question.id) or {}
            status = value.get("status")
            note = Value(fields_of(question)[1], value.get("note"), ctx, (question.id, "note"), question)
            rows.append(
                CheckRow(
                    text=escape_markdown(self.t.translate(pick(question.text, self.kind))),
                    status=escape_markdown(
                        option_label(fields_of(question)[0], status, self.t, self.kind)
                        if status
                        else self.t.gettext("[to be completed]")
                    ),
                    note=str(note) if note else "",
                    raw_status=status,
                )
            )
        return rows

    def _ranking(self, ctx: Context, repeat_id: str) -> list[Ranked]:
        """Entries of a list ranked by their weighted scores: the entry's own and the members' (/score)."""
        question = self.plan.questions()[repeat_id]
        criteria = [q.id for q in self.plan.questions().values() if q.type == QuestionType.criterion]
        entries = self.values.get(repeat_id) or []
        return [
            Ranked(
                Entry(question, r.entry, ctx, f"{entries.index(r.entry) + 1}.", entries.index(r.entry) + 1),
                r.total,
                r.scored,
                r.spread,
                r.scorers,
                r.rank,
                [{key: escape_markdown(text) for key, text in note.items()} for note in r.notes],
            )
            for r in rank(entries, self.values, criteria, self.member_scores)
        ]


def _form(code: str) -> str:
    return COUNCIL_FORMS.get(code, "neutral")


def _by_level(value: Value, texts: Sequence[str]) -> str:
    """A scale answer (1–5) in words: the text for its level, or the visible placeholder when it is missing."""
    raw = value.raw if isinstance(value, Value) else value
    if not isinstance(raw, int) or not 1 <= raw <= len(texts):
        return str(value)
    return texts[raw - 1]
