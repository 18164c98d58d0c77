"""Every member scores the candidate partners (/score), and the ranking shows where they disagree (/ranking).

Scores are given per criterion of step 4, on 1–5, with pros and cons; the ranking (bot/plan/ranking.py)
weighs them and feeds the comparison of candidates and the internal memo.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.documents import charts
from bot.engine import prompts
from bot.engine.messages import Attachment, Button, Message
from bot.i18n import Translator
from bot.plan.answers import clean_text
from bot.plan.models import Question, QuestionType
from bot.plan.ranking import Ranked, rank, weights

if TYPE_CHECKING:
    from bot.engine.engine import Engine, Turn

MENUS = {"score"}
CANDIDATES = "candidates"
DISAGREEMENT = 1.5  # a spread this large between members' totals is pointed out
NOTE_LIMIT = 1000


def _criteria(engine: Engine, turn: Turn) -> list[Question]:
    """The criteria the committee gave a weight, in the plan's order."""
    all_criteria = [q for q in engine.plan.questions().values() if q.type == QuestionType.criterion]
    weighed = weights(turn.standing.values, [q.id for q in all_criteria])
    return [q for q in all_criteria if q.id in weighed]


def _candidates(turn: Turn) -> list[dict[str, Any]]:
    return [e for e in turn.standing.values.get(CANDIDATES) or [] if isinstance(e, dict)]


async def open_scoring(engine: Engine, turn: Turn) -> list[Message]:
    t = turn.t
    if not _candidates(turn) or not _criteria(engine, turn):
        text = t.gettext(
            "There is nothing to score yet: the criteria are weighed in step 4 and the candidates recorded in step 5."
        )
        return [Message(text), *await engine._show(turn)]
    turn.position = {"at": "menu", "menu": "score", "return": engine._resume_point(turn.position)}
    return await engine._show(turn)


async def menu(engine: Engine, turn: Turn) -> Message | None:
    t, position = turn.t, turn.position
    candidates = _candidates(turn)
    cancel = " " + t.gettext("(/cancel to go back)")
    if position.get("arg") is None:
        buttons = [Button(str(c.get("name") or f"#{n + 1}"), f"cand:{n}") for n, c in enumerate(candidates)]
        return Message(t.gettext("Which candidate do you want to score?") + cancel, buttons, expects="choice")
    index = int(position["arg"])
    if index >= len(candidates):
        return None
    name = str(candidates[index].get("name") or f"#{index + 1}")
    draft = position.setdefault("draft", {})
    criteria = _criteria(engine, turn)
    step = draft.get("i", 0)
    if step < len(criteria):
        criterion = criteria[step]
        wish = (turn.standing.values.get(criterion.id) or {}).get("wish") or ""
        lines = [
            t.gettext("Scoring {name} · criterion {number} of {count}").format(
                name=name, number=step + 1, count=len(criteria)
            ),
            "",
            prompts.say(t, criterion.text, turn.standing.kind),
            t.gettext("What we look for: {wish}").format(wish=wish),
            "",
            t.gettext("How well does {name} match? 1 = not at all, 5 = fully.").format(name=name),
        ]
        buttons = [Button(str(n), f"score:{n}") for n in range(1, 6)] + [Button(t.gettext("Skip"), "skip")]
        return Message("\n".join(lines) + cancel, buttons, expects="choice")
    question = (
        t.gettext("What speaks for {name}? (pros)")
        if step == len(criteria)
        else t.gettext("What speaks against {name}? (cons)")
    )
    return Message(question.format(name=name) + cancel, [Button(t.gettext("Skip"), "skip")], expects="text")


async def choose(engine: Engine, turn: Turn, value: str) -> list[Message]:
    offered = await menu(engine, turn)
    if offered is None or value not in {b.value for b in offered.buttons}:
        return [engine._not_now(turn, None), *await engine._show(turn)]
    if value.startswith("cand:"):
        turn.position["arg"] = int(value.removeprefix("cand:"))
        turn.position["draft"] = {"i": 0, "scores": {}}
        return await engine._show(turn)
    return await _next(engine, turn, None if value == "skip" else value.removeprefix("score:"))


async def text(engine: Engine, turn: Turn, typed: str) -> list[Message]:
    """Pros and cons are typed; anything typed while a score is expected gets the buttons again."""
    draft = turn.position.get("draft", {})
    if turn.position.get("arg") is None or draft.get("i", 0) < len(_criteria(engine, turn)):
        return [Message(turn.t.gettext("Please choose one of the buttons below.")), *await engine._show(turn)]
    note = clean_text(typed)
    if len(note) > NOTE_LIMIT:
        too_long = turn.t.gettext("That is {length} characters; please keep it under {limit}.")
        return [Message(too_long.format(length=len(note), limit=NOTE_LIMIT)), *await engine._show(turn)]
    return await _next(engine, turn, note)


async def _next(engine: Engine, turn: Turn, value: str | None) -> list[Message]:
    draft = turn.position["draft"]
    criteria = _criteria(engine, turn)
    step = draft.get("i", 0)
    if step < len(criteria):
        draft["scores"][criteria[step].id] = int(value) if value else None
    elif step == len(criteria):
        draft["pros"] = value or ""
    else:
        draft["cons"] = value or ""
    draft["i"] = step + 1
    if draft["i"] <= len(criteria) + 1:
        return await engine._show(turn)
    candidate = _candidates(turn)[int(turn.position["arg"])]
    name = str(candidate.get("name") or "")
    scores = {k: v for k, v in draft["scores"].items() if v is not None}
    await engine.store.save_candidate_scores(
        turn.project.id, name, turn.user, scores, draft.get("pros", ""), draft.get("cons", "")
    )
    turn.position = turn.position.get("return", {"at": "start"})
    done = Message(
        turn.t.gettext("Your scores for {name} are saved. /ranking shows where the candidates stand.").format(name=name)
    )
    return [done, *await engine._show(turn)]


async def ranking(engine: Engine, turn: Turn) -> list[Message]:
    """The ranking as text and as a table picture."""
    t = turn.t
    candidates = _candidates(turn)
    if not candidates:
        return [Message(t.gettext("No candidates yet: they are recorded in step 5.")), *await engine._show(turn)]
    member_scores = await engine.store.candidate_scores(turn.project.id)
    criteria = [q.id for q in engine.plan.questions().values() if q.type == QuestionType.criterion]
    ranked = rank(candidates, turn.standing.values, criteria, member_scores)
    return [_ranking_message(t, ranked, turn.project.name), *await engine._show(turn)]


def _ranking_message(t: Translator, ranked: list[Ranked], project: str) -> Message:
    title = t.gettext("Ranking of the candidates of {name}").format(name=project)
    lines, rows = [title, ""], []
    for item in ranked:
        name = str(item.entry.get("name") or "")
        country = str(item.entry.get("country") or "")
        if item.total is None:
            lines.append(t.gettext("{name} ({country}): not scored yet").format(name=name, country=country))
            rows.append(["–", name, country, "–", "–", "0"])
            continue
        line = t.ngettext(
            "{rank}. {name} ({country}): {total} (1 scorer)",
            "{rank}. {name} ({country}): {total} on average ({count} scorers, spread {spread})",
            item.scorers,
        ).format(
            rank=item.rank,
            name=name,
            country=country,
            total=t.number(item.total),
            count=item.scorers,
            spread=t.number(item.spread or 0),
        )
        if item.spread is not None and item.spread >= DISAGREEMENT:
            line += " ⚠ " + t.gettext("the committee disagrees on this one")
        lines.append(line)
        for note in item.notes:
            lines += [f"   + {note['name']}: {note['pros']}"] if note["pros"] else []
            lines += [f"   – {note['name']}: {note['cons']}"] if note["cons"] else []
        rows.append(
            [str(item.rank), name, country, t.number(item.total), t.number(item.spread or 0), str(item.scorers)]
        )
    header = [
        t.gettext("Rank"),
        t.gettext("Candidate"),
        t.gettext("Country"),
        t.gettext("Average"),
        t.gettext("Spread"),
        t.gettext("Scorers"),
    ]
    picture = Attachment("ranking.png", charts.table_image(title, header, rows), title)
    return Message("\n".join(lines), files=[picture])
