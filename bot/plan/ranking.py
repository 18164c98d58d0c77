"""Ranking candidate partners: each scorer's weighted total, then the average and the spread.

A candidate is an entry of a list question (the candidates of step 5). Its `score_<criterion>`
fields are the scores of the person who entered it; every committee member can add their
own scores with /score. Each scorer's total is the average of their scores weighed by the
weights of step 4's criteria; the ranking is by the average of those totals, and the spread
(highest minus lowest total) shows where the committee disagrees.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

SCORE_PREFIX = "score_"


@dataclass(frozen=True)
class Ranked:
    index: int  # position of the candidate in the list
    entry: dict[str, Any]
    total: float | None  # average of the scorers' weighted totals, 1–5; None when nobody scored
    spread: float | None  # highest minus lowest total; 0 with one scorer
    scorers: int
    scored: int  # how many criteria were scored, by the scorer who scored most
    rank: int  # equal totals share a rank
    notes: list[dict[str, str]]  # members' pros and cons: {"name", "pros", "cons"}


def weights(values: dict[str, Any], criteria: list[str]) -> dict[str, float]:
    """The weight of each criterion the committee weighed (criterion answers are {wish, weight})."""
    found = {}
    for criterion in criteria:
        answer = values.get(criterion)
        if isinstance(answer, dict) and answer.get("weight"):
            found[criterion] = float(answer["weight"])
    return found


def weighted_total(scores: dict[str, Any], weight: dict[str, float]) -> tuple[float | None, int]:
    """One scorer's total on 1–5 and how many criteria they scored; missing scores are left out."""
    pairs = [(float(scores[c]), w) for c, w in weight.items() if scores.get(c) is not None]
    if not pairs:
        return None, 0
    return sum(s * w for s, w in pairs) / sum(w for _, w in pairs), len(pairs)


def entry_scores(entry: dict[str, Any]) -> dict[str, Any]:
    """The scores written in a candidate's own entry, by criterion."""
    return {k.removeprefix(SCORE_PREFIX): v for k, v in entry.items() if k.startswith(SCORE_PREFIX)}


def rank(
    entries: list[dict[str, Any]],
    values: dict[str, Any],
    criteria: list[str],
    member_scores: dict[str, list[dict[str, Any]]] | None = None,
) -> list[Ranked]:
    """Rank the entries. `member_scores` maps a candidate's name to the score sets members gave it."""
    weight = weights(values, criteria)
    ranked = []
    for index, entry in enumerate(entries):
        score_sets = [entry_scores(entry), *(member_scores or {}).get(str(entry.get("name", "")), [])]
        totals = [(total, count) for total, count in (weighted_total(s, weight) for s in score_sets) if total]
        average = round(sum(t for t, _ in totals) / len(totals), 2) if totals else None
        spread = round(max(t for t, _ in totals) - min(t for t, _ in totals), 2) if totals else None
        scored = max((count for _, count in totals), default=0)
        notes = [
            {"name": str(s.get("_name", "")), "pros": str(s.get("_pros", "")), "cons": str(s.get("_cons", ""))}
            for s in score_sets[1:]
            if s.get("_pros") or s.get("_cons")
        ]
        ranked.append(Ranked(index, entry, average, spread, len(totals), scored, 0, notes))
    ordered = sorted(ranked, key=lambda r: (r.total is None, -(r.total or 0), str(r.entry.get("name", ""))))
    result, previous, position = [], None, 0
    for number, item in enumerate(ordered, start=1):
        if item.total != previous:
            position, previous = number, item.total
        result.append(replace(item, rank=position if item.total is not None else len(ordered)))
    return result
