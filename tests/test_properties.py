"""Property-based tests: random sequences of careless and hostile events never break the engine.

Hypothesis plays a coordinator, a member and a stranger sending text of any Unicode (right-to-left,
zero-width, emoji, up to 10,000 characters), commands at any point, real, stale and forged button
presses, photos and files. After every event: no exception escaped, every button fits Telegram's
64 bytes, and no stored answer changed except the question that person was being asked.
"""

from __future__ import annotations

import asyncio
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.engine.messages import Command, Event, Message, Press, Text, Unreadable, Upload, User
from bot.plan.loader import load_plan
from bot.storage.database import Database
from tests.conftest import MINI, Store, service_on

PLAN = load_plan(MINI)
COORDINATOR, MEMBER, STRANGER = User(1, "en", "Sofie"), User(2, "nl", "Anna"), User(3, "sv", "Piet")
COMMANDS = [
    "start",
    "back",
    "skip",
    "edit",
    "status",
    "help",
    "cancel",
    "documents",
    "invites",
    "assign",
    "members",
    "projects",
    "language",
    "check",
    "reminders",
    "score",
    "ranking",
    "mydata",
    "template",
    "leave",
    "nonsense",
]
ANSWER_EVENTS = (Text, Press)

texts = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            "Lindenberg",
            "1",
            "2",
            "yes",
            "nee",
            "15-03-2027",
            "28000",
            "1,2",
            "‏مرحبا بالعالم‏",
            "zero\u200bwidth\u200dJoiner",
            "👩🏽‍🌾🇧🇪",
            "<b>&amp;</b>",
            "{{ a.motto }}",
            "\x00\x07",
        ]
    ),
    st.builds(lambda c, n: c * n, st.sampled_from(["x", "é", "😀", "ש"]), st.integers(1000, 10_000)),
)


@st.composite
def event(draw: st.DrawFn) -> tuple[int, str, object]:
    """(who, kind, payload): the payload of a press is resolved against what that person sees."""
    who = draw(st.sampled_from([0, 0, 0, 1, 2]))
    kind = draw(
        st.sampled_from(["text", "text", "press", "press", "press", "stale", "forged", "command", "photo", "file"])
    )
    payload: object = None
    if kind == "text":
        payload = draw(texts)
    elif kind in ("press", "stale"):
        payload = draw(st.integers(0, 20))
    elif kind == "forged":
        payload = draw(
            st.sampled_from(
                [
                    "o:european",
                    "close",
                    "close_stage",
                    "q:motto",
                    "member:1",
                    "role:coordinator",
                    "remove",
                    "project:1",
                    "revoke:1",
                    "confirm",
                    "score:5",
                    "x" * 70,
                ]
            )
        )
    elif kind == "command":
        payload = draw(st.sampled_from(COMMANDS))
    return who, kind, payload


def _check(messages: list[Message]) -> None:
    for message in messages:
        assert message.text or message.files or message.buttons
        for button in message.buttons:
            assert button.label.strip()
            assert len(button.value.encode()) <= 64
        for attachment in message.files:
            assert re.fullmatch(r"[\w.-]+", attachment.filename)


async def _play(steps: list[tuple[int, str, object]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = Store(await Database.open(Path(folder) / "p.db"))
        engine = service_on(PLAN, store.db)
        people = [COORDINATOR, MEMBER, STRANGER]
        seen: dict[int, list[Message]] = {user.id: [] for user in people}
        old: dict[int, list[Message]] = {user.id: [] for user in people}
        try:
            first = await engine.handle(COORDINATOR, Command("start"))
            await engine.handle(COORDINATOR, Text("Lindenberg"))
            invite = await engine.handle(COORDINATOR, Command("invite"))
            invite = await engine.handle(COORDINATOR, Press("role:member", invite[-1].prompt))
            token = re.search(r"/start (\S+)", "\n".join(m.text for m in invite)).group(1)
            await engine.handle(MEMBER, Command("start", token))
            seen[COORDINATOR.id] = first
            for who, kind, payload in steps:
                user = people[who]
                before_project, before_position = await store.session(user.id)
                before = {k: a.value for k, a in (await store.answers.of(1)).items()}
                shown = [m for m in seen[user.id] if m.buttons]
                the_event: Event
                if kind == "text":
                    the_event = Text(str(payload))
                elif kind == "press" and shown:
                    buttons = shown[-1].buttons
                    the_event = Press(buttons[int(payload) % len(buttons)].value, shown[-1].prompt)
                elif kind == "stale" and [m for m in old[user.id] if m.buttons]:
                    stale = next(m for m in old[user.id] if m.buttons)
                    the_event = Press(stale.buttons[int(payload) % len(stale.buttons)].value, stale.prompt)
                elif kind == "forged":
                    the_event = Press(str(payload), "forged-prompt")
                elif kind == "command":
                    the_event = Command(str(payload))
                elif kind == "file":
                    the_event = Upload("letter.docx", b"PK\x03\x04 not a real document")
                else:
                    the_event = Unreadable()
                replies = await engine.handle(user, the_event)
                _check(replies)
                old[user.id], seen[user.id] = (
                    seen[user.id] or old[user.id],
                    [m for m in replies if m.to_user is None and not m.to_groups],
                )
                after = {k: a.value for k, a in (await store.answers.of(1)).items()}
                changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
                if user is STRANGER or before_project != 1:
                    assert not changed, (user, the_event, changed)
                elif changed:
                    asked = (before_position or {}).get("q")
                    assert isinstance(the_event, (*ANSWER_EVENTS, Command)), the_event
                    assert changed == {asked}, (the_event, changed, before_position)
        finally:
            await store.db.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(event(), min_size=5, max_size=40))
def test_random_events_never_break_the_engine_or_change_answers_they_should_not(steps) -> None:
    asyncio.run(_play(steps))


telegram_events = st.lists(
    st.tuples(st.sampled_from(["text", "press", "photo", "forged", "command"]), texts, st.integers(0, 9)),
    min_size=3,
    max_size=12,
)


async def _over_telegram(steps: list[tuple[str, str, int]]) -> None:
    from tests.test_telegram import running_bot

    user = 4242
    with tempfile.TemporaryDirectory() as folder:
        async with running_bot(Path(folder) / "t.db", PLAN, TELEGRAM_MAX_RATE=2000) as running:
            emulator = running.emulator
            await emulator.send_text(user, "/start")
            for kind, text, number in steps:
                last = emulator.messages(user)[-1] if emulator.messages(user) else None
                labels = [label for row in (last.buttons if last else []) for label, _ in row]
                if kind == "press" and last and labels:
                    await emulator.press(user, last, labels[number % len(labels)])
                elif kind == "forged" and last:
                    await emulator.press_data(user, user, last.message_id, text[:64] or "x")
                elif kind == "photo":
                    await emulator.send_photo(user)
                elif kind == "command":
                    await emulator.send_text(user, "/" + COMMANDS[number % len(COMMANDS)])
                else:
                    await emulator.send_text(user, text or ".")
                await emulator.settle(quiet=0.05)
            assert not emulator.errors, emulator.errors  # every call within Telegram's limits
            assert not any("Sorry, something went wrong" in m.text for m in emulator.messages(user))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(telegram_events)
def test_random_updates_over_telegram_stay_within_its_limits(steps) -> None:
    asyncio.run(_over_telegram(steps))
