"""Turn the demo municipality's answers into the lines a person would type in the terminal.

It walks the plan as the engine does (skip logic included) and types what the console asks
for: the number of an answer button, the letter of a navigation button (a: add another, d: done,
o: other), a value, or /skip.
"""

from __future__ import annotations

from typing import Any

from bot.demo import _field_events, multi_parts
from bot.engine.messages import Command, Press, Text
from bot.i18n import Translator
from bot.plan.builtins import fields_of
from bot.plan.conditions import applies
from bot.plan.models import FieldSpec, Kind, Plan, Question, QuestionType


def console_lines(plan: Plan, answers: dict[str, Any], t: Translator) -> list[str]:
    lines: list[str] = []
    values: dict[str, Any] = {}
    for step in plan.ordered_steps():
        for question in step.questions:
            kind = Kind(values["kind"]) if "kind" in values else None
            if not applies(question, values, kind):
                continue
            value = answers.get(question.id)
            lines += _question_lines(question, value, t)
            values[question.id] = stored(question, value)
        if step.stage:
            lines.append("1")  # "Close this step" in the review
        if step.stage and plan.stage(step.stage).steps[-1] == step.id:
            lines.append("1")  # "Close the stage and make the drafts"
    return lines


def stored(question: Question, value: Any) -> Any:
    """The value as the engine stores it, for evaluating later skip logic."""
    if question.type == QuestionType.multi and value is not None:
        selected, other = multi_parts(question, value)
        return {"selected": selected, "other": other}
    return value


def _question_lines(question: Question, value: Any, t: Translator) -> list[str]:
    fields = fields_of(question)
    if value is None or value == [] or not fields:
        return _spec_lines(question, value, t)
    entries = value if question.type == QuestionType.repeat else [value]
    lines: list[str] = []
    for number, entry in enumerate(entries):
        if number:
            lines.append("a")  # "Add another"
        for field in fields:
            lines += _spec_lines(field, entry.get(field.id), t)
    if question.type == QuestionType.repeat and len(entries) < question.max_entries:
        lines.append("d")  # "Done"
    return lines


def _spec_lines(spec: Question | FieldSpec, value: Any, t: Translator) -> list[str]:
    option_numbers = {f"o:{o.id}": str(n) for n, o in enumerate(spec.options, start=1)}
    option_numbers |= {"o:yes": "1", "o:no": "2", "other": "o", "done": "d"}
    lines = []
    for event in _field_events(spec, value, t):
        if isinstance(event, Command):
            lines.append(f"/{event.name}")
        elif isinstance(event, Press):
            lines.append(
                event.value.removeprefix("o:") if spec.type == QuestionType.scale else option_numbers[event.value]
            )
        elif isinstance(event, Text):
            lines.append(event.text)
    return lines
