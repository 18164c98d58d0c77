"""Skip logic: whether a question applies, given the answers so far."""

from __future__ import annotations

from typing import Any

from bot.plan.models import Condition, Kind, Question


def holds(condition: Condition, values: dict[str, Any], kind: Kind | None) -> bool:
    """Evaluate a `when` against stored values (a skipped or missing answer fails every test but `answered`)."""
    if condition.all is not None:
        return all(holds(child, values, kind) for child in condition.all)
    if condition.any is not None:
        return any(holds(child, values, kind) for child in condition.any)
    name = condition.question or ""
    value = kind.value if name == "kind" and kind else values.get(name)
    if condition.answered is not None:
        return (value is not None and value != [] and value != "") == condition.answered
    if value is None:
        return False
    if condition.equals is not None:
        return value == condition.equals
    if condition.not_equals is not None:
        return value != condition.not_equals
    if condition.in_ is not None:
        return value in condition.in_
    if condition.includes is not None:
        selected = value.get("selected", []) if isinstance(value, dict) else value
        return isinstance(selected, list) and condition.includes in selected
    if condition.at_least is not None:
        return isinstance(value, int | float) and value >= condition.at_least
    return False


def applies(question: Question, values: dict[str, Any], kind: Kind | None) -> bool:
    """Whether the question is asked for this project: its kinds and its `when`."""
    if question.kinds is not None and (kind or Kind.european) not in question.kinds:
        return False
    return question.when is None or holds(question.when, values, kind)
