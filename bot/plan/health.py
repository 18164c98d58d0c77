"""The ten-keys check, as a calculation: own scores set against the gaps the answers show.

A key the answers show a gap for (no school among the local partners for key 6, no
evaluation date for key 4, no budget for key 10…) loses a point per gap; the three lowest
are the weakest keys, each with its next action from health.yaml.
"""

from __future__ import annotations

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


def has_gap(signal: Signal, values: dict[str, Any]) -> bool:
    if signal.missing_entry is not None:
        test = signal.missing_entry
        entries = values.get(test.question) or []
        return not any(isinstance(e, dict) and e.get(test.field) in test.in_ for e in entries)
    return all(values.get(qid) in (None, "", [], {}) for qid in signal.unanswered)


def evaluate(
    plan: Plan, values: dict[str, Any], own: dict[str, int], t: Translator, kind: Kind | None
) -> list[KeyResult]:
    """A result per key, in the keys' order; a key the committee did not score counts as 3."""
    keys = sorted(plan.keys.values(), key=lambda k: k.number)
    scored = []
    for key in keys:
        gaps = [t.translate(s.message) for s in plan.health.signals if s.key == key.id and has_gap(s, values)]
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
