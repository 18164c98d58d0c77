"""Reminders over the three years of the plan: steps that wait too long, and the dates the committee set.

Every reminder is a row in SQLite, so a restart forgets none; the front end only asks now
and then which ones are due (Telegram's job queue, or the terminal at start-up). A member
gets at most one step reminder a week and can mute them; evaluation dates and the annual
plan's activities go to the coordinators and the group chat on their day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from bot.engine import prompts
from bot.engine.messages import Button, Message
from bot.i18n import translator
from bot.plan.models import Question
from bot.storage.store import Reminder, Store

if TYPE_CHECKING:
    from bot.engine.engine import Engine, Turn

MENUS = {"reminders"}
WAIT = timedelta(days=7)  # an assigned step waits this long before its member is reminded
WEEK = timedelta(days=7)  # and a member hears from the bot at most once in this time
MORNING = time(8, 0, tzinfo=UTC)


async def step_assigned(store: Store, project_id: int, step_id: str, user_id: int) -> None:
    """Start (or restart) the wait of an assigned step."""
    await store.cancel_reminders(project_id, f"step:{step_id}")
    await store.schedule(project_id, user_id, "step", f"step:{step_id}", store.clock() + WAIT, {"step": step_id})


async def step_closed(store: Store, project_id: int, step_id: str) -> None:
    await store.cancel_reminders(project_id, f"step:{step_id}")


async def after_answer(engine: Engine, turn: Turn, question: Question, value: Any) -> None:
    """Working on an assigned step restarts its wait; changed dates replace their reminders."""
    step = engine.plan.step_of(question.id)
    if turn.assignments.get(step.id) == turn.user:
        await step_assigned(engine.store, turn.project.id, step.id, turn.user)
    for source in engine.plan.calendar:
        if source.question != question.id:
            continue
        await engine.store.cancel_reminders(turn.project.id, question.id)
        today = engine.store.clock().date()
        for entry in value or []:
            when = entry.get(source.date_field)
            if when and date.fromisoformat(when) >= today:
                due = datetime.combine(date.fromisoformat(when), MORNING)
                payload = {"date": when, "label": entry.get(source.label_field) or ""}
                await engine.store.schedule(turn.project.id, None, source.kind, question.id, due, payload)


async def due(engine: Engine) -> list[Message]:
    """The reminders whose time has come, as messages to members and group chats; each is sent once."""
    store, out = engine.store, []
    now = store.clock()
    for reminder in await store.due_reminders():
        project = await store.project(reminder.project_id)
        if project is None:
            await store.mark_sent(reminder.id)
        elif reminder.kind == "step":
            out += await _step(engine, reminder, project.name, now)
        else:
            out += await _calendar(engine, reminder, project.name)
    return out


async def _step(engine: Engine, reminder: Reminder, name: str, now: datetime) -> list[Message]:
    store, step_id = engine.store, reminder.payload["step"]
    user_id = reminder.user_id or 0
    closed = step_id in await store.closed_steps(reminder.project_id)
    assigned = (await store.assignments(reminder.project_id)).get(step_id) == user_id
    if closed or not assigned or await store.reminders_muted(reminder.project_id, user_id):
        await store.mark_sent(reminder.id)  # nothing to say: done, reassigned or muted
        return []
    last = await store.last_reminded(user_id)
    if last and now - datetime.fromisoformat(last) < WEEK:  # at most one a week: try again later
        await store.cancel_reminders(reminder.project_id, reminder.topic)
        later = datetime.fromisoformat(last) + WEEK
        await store.schedule(reminder.project_id, user_id, "step", reminder.topic, later, reminder.payload)
        return []
    await store.mark_sent(reminder.id)
    await store.schedule(reminder.project_id, user_id, "step", reminder.topic, now + WAIT, reminder.payload)
    user = await store.user(user_id)
    t = translator(user.language if user else "en")
    step = engine.plan.steps[step_id]
    text = t.gettext(
        "A reminder: step {number} ({title}) of {name} is waiting for your answers. Send /start to continue, or "
        "/reminders to mute these reminders."
    ).format(number=step.number, title=prompts.say(t, step.title, None), name=name)
    return [Message(text, to_user=user_id, project=reminder.project_id)]


async def _calendar(engine: Engine, reminder: Reminder, name: str) -> list[Message]:
    store = engine.store
    await store.mark_sent(reminder.id)
    project = await store.project(reminder.project_id)
    language = project.document_language if project else "en"

    def text(language: str) -> str:
        t = translator(language)
        day = t.date(date.fromisoformat(reminder.payload["date"]))
        what = reminder.payload.get("label", "")
        if reminder.kind == "evaluation":
            return t.gettext("{name}: today, {day}, is an evaluation date you agreed: {what}").format(
                name=name, day=day, what=what
            )
        return t.gettext("{name}: the annual plan has this activity today, {day}: {what}").format(
            name=name, day=day, what=what
        )

    out = [Message(text(language), to_groups=True, project=reminder.project_id)]
    for member in await store.members(reminder.project_id):
        if member.role == "coordinator" and not await store.reminders_muted(reminder.project_id, member.user_id):
            out.append(Message(text(member.language), to_user=member.user_id, project=reminder.project_id))
    return out


async def open_list(engine: Engine, turn: Turn) -> list[Message]:
    turn.position = {"at": "menu", "menu": "reminders", "return": engine._resume_point(turn.position)}
    return await engine._show(turn)


async def menu(engine: Engine, turn: Turn) -> Message | None:
    t, store = turn.t, engine.store
    pending = [r for r in await store.reminders(turn.project.id) if r.user_id in (None, turn.user)]
    lines = (
        [t.gettext("Coming reminders for {name}:").format(name=turn.project.name)]
        if pending
        else [t.gettext("There are no reminders planned for you.")]
    )
    for reminder in pending[:20]:
        day = t.date(datetime.fromisoformat(reminder.due_at).date())
        if reminder.kind == "step":
            step = engine.plan.steps[reminder.payload["step"]]
            what = t.gettext("step {number} is waiting for your answers").format(number=step.number)
        else:
            what = reminder.payload.get("label", "")
        lines.append(f"• {day}: {what}")
    muted = await store.reminders_muted(turn.project.id, turn.user)
    if muted:
        lines += ["", t.gettext("Your reminders are muted.")]
    button = (
        Button(t.gettext("Turn my reminders back on"), "unmute")
        if muted
        else Button(t.gettext("Mute my reminders"), "mute")
    )
    return Message("\n".join(lines) + "\n" + t.gettext("(/cancel to go back)"), [button], expects="choice")


async def choose(engine: Engine, turn: Turn, value: str) -> list[Message]:
    t = turn.t
    if value not in ("mute", "unmute"):
        return [engine._not_now(turn, None), *await engine._show(turn)]
    await engine.store.set_reminders_muted(turn.project.id, turn.user, value == "mute")
    done = t.gettext("Your reminders are muted.") if value == "mute" else t.gettext("Your reminders are on again.")
    turn.position = turn.position.get("return", {"at": "start"})
    return [Message(done), *await engine._show(turn)]
