"""The ten-keys check, as a calculation: own scores set against the gaps the answers show.

A key the answers show a gap for (no school among the local partners for key 6, no
evaluation date for key 4, no budget for key 10…) loses a point per gap; the three lowest
are the weakest keys, each with its next action from health.yaml.

The check knows where the project stands: a gap counts only once the step that asks for the
answer has been reached. An evaluation date agreed in step 6 cannot be missing at the close of
stage 1, so it does not lower key 4 there.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from bot.i18n import Translator
from bot.plan.models import Kind, Plan, Signal, pick


@dataclass(frozen=True)
class KeyResult:
    key: str
    number: int
    title: str  # translated
    own: int  # the committee's own score
    score: int  # after the gaps the answers show
    gaps: list[str]  # what the answers show, translated
    action: str  # the next action, translated
    weak: bool  # one of the three weakest keys


def _answered(value: Any) -> bool:
    return value not in (None, "", [], {})


def reached(plan: Plan, values: dict[str, Any], closed: Collection[str] | None = None) -> int:
    """How far the project has come: the position (in plan order) of the furthest step that is closed
    or holds an answer; -1 when nothing was answered yet."""
    furthest = -1
    for position, step in enumerate(plan.ordered_steps()):
        if (closed is not None and step.id in closed) or any(_answered(values.get(q.id)) for q in step.questions):
            furthest = position
    return furthest


def applies(plan: Plan, signal: Signal, furthest: int) -> bool:
    """A signal counts once every step holding one of its questions has been reached."""
    order = {step.id: position for position, step in enumerate(plan.ordered_steps())}
    return all(order[plan.step_of(qid).id] <= furthest for qid in signal.questions())


def has_gap(signal: Signal, values: dict[str, Any]) -> bool:
    if signal.missing_entry is not None:
        test = signal.missing_entry
        entries = values.get(test.question) or []
        return not any(isinstance(e, dict) and e.get(test.field) in test.in_ for e in entries)
    return all(values.get(qid) in (None, "", [], {}) for qid in signal.unanswered)


def evaluate(
    plan: Plan,
    values: dict[str, Any],
    own: dict[str, int],
    t: Translator,
    kind: Kind | None,
    closed: Collection[str] | None = None,
) -> list[KeyResult]:
    """A result per key, in the keys' order; a key the committee did not score counts as 3.

    Gaps count only for steps the project has reached (see `reached`): pass the closed steps as
    `closed` when they are known; without them the answers alone show how far the project came.
    """
    keys = sorted(plan.keys.values(), key=lambda k: k.number)
    furthest = reached(plan, values, closed)
    due = [s for s in plan.health.signals if applies(plan, s, furthest)]
    scored = []
    for key in keys:
        gaps = [t.translate(s.message) for s in due if s.key == key.id and has_gap(s, values)]
        mine = own.get(key.id, 3)
        scored.append((key, mine, max(1, mine - len(gaps)), gaps))
    ranked = sorted(scored, key=lambda item: (item[2], -len(item[3]), item[0].number))
    weak = {key.id for key, *_ in ranked[:3]}
    return [
        KeyResult(
            key.id,
            key.number,
            t.translate(pick(key.title, kind)),
            mine,
            score,
            gaps,
            t.translate(pick(plan.health.actions[key.id], kind)),
            key.id in weak,
        )
        for key, mine, score, gaps in scored
    ]


def weakest(results: list[KeyResult]) -> list[KeyResult]:
    """The three weakest keys, weakest first."""
    return sorted((r for r in results if r.weak), key=lambda r: (r.score, -len(r.gaps), r.number))
