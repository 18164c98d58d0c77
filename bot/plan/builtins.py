"""The fields behind the compound question types `check` and `criterion`.

Every check (a policy consequence or obstacle) and every partner criterion asks the same
two things, so the plan files name only the statement and these fields are shared.
"""

from __future__ import annotations

from bot.i18n import N_
from bot.plan.models import FieldSpec, Option, Question, QuestionType

CHECK_FIELDS = [
    FieldSpec(
        id="status",
        type=QuestionType.choice,
        text=N_("How is the committee dealing with this?"),
        options=[
            Option(id="addressed", label=N_("Addressed")),
            Option(id="not_relevant", label=N_("Not relevant for us")),
            Option(id="to_do", label=N_("Still to do")),
        ],
    ),
    FieldSpec(
        id="note",
        type=QuestionType.long_text,
        text=N_("Add a short note: what was done or will be done, and by whom."),
        required=False,
    ),
]

CRITERION_FIELDS = [
    FieldSpec(
        id="wish",
        type=QuestionType.long_text,
        text=N_("What do you look for in a partner on this point?"),
    ),
    FieldSpec(
        id="weight",
        type=QuestionType.scale,
        text=N_("How much does this point weigh in the choice?"),
        low=N_("nice to have"),
        high=N_("essential"),
    ),
]


def fields_of(question: Question) -> list[FieldSpec]:
    """The fields a compound question asks one after the other (none for a simple question)."""
    if question.type == QuestionType.check:
        return CHECK_FIELDS
    if question.type == QuestionType.criterion:
        return CRITERION_FIELDS
    return list(question.fields)
