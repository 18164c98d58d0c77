"""Where a project stands in the plan: which step is open, which question comes next, progress.

Pure functions over the plan and the answers, so navigation is the same for every front end
and easy to test. A question "is answered" when a value (or an explicit skip) is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from bot.engine.state import QuestionDraft
from bot.plan.builtins import fields_of
from bot.plan.conditions import applies
from bot.plan.models import FieldSpec, Kind, Plan, Question, Step


@dataclass(frozen=True)
class Standing:
    """A project's answers and closed steps: enough to navigate."""

    plan: Plan
    values: dict[str, Any]
    answered: frozenset[str]
    closed: frozenset[str]
    _applicable: dict[str, list[Question]] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def kind(self) -> Kind | None:
        value = self.values.get("kind")
        return Kind(value) if value in {k.value for k in Kind} else None

    def questions(self, step: Step) -> list[Question]:
        """The step's questions that apply to this project now (skip logic and kind); worked out once per step."""
        found = self._applicable.get(step.id)
        if found is None:
            kind = self.kind
            found = self._applicable[step.id] = [q for q in step.questions if applies(q, self.values, kind)]
        return found

    def open_step(self) -> Step | None:
        """The first step not yet closed, or None when the whole plan is done."""
        return next((s for s in self.plan.ordered_steps() if s.id not in self.closed), None)

    def next_question(self, step: Step) -> Question | None:
        """The first applicable question of the step without an answer."""
        return next((q for q in self.questions(step) if q.id not in self.answered), None)

    def previous_question(self, step: Step, question_id: str | None) -> Question | None:
        """The applicable question before `question_id` (or the last one when None)."""
        questions = self.questions(step)
        ids = [q.id for q in questions]
        index = ids.index(question_id) if question_id in ids else len(ids)
        return questions[index - 1] if index > 0 else None

    def counts(self, step: Step) -> tuple[int, int]:
        """(answered, applicable) questions of a step."""
        questions = self.questions(step)
        return sum(q.id in self.answered for q in questions), len(questions)


def current_spec(question: Question, draft: QuestionDraft) -> Question | FieldSpec:
    """What the person is answering now: the question itself, or the field a compound answer is at."""
    fields = fields_of(question)
    return fields[draft.field] if fields else question


def skips_whole_question(question: Question, draft: QuestionDraft) -> bool:
    """/skip leaves the whole question open: it is optional and nothing of it was typed yet."""
    untouched = not draft.entries and not draft.entry and not draft.field
    return not question.required and untouched


def can_skip(question: Question, draft: QuestionDraft) -> bool:
    """/skip applies now: to the whole optional question, or to an optional field of a compound one."""
    spec = current_spec(question, draft)
    return skips_whole_question(question, draft) or (spec is not question and not spec.required)
