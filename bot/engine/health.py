"""The ten-keys check in the conversation: ten 1–5 questions, then the result as text and chart.

The calculation lives in bot/plan/health.py; this module asks and answers.
"""

from __future__ import annotations

from bot.documents import charts
from bot.engine import prompts
from bot.engine.messages import Attachment, Button, Message
from bot.engine.state import AtMenu, resume_point
from bot.engine.turn import Conversation, Turn
from bot.i18n import Translator
from bot.plan.health import KeyResult, evaluate, weakest
from bot.plan.models import Key, Plan

MENUS = {"health"}


def report(results: list[KeyResult], t: Translator, name: str) -> Message:
    """The result: a score per key, the three weakest with next actions, and the chart."""
    lines = [t.gettext("Ten-keys check of {name}").format(name=name), ""]
    for result in results:
        lines.append(
            t.gettext("Key {number}, {title}: {score}/5").format(
                number=result.number, title=result.title, score=result.score
            )
        )
        lines += [f"   ⚠ {gap}" for gap in result.gaps]
    lines += ["", t.gettext("The three weakest keys, and what to do next:")]
    lines += [f"• {result.title}: {result.action}" for result in weakest(results)]
    return Message("\n".join(lines), files=[chart(results, t, name)])


def chart(results: list[KeyResult], t: Translator, name: str) -> Attachment:
    title = t.gettext("Ten-keys check of {name}").format(name=name)
    return Attachment("ten-keys.png", charts.health_chart(title, results), title)


def _keys(plan: Plan) -> list[Key]:
    return sorted(plan.keys.values(), key=lambda k: k.number)


def open_check(conv: Conversation, turn: Turn) -> list[Message]:
    back = resume_point(turn.position)
    turn.position = AtMenu(menu="health", arg=0, back=back)
    return conv.show(turn)


def menu(conv: Conversation, turn: Turn) -> Message | None:
    t, kind = turn.t, turn.standing.kind
    keys = _keys(conv.plan)
    number = int(turn.menu.arg or 0)
    if number >= len(keys):
        return None
    key, health = keys[number], conv.plan.health
    lines = [
        t.gettext("Ten-keys check · key {number} of {count} (/cancel to stop)").format(
            number=number + 1, count=len(keys)
        ),
        "",
        t.gettext("Key to success {number}, {title}: {tip}").format(
            number=key.number, title=prompts.say(t, key.title, kind), tip=prompts.said(t, turn.standing, key.tip)
        ),
        "",
        t.translate(health.text),
    ]
    labels = {1: f"1 {t.translate(health.low)}", 5: f"5 {t.translate(health.high)}"}
    buttons = [Button(labels.get(n, str(n)), f"score:{n}") for n in range(1, 6)]
    return Message("\n".join(lines), buttons, expects="choice")


def choose(conv: Conversation, turn: Turn, value: str) -> list[Message]:
    if not value.startswith("score:") or value.removeprefix("score:") not in {"1", "2", "3", "4", "5"}:
        return [conv.not_now(turn, None), *conv.show(turn)]
    keys = _keys(conv.plan)
    number = int(turn.menu.arg or 0)
    scores = turn.menu.draft.scores
    scores[keys[number].id] = int(value.removeprefix("score:"))
    if number + 1 < len(keys):
        turn.menu.arg = number + 1
        return conv.show(turn)
    given = {key: score for key, score in scores.items() if score is not None}
    turn.db.assessments.save_health_check(turn.project.id, turn.user, given)
    standing = turn.standing
    results = evaluate(conv.plan, standing.values, given, turn.t, standing.kind, closed=standing.closed)
    turn.position = turn.menu.back
    name = turn.project.name or turn.t.gettext("your municipality")
    return [report(results, turn.t, name), *conv.show(turn)]
