"""The plan as typed data: what `dialogs/*.yaml` may contain.

These models are the contract between content editors and the engine. They are strict
(`extra="forbid"`) so that a typo in a plan file ("requird: true") fails at start-up with
its place instead of being silently ignored while a municipality is halfway through a step.
All wording is English source text; translations come from the gettext catalogs.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        _check_options(self.type, self.options, self.other)
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
    """A funding programme worth looking at; facts as of `Funding.checked`."""

    id: Identifier
    kinds: list[Kind]
    name: str
    text: str
    where: str


class Funding(Strict):
    checked: date
    routes: list[FundingRoute]


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
    bilingual: bool = False  # followed by the same draft in the partner's language


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
    carry_over: list[Identifier] = []
    calendar: list[CalendarSource] = []
    root: Path

    @property
    def templates(self) -> Path:
        return self.root / "documents"

    def ordered_steps(self) -> list[Step]:
        """The setup step first, then the seven steps in plan order."""
        return [self.setup] + [self.steps[s] for stage in self.stages for s in stage.steps]

    def questions(self) -> dict[str, Question]:
        return {q.id: q for step in self.ordered_steps() for q in step.questions}

    def step_of(self, question_id: str) -> Step:
        for step in self.ordered_steps():
            if any(q.id == question_id for q in step.questions):
                return step
        raise KeyError(question_id)

    def stage(self, number: int) -> Stage:
        return next(s for s in self.stages if s.number == number)

    def documents_of(self, stage: int) -> list[Document]:
        return [d for d in self.documents if d.stage == stage]
