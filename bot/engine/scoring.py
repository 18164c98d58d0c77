"""Every member scores the candidate partners (/score), and the ranking shows where they disagree (/ranking).

Scores are given per criterion of step 4, on 1–5, with pros and cons; the ranking (bot/plan/ranking.py)
weighs them and feeds the comparison of candidates and the internal memo.
"""

from __future__ import annotations

from typing import Any

from bot.documents import charts
from bot.engine import prompts
from bot.engine.messages import Attachment, Button, Message
from bot.engine.state import AtMenu, MenuForm, resume_point
from bot.engine.turn import Conversation, Turn
from bot.i18n import Translator
from bot.plan.answers import clean_text
from bot.plan.models import Question, QuestionType
from bot.plan.ranking import Ranked, rank, weights

MENUS = {"score"}
CANDIDATES = "candidates"
DISAGREEMENT = 1.5  # a spread this large between members' totals is pointed out
NOTE_LIMIT = 1000


def _criteria(conv: Conversation, turn: Turn) -> list[Question]:
    """The criteria the committee gave a weight, in the plan's order."""
    all_criteria = [q for q in conv.plan.questions().values() if q.type == QuestionType.criterion]
    weighed = weights(turn.standing.values, [q.id for q in all_criteria])
    return [q for q in all_criteria if q.id in weighed]


def _candidates(turn: Turn) -> list[dict[str, Any]]:
    return [e for e in turn.standing.values.get(CANDIDATES) or [] if isinstance(e, dict)]


def open_scoring(conv: Conversation, turn: Turn) -> list[Message]:
    t = turn.t
    if not _candidates(turn) or not _criteria(conv, turn):
        text = t.gettext(
            "There is nothing to score yet: the criteria are weighed in step 4 and the candidates recorded in step 5."
        )
        return [Message(text), *conv.show(turn)]
    turn.position = AtMenu(menu="score", back=resume_point(turn.position))
    return conv.show(turn)


def menu(conv: Conversation, turn: Turn) -> Message | None:
    t, position = turn.t, turn.menu
    candidates = _candidates(turn)
    cancel = " " + t.gettext("(/cancel to go back)")
    if position.arg is None:
        buttons = [Button(str(c.get("name") or f"#{n + 1}"), f"cand:{n}") for n, c in enumerate(candidates)]
        return Message(t.gettext("Which candidate do you want to score?") + cancel, buttons, expects="choice")
    index = int(position.arg)
    if index >= len(candidates):
        return None
    name = str(candidates[index].get("name") or f"#{index + 1}")
    draft = position.draft
    criteria = _criteria(conv, turn)
    step = draft.i
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


def choose(conv: Conversation, turn: Turn, value: str) -> list[Message]:
    offered = menu(conv, turn)
    if offered is None or value not in {b.value for b in offered.buttons}:
        return [conv.not_now(turn, None), *conv.show(turn)]
    if value.startswith("cand:"):
        turn.menu.arg = int(value.removeprefix("cand:"))
        turn.menu.draft = MenuForm()
        return conv.show(turn)
    return _next(conv, turn, None if value == "skip" else value.removeprefix("score:"))


def text(conv: Conversation, turn: Turn, typed: str) -> list[Message]:
    """Pros and cons are typed; anything typed while a score is expected gets the buttons again."""
    if turn.menu.arg is None or turn.menu.draft.i < len(_criteria(conv, turn)):
        return [Message(turn.t.gettext("Please choose one of the buttons below.")), *conv.show(turn)]
    note = clean_text(typed)
    if len(note) > NOTE_LIMIT:
        too_long = turn.t.gettext("That is {length} characters; please keep it under {limit}.")
        return [Message(too_long.format(length=len(note), limit=NOTE_LIMIT)), *conv.show(turn)]
    return _next(conv, turn, note)


def _next(conv: Conversation, turn: Turn, value: str | None) -> list[Message]:
    draft = turn.menu.draft
    criteria = _criteria(conv, turn)
    step = draft.i
    if step < len(criteria):
        draft.scores[criteria[step].id] = int(value) if value else None
    elif step == len(criteria):
        draft.pros = value or ""
    else:
        draft.cons = value or ""
    draft.i = step + 1
    if draft.i <= len(criteria) + 1:
        return conv.show(turn)
    candidate = _candidates(turn)[int(turn.menu.arg or 0)]
    name = str(candidate.get("name") or "")
    scores = {k: v for k, v in draft.scores.items() if v is not None}
    turn.db.assessments.save_candidate_scores(turn.project.id, name, turn.user, scores, draft.pros, draft.cons)
    turn.position = turn.menu.back
    done = Message(
        turn.t.gettext("Your scores for {name} are saved. /ranking shows where the candidates stand.").format(name=name)
    )
    return [done, *conv.show(turn)]


def ranking(conv: Conversation, turn: Turn) -> list[Message]:
    """The ranking as text and as a table picture."""
    t = turn.t
    candidates = _candidates(turn)
    if not candidates:
        return [Message(t.gettext("No candidates yet: they are recorded in step 5.")), *conv.show(turn)]
    member_scores = turn.db.assessments.candidate_scores(turn.project.id)
    criteria = [q.id for q in conv.plan.questions().values() if q.type == QuestionType.criterion]
    ranked = rank(candidates, turn.standing.values, criteria, member_scores)
    return [_ranking_message(t, ranked, turn.project.name), *conv.show(turn)]


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
