"""The plan as typed data: what `dialogs/*.yaml` may contain.

These models are the contract between content editors and the engine. They are strict
(`extra="forbid"`) so that a typo in a plan file ("requird: true") fails at start-up with
its place instead of being silently ignored while a municipality is halfway through a step.
All wording is English source text; translations come from the gettext catalogs.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

if TYPE_CHECKING:
    from bot.i18n import Translator

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]


class Kind(StrEnum):
    """The two kinds of partnership the bot supports."""

    european = "european"
    north_south = "north_south"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Variants(Strict):
    """Wording that differs between a European twinning and a North–South link."""

    european: str
    north_south: str

    def for_kind(self, kind: Kind | None) -> str:
        return self.north_south if kind == Kind.north_south else self.european


Wording = str | Variants


def pick(text: Wording | None, kind: Kind | None) -> str | None:
    """The wording that applies to a project of `kind` (European wording when not chosen yet)."""
    if text is None or isinstance(text, str):
        return text
    return text.for_kind(kind)


class QuestionType(StrEnum):
    text = "text"
    long_text = "long_text"
    choice = "choice"
    multi = "multi"
    integer = "integer"
    amount = "amount"
    date = "date"
    yes_no = "yes_no"
    scale = "scale"
    group = "group"
    repeat = "repeat"
    check = "check"
    criterion = "criterion"


COMPOUND_TYPES = {QuestionType.group, QuestionType.repeat, QuestionType.check, QuestionType.criterion}


class Option(Strict):
    id: Identifier
    label: Wording


class Rule(Strict):
    """A validation rule with its own message, like XLSForm's constraint + constraint_message."""

    pattern: str | None = None
    min: float | None = None
    max: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    min_date: str | None = None
    max_date: str | None = None
    message: str | None = None

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            re.compile(value)
        return value


class Condition(Strict):
    """Skip logic: the question is asked only when this holds for earlier answers.

    Either a test on one question (`question` plus exactly one of equals / not_equals /
    in / includes / answered / at_least), or `all` / `any` over nested conditions.
    `question: kind` tests the kind of partnership.
    """

    question: Identifier | None = None
    equals: str | int | bool | None = None
    not_equals: str | int | bool | None = None
    in_: list[str | int] | None = Field(default=None, alias="in")
    includes: str | None = None
    answered: bool | None = None
    at_least: float | None = None
    all: list[Condition] | None = None
    any: list[Condition] | None = None

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        tests = [
            name
            for name in ("equals", "not_equals", "in_", "includes", "answered", "at_least")
            if getattr(self, name) is not None
        ]
        if self.all is not None or self.any is not None:
            if self.question is not None or tests or (self.all is not None and self.any is not None):
                raise ValueError("use either `all`/`any` alone or `question` with one test")
        elif self.question is None or len(tests) != 1:
            raise ValueError(
                "a condition needs `question` and exactly one of equals, not_equals, in, includes, answered, at_least"
            )
        return self

    def questions(self) -> set[str]:
        """Every question id this condition reads."""
        found = {self.question} if self.question else set()
        for child in (self.all or []) + (self.any or []):
            found |= child.questions()
        return found


class Answerable(Strict):
    """What every question and every field of a group has: an id, a type, wording, a rule."""

    id: Identifier
    type: QuestionType
    text: Wording
    hint: Wording | None = None
    required: bool = True
    options: list[Option] = []
    other: bool = False
    rule: Rule | None = None
    low: str | None = None
    high: str | None = None
    # Whether the answer is a passage the translation round asks to translate for the partner. Unset: long
    # texts are, short texts (names, places, contacts) are not; `true` for a short text that is wording.
    translate: bool | None = None

    @property
    def translatable(self) -> bool:
        if self.type not in (QuestionType.text, QuestionType.long_text):
            return False
        return self.type == QuestionType.long_text if self.translate is None else self.translate


class FieldSpec(Answerable):
    """One field of a group or repeat: a question that cannot itself hold fields."""

    @model_validator(mode="after")
    def _simple(self) -> FieldSpec:
        if self.type in COMPOUND_TYPES:
            raise ValueError(f"a field cannot be of type {self.type.value}")
        _check_options(self.type, self.options, self.other)
        return self


class Question(Answerable):
    """One question, with everything a reader needs to answer it well."""

    why: Wording | None = None
    task: int | None = None
    fields: list[FieldSpec] = []
    min_entries: int = 0
    max_entries: int = 50
    when: Condition | None = None
    tip: str | None = None
    warning: Wording | None = None
    check: Literal["consequence", "obstacle"] | None = None
    kinds: list[Kind] | None = None
    funding: bool = False  # show the funding routes of funding.yaml with this question
    # Why nothing (no draft, ranking or ten-keys check) reads this answer; without it, such a question is an error.
    internal: str | None = Field(default=None, min_length=3)
    # An earlier question of the same type whose answer is shown as the current one, to confirm ("Still true?").
    confirm: Identifier | None = None
    # For a repeat: the noun of one entry ("Organisation"), shown as "Organisation 2" instead of "Entry 2".
    entry_name: Wording | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        _check_options(self.type, self.options, self.other)
        if self.entry_name is not None and self.type != QuestionType.repeat:
            raise ValueError("`entry_name` belongs to repeat questions")
        if self.confirm == self.id:
            raise ValueError("a question cannot confirm itself")
        if self.type in (QuestionType.group, QuestionType.repeat):
            if not self.fields:
                raise ValueError(f"a {self.type.value} needs `fields`")
            ids = [f.id for f in self.fields]
            if len(ids) != len(set(ids)):
                raise ValueError("two fields share an id")
        elif self.fields:
            raise ValueError(f"`fields` belongs to group or repeat, not {self.type.value}")
        if (self.type == QuestionType.check) != (self.check is not None):
            raise ValueError("a check question needs `check: consequence` or `check: obstacle`")
        return self


def _check_options(qtype: QuestionType, options: list[Option], other: bool) -> None:
    if qtype in (QuestionType.choice, QuestionType.multi):
        if len(options) < 2:
            raise ValueError(f"a {qtype.value} question needs at least two options")
        ids = [o.id for o in options]
        if len(ids) != len(set(ids)):
            raise ValueError("two options share an id")
    elif options:
        raise ValueError(f"`options` belongs to choice or multi, not {qtype.value}")
    if other and qtype != QuestionType.multi:
        raise ValueError("`other` is only for multi questions")


class Step(Strict):
    """One of the seven steps, as the step plan describes it."""

    id: Identifier
    stage: int
    number: int
    title: Wording
    purpose: Wording
    tasks: list[Wording]
    results: list[Wording]
    documents: list[Wording]
    questions: list[Question]


class Stage(Strict):
    number: int
    title: Wording
    period: Wording
    steps: list[Identifier]


class PartnershipKind(Strict):
    id: Kind
    label: str
    description: str


class Key(Strict):
    """One of CEMR's ten keys to success, as a short tip."""

    id: Identifier
    number: int
    title: Wording
    tip: Wording


class FundingRoute(Strict):
    """A funding programme worth looking at, with the date its facts were checked and where they come from.

    `countries` lists the country codes (as in terms.yaml) it is for; empty means EU-wide or open to all.
    """

    id: Identifier
    kinds: list[Kind]
    countries: list[str] = []
    name: str
    text: str
    where: str | None = None  # who to ask (older files); `source` names the programme's own page
    source: str | None = None
    period: str | None = None
    checked: date | None = None

    def for_country(self, code: str | None) -> bool:
        """Shown to a municipality of `code`: EU-wide routes always, national ones only in their country."""
        return not self.countries or code in self.countries


class Funding(Strict):
    checked: date | None = None  # the date for routes that carry none of their own
    routes: list[FundingRoute]

    @model_validator(mode="after")
    def _dated(self) -> Funding:
        for route in self.routes:
            if route.checked is None and self.checked is None:
                raise ValueError(f"funding route {route.id!r} needs `checked`: the date its facts were checked")
        return self

    def checked_on(self, route: FundingRoute) -> date:
        return route.checked or self.checked  # type: ignore[return-value]


TERM = re.compile(r"\{([a-z][a-z0-9_]*)\}")
DEFAULT_TERM = "default"


def _folded(text: str) -> str:
    """A country name as typed, for comparison: lower case, no accents, no punctuation, single spaces."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


class Terms(Strict):
    """Country-aware words for plan texts (dialogs/terms.yaml).

    `countries` maps a country code to the names people type for it (any language); `terms` maps a
    placeholder such as `executive` to its English wording per country code, with a `default` for
    every other country. Each wording is a source text the catalogs translate, so a Dutch-speaking
    Belgian reads "college van burgemeester en schepenen" and a Dutch one "college van burgemeester
    en wethouders" where the plan text says `{executive}`.
    """

    countries: dict[str, list[str]] = {}
    terms: dict[Identifier, dict[str, str]] = {}

    @model_validator(mode="after")
    def _complete(self) -> Terms:
        for code in self.countries:
            if not re.fullmatch(r"[A-Z]{2}", code):
                raise ValueError(f"country code {code!r} is not two capital letters (ISO 3166)")
        for name, wording in self.terms.items():
            if DEFAULT_TERM not in wording:
                raise ValueError(f"term {name!r} needs a `default` wording for other countries")
            unknown = set(wording) - set(self.countries) - {DEFAULT_TERM}
            if unknown:
                raise ValueError(f"term {name!r} names unknown country {sorted(unknown)[0]!r}")
        return self

    def country_code(self, answer: object) -> str | None:
        """The code of the country a person typed ("België", "the Netherlands", "SE"), or None."""
        if not isinstance(answer, str) or not answer.strip():
            return None
        typed = _folded(answer)
        if typed.startswith("the "):
            typed = typed[4:]
        for code, names in self.countries.items():
            if typed == code.lower() or typed in {_folded(n) for n in names}:
                return code
        return None

    def wording(self, name: str, code: str | None) -> str | None:
        """The English wording of term `name` for country `code` (the default for other countries)."""
        wording = self.terms.get(name)
        if wording is None:
            return None
        return wording.get(code or DEFAULT_TERM) or wording[DEFAULT_TERM]

    def fill(self, text: str, t: Translator, country: object = None) -> str:
        """Replace each `{term}` in a translated text by its translated wording for the country."""
        if "{" not in text or not self.terms:
            return text
        code = self.country_code(country)

        def replace(match: re.Match[str]) -> str:
            wording = self.wording(match.group(1), code)
            return match.group(0) if wording is None else t.translate(wording)

        return TERM.sub(replace, text)


class EntryTest(Strict):
    """Whether a list (a repeat question) has an entry whose `field` is one of `in`."""

    question: Identifier
    field: Identifier
    in_: list[str] = Field(alias="in")


class Signal(Strict):
    """A gap the answers show for one key: every question `unanswered`, or no matching list entry."""

    key: Identifier
    unanswered: list[Identifier] = []
    missing_entry: EntryTest | None = None
    message: str

    @model_validator(mode="after")
    def _one_test(self) -> Signal:
        if bool(self.unanswered) == (self.missing_entry is not None):
            raise ValueError("a signal needs either `unanswered` or `missing_entry`")
        return self

    def questions(self) -> set[str]:
        return set(self.unanswered) | ({self.missing_entry.question} if self.missing_entry else set())


class Health(Strict):
    """The ten-keys check: the self-assessment question, the signals and the next actions."""

    text: str
    low: str
    high: str
    signals: list[Signal]
    actions: dict[Identifier, Wording]


class CalendarSource(Strict):
    """A list whose entries carry a date that becomes a reminder (evaluation dates, activities)."""

    question: Identifier
    date_field: Identifier
    label_field: Identifier
    kind: Literal["evaluation", "activity"]


class Document(Strict):
    """A draft produced at the end of a stage from one template."""

    id: Identifier
    stage: int
    title: Wording
    template: str
    audience: Literal["internal", "partner", "public"] = "internal"
    bilingual: bool = False  # the project's language and the partner's, one after the other, in one file
    annex: bool = False  # the stage's annex of sources: which answers its drafts use, who gave them and when

    @property
    def partner_facing(self) -> bool:
        """Sent to the partner: never carries the committee's weights, scores, notes or the annex."""
        return self.audience == "partner"


class Plan(Strict):
    """The whole plan, loaded from dialogs/ and checked as one."""

    kinds: list[PartnershipKind]
    setup: Step
    stages: list[Stage]
    steps: dict[str, Step]
    keys: dict[str, Key]
    documents: list[Document]
    funding: Funding
    health: Health
    terms: Terms = Terms()
    carry_over: list[Identifier] = []
    calendar: list[CalendarSource] = []
    root: Path
    _questions: dict[str, Question] = PrivateAttr(default_factory=dict)
    _steps_of: dict[str, Step] = PrivateAttr(default_factory=dict)

    @property
    def templates(self) -> Path:
        return self.root / "documents"

    def ordered_steps(self) -> list[Step]:
        """The setup step first, then the seven steps in plan order."""
        return [self.setup] + [self.steps[s] for stage in self.stages for s in stage.steps]

    def questions(self) -> dict[str, Question]:
        """Every question by id (made once: the plan does not change while the bot runs; do not modify)."""
        if not self._questions:
            self._questions.update({q.id: q for step in self.ordered_steps() for q in step.questions})
        return self._questions

    def step_of(self, question_id: str) -> Step:
        if not self._steps_of:
            self._steps_of.update({q.id: step for step in self.ordered_steps() for q in step.questions})
        return self._steps_of[question_id]

    def stage(self, number: int) -> Stage:
        return next(s for s in self.stages if s.number == number)

    def documents_of(self, stage: int) -> list[Document]:
        return [d for d in self.documents if d.stage == stage]

    def count_questions(self, stage: int | None = None) -> int:
        """How many questions the plan asks: each question block counts once (conditional ones too; the
        fields of a group, repeat, check or criterion do not count apart). With `stage`, only that stage's
        steps (0 is the opening step)."""
        return sum(len(step.questions) for step in self.ordered_steps() if stage is None or step.stage == stage)
