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
from bot.plan.conditions import applies, holds
from bot.plan.models import Condition, FieldSpec, Kind, Plan, Question, Step


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

    @cached_property
    def _all_questions(self) -> dict[str, Question]:
        return self.plan.questions()

    def undecided(self, step: Step) -> list[Question]:
        """The step's questions that do not apply now but may still come: their condition reads an answer
        that is not given yet (a follow-up of a question further on, or of one not answered yet)."""
        return [q for q in step.questions if self._may_apply(q) is None]

    @cached_property
    def _asked(self) -> dict[str, bool | None]:
        return {}  # `_may_apply` per question id, worked out once

    def _may_apply(self, question: Question) -> bool | None:
        """Whether the question is asked: True, False, or None while an answer it depends on may still come."""
        if question.id not in self._asked:
            self._asked[question.id] = self._work_out(question)
        return self._asked[question.id]

    def _work_out(self, question: Question) -> bool | None:
        if question.when is None and question.kinds is None:
            return True
        if applies(question, self.values, self.kind):
            return True
        if question.kinds is not None and (self.kind or Kind.european) not in question.kinds:
            return None if "kind" not in self.answered else False  # until the kind of partnership is chosen
        if question.when is None:
            return False
        return False if self._holds(question.when) is False else None

    def _holds(self, condition: Condition) -> bool | None:
        """A condition in three values: None when an answer it reads may still be given."""
        if condition.all is not None or condition.any is not None:
            results = [self._holds(child) for child in (condition.all or condition.any or [])]
            decisive = condition.any is not None  # True decides an `any`, False decides an `all`
            if decisive in results:
                return decisive
            return None if None in results else not decisive
        name = condition.question or ""
        if name not in self.answered and self._may_come(name):
            return None
        return holds(condition, self.values, self.kind)

    def _may_come(self, question_id: str) -> bool:
        """An unanswered question that may still be asked (one that will never apply stays unanswered)."""
        question = self._all_questions.get(question_id)
        return question is not None and self._may_apply(question) is not False

    def counts(self, step: Step) -> tuple[int, int]:
        """(answered, applicable) questions of a step; follow-ups that may still come count as applicable, as
        in the question counter, so the total does not grow as they appear."""
        questions = self.questions(step)
        return sum(q.id in self.answered for q in questions), len(questions) + len(self.undecided(step))


def current_spec(question: Question, draft: QuestionDraft) -> Question | FieldSpec:
    """What the person is answering now: the question itself, or the field a compound answer is at."""
    fields = fields_of(question)
    return fields[draft.field] if fields else question


def skips_whole_question(question: Question, draft: QuestionDraft) -> bool:
    """/skip leaves the whole question open: it is optional and nothing of it was typed yet."""
    untouched = not draft.entries and not draft.entry and not draft.field and not draft.listing
    return not question.required and untouched


def in_list_menu(draft: QuestionDraft) -> bool:
    """An answered list is shown to pick an entry (to change or remove) or to add one: no field is asked."""
    return draft.listing and draft.changing is None


def can_skip(question: Question, draft: QuestionDraft) -> bool:
    """/skip applies now: to the whole optional question, or to an optional field of a compound one."""
    if in_list_menu(draft) or draft.more or draft.other_pending:
        return False
    spec = current_spec(question, draft)
    return skips_whole_question(question, draft) or (spec is not question and not spec.required)
