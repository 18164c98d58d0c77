"""Input that never loses an answer: "Other…", lists, /back inside a list, the counter, confirmations, country
words, entry nouns, navigation buttons (issue 12), on the engine."""

from __future__ import annotations

import itertools
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.demo import demo_answers, events_for
from bot.engine import health
from bot.engine.messages import Button, Command, Message, Press, Text
from bot.i18n import translator
from bot.plan.loader import load_plan
from bot.plan.models import Plan
from tests.conftest import ALPHA, BETA, MINI, SETUP, Chat

PARTNERS_DONE = (Text("Jeugdhuis"), Press("o:club"), Command("skip"), Press("more"))
PARTNERS_TWO = (*PARTNERS_DONE, Text("Sint-Jan"), Press("o:school"), Text("info@sintjan.example"), Press("done"))


async def values_of(store) -> dict[str, Any]:
    return {qid: answer.value for qid, answer in (await store.answers.of(1)).items()}


def mini_with(tmp_path: Path, step: str, change) -> Plan:
    """The small plan with one step file changed by `change(data)`."""
    root = tmp_path / "plan"
    shutil.copytree(MINI, root)
    path = root / "steps" / f"{step}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_plan(root)


# "Other…" in a multiple choice


async def test_other_asks_for_its_text_and_returns_to_the_ticks(mini_plan, chat_on, store) -> None:
    chat = chat_on(mini_plan)
    await chat.send(Command("start"), *SETUP, *ALPHA[:6], Press("o:culture"), Press("other"))
    assert "Type your other answer." in chat.last.text
    await chat.send(Text("Music"))
    assert "Which policy fields?" in chat.last.text  # still the same question: the ticks, with the text
    labels = [b.label for b in chat.last.buttons]
    assert "✓ Culture" in labels and "✓ Other: Music" in labels and "Done" in labels
    assert "fields" not in await values_of(store)
    await chat.send(Press("o:sport"), Press("done"))
    assert "Saved: Culture, Sport, Music" in chat.replies[0].text
    assert (await values_of(store))["fields"] == {"selected": ["culture", "sport"], "other": "Music"}
    assert "How ready are you?" in chat.last.text


async def test_other_pressed_again_is_unticked_and_typed_numbers_keep_the_text(mini_plan, chat_on, store) -> None:
    chat = chat_on(mini_plan)
    await chat.send(Command("start"), *SETUP, *ALPHA[:6], Press("other"), Text("Music"), Press("other"))
    assert "Other…" in [b.label for b in chat.last.buttons]  # unticked: the text is gone
    await chat.send(Text("2,4"), Text("Theatre"))  # 4 is "Other" after the three options
    assert "✓ Other: Theatre" in [b.label for b in chat.last.buttons]
    await chat.send(Press("done"))
    assert (await values_of(store))["fields"] == {"selected": ["culture"], "other": "Theatre"}


async def test_back_while_typing_other_returns_to_the_ticks(mini_plan, chat_on) -> None:
    chat = chat_on(mini_plan)
    await chat.send(Command("start"), *SETUP, *ALPHA[:6], Press("o:youth"), Press("other"), Command("back"))
    assert "Which policy fields?" in chat.last.text
    assert "✓ Youth" in [b.label for b in chat.last.buttons]


# Lists: "Add another?", /back inside a list, editing one entry


@pytest.mark.parametrize(
    ("word", "another"),
    [
        *[(word, True) for word in ("ja", "yes", "j", "oui", "Y", "Add another")],
        *[(word, False) for word in ("nee", "no", "n", "non", "nej", "Done")],
    ],
)
async def test_add_another_takes_yes_and_no_in_words(mini_plan, chat_on, store, word: str, another: bool) -> None:
    chat = chat_on(mini_plan)
    await chat.send(Command("start"), *SETUP, *ALPHA, Press("close"), *PARTNERS_DONE[:3])
    assert "Add another?" in chat.last.text
    await chat.send(Text(word))
    if another:
        assert "Entry 2" in chat.last.text and "→ Name of the organisation" in chat.last.text
        assert "partners" not in await values_of(store)
    else:
        assert (await values_of(store))["partners"] == [{"organisation": "Jeugdhuis", "kind": "club", "contact": None}]
        assert "Where is the town hall?" in chat.last.text


async def test_add_another_explains_what_it_cannot_read(mini_plan, chat_on) -> None:
    chat = chat_on(mini_plan)
    await chat.send(Command("start"), *SETUP, *ALPHA, Press("close"), *PARTNERS_DONE[:3], Text("perhaps"))
    assert "Please answer yes or no." in chat.replies[0].text
    assert "Add another?" in chat.last.text


async def test_back_inside_a_list_steps_back_a_field_or_an_entry_and_keeps_the_entries(
    mini_plan, chat_on, store
) -> None:
    chat = chat_on(mini_plan)
    await chat.send(Command("start"), *SETUP, *ALPHA, Press("close"), *PARTNERS_DONE, Text("Sint-Jan"))
    assert "→ What kind?" in chat.last.text
    await chat.send(Command("back"))  # one field back, with what was typed
    assert "Entry 2" in chat.last.text and "→ Name of the organisation" in chat.last.text
    assert "Current answer: Sint-Jan" in chat.last.text
    await chat.send(Press("keep"))
    assert "→ What kind?" in chat.last.text
    await chat.send(Command("back"), Command("back"))  # from the first field of entry 2: "Add another?"
    assert "Entry 1 added. Add another?" in chat.last.text
    await chat.send(Press("back"))  # into entry 1, at its last field
    assert "Entry 1" in chat.last.text and "→ Contact" in chat.last.text
    assert "Current answer: (skipped)" in chat.last.text
    await chat.send(Text("jeugdhuis@example.org"), Press("done"))
    assert (await values_of(store))["partners"] == [
        {"organisation": "Jeugdhuis", "kind": "club", "contact": "jeugdhuis@example.org"}
    ]


async def test_back_offers_the_previous_field_of_a_group(mini_plan, chat_on, store) -> None:
    chat = chat_on(mini_plan)
    await chat.send(Command("start"), *SETUP, *ALPHA, Press("close"), *PARTNERS_TWO, Text("Markt 1"))
    assert "back" in [b.value for b in chat.last.buttons]
    await chat.send(Press("back", chat.last.prompt))
    assert "→ Street" in chat.last.text and "Current answer: Markt 1" in chat.last.text
    await chat.send(Text("Markt 2"), Text("Lindenberg"))
    assert (await values_of(store))["address"] == {"street": "Markt 2", "city": "Lindenberg"}


async def _beta_in_review(mini_plan, chat_on) -> Chat:
    chat = chat_on(mini_plan)
    await chat.send(Command("start"), *SETUP, *ALPHA, Press("close"), *PARTNERS_TWO, *BETA[4:])
    assert "Review of step 2" in chat.last.text
    return chat


async def test_an_answered_list_is_changed_one_entry_at_a_time(mini_plan, chat_on, store) -> None:
    chat = await _beta_in_review(mini_plan, chat_on)
    await chat.send(Press("change"), Press("q:partners"))
    assert "This list has 2 entries." in chat.last.text
    assert [(b.value, b.navigation) for b in chat.last.buttons] == [
        ("entry:0", False),
        ("entry:1", False),
        ("add", True),
        ("remove", True),
        ("done", True),
    ]
    assert chat.last.buttons[1].label == "Entry 2: Sint-Jan · School · info@sintjan.example"
    await chat.send(Press("entry:1"))  # change the second: each field shows what it holds
    assert "Current answer: Sint-Jan" in chat.last.text
    await chat.send(Press("keep"), Press("keep"), Text("sintjan@example.org"))
    assert "Saved: Entry 2: Sint-Jan · School · sintjan@example.org" in chat.replies[0].text
    assert "This list has 2 entries." in chat.last.text
    assert (await values_of(store))["partners"][1]["contact"] == "sintjan@example.org"
    await chat.send(Press("remove"), Press("entry:0"))
    assert "Removed: Entry 1: Jeugdhuis · Club" in chat.replies[0].text
    assert (await values_of(store))["partners"] == [
        {"organisation": "Sint-Jan", "kind": "school", "contact": "sintjan@example.org"}
    ]
    assert "remove" not in [b.value for b in chat.last.buttons]  # min_entries is 1
    await chat.send(Press("add"), Text("Koor"), Press("o:club"), Command("skip"))
    assert [e["organisation"] for e in (await values_of(store))["partners"]] == ["Sint-Jan", "Koor"]
    await chat.send(Press("add"), Text("Harmonie"), Press("o:club"), Command("skip"))
    assert "add" not in [b.value for b in chat.last.buttons]  # max_entries is 3
    await chat.send(Press("done"))
    assert "Review of step 2" in chat.last.text  # back where the change began
    assert [e["organisation"] for e in (await values_of(store))["partners"]] == ["Sint-Jan", "Koor", "Harmonie"]


async def test_back_onto_an_answered_list_shows_its_entries(mini_plan, chat_on, store) -> None:
    chat = chat_on(mini_plan)
    await chat.send(Command("start"), *SETUP, *ALPHA, Press("close"), *PARTNERS_TWO, Command("back"))
    assert "This list has 2 entries." in chat.last.text
    await chat.send(Press("entry:0"), Command("back"))  # out of the entry, back to the list: nothing changed
    await chat.send(Text("a typed line"))
    assert "Please choose one of the buttons below." in chat.replies[0].text
    await chat.send(Press("done"))
    assert "Kept as it was." in chat.replies[0].text
    assert "Where is the town hall?" in chat.last.text
    assert len((await values_of(store))["partners"]) == 2


# The counter


PROGRESS = re.compile(r"Question (\d+) of (about )?(\d+)")


def counters(messages: list[tuple[str, str]]) -> None:
    """Check the counters shown, in order, for each step: the total never grows, the number never passes it,
    and "N of N" (not "about") is the step's last question."""
    by_step: dict[str, list[tuple[int, bool, int, str]]] = {}
    for step, text in messages:
        match = PROGRESS.search(text)
        if match:
            by_step.setdefault(step, []).append((int(match[1]), bool(match[2]), int(match[3]), text))
    assert by_step
    for step, shown in by_step.items():
        for (number, _, total, text), (later_number, _, later_total, later) in itertools.pairwise(shown):
            assert later_total <= total, f"{step}: the total grew\n{text}\n---\n{later}"
            assert later_number >= number, f"{step}: the number went back\n{text}\n---\n{later}"
        for number, _, total, text in shown:
            assert number <= total, text
        *_, (last_number, last_about, last_total, _) = shown
        assert (last_number, last_about) == (last_total, False), f"{step}: ends at {shown[-1][:3]}"


async def _walk(chat: Chat, events) -> list[tuple[str, str]]:
    """Send events; the question prompts shown, with the step of each."""
    shown = []
    for event in events:
        await chat.send(event)
        text = chat.last.text
        if text.startswith(("Stage", "Getting started")):
            shown.append((text[: text.index("Question")], text))
    return shown


@pytest.mark.parametrize("school", [True, False])
async def test_the_counter_never_grows_as_follow_ups_appear_on_the_small_plan(mini_plan, chat_on, school) -> None:
    chat = chat_on(mini_plan)
    await chat.send(Command("start"), Text("Lindenberg"), Press("o:north_south"))
    assert "Question 1 of about 11" in chat.last.text  # two follow-ups may come: counted, and said so
    fields = (Press("o:youth"), Press("done")) if school else (Press("o:sport"), Press("done"))
    events = [
        Text("Together"),
        Command("skip"),
        Text("28000"),
        Text("12500"),
        Text("15-03-2027"),
        Press("o:yes" if school else "o:no"),
        *([Text("Sint-Jan")] if school else []),
        *fields,
        *([Text("An exchange")] if school else []),
        Press("o:4"),
        Text("Erasmus"),
    ]
    shown = await _walk(chat, events)
    counters(shown)
    assert "Review of step 1" in chat.last.text
    expected = 11 if school else 9
    assert f"Question {expected} of {expected}" in shown[-1][1]


async def test_the_counter_never_grows_on_the_real_plan(plan: Plan, chat_on) -> None:
    """The demo's answers, and the same with no policy plan (a follow-up that does not come)."""
    for user, has_policy in ((1, True), (2, False)):
        answers = demo_answers("en") | {"has_intl_policy": has_policy}
        chat = chat_on(plan, user_id=user)
        shown = await _walk(chat, [Command("start")])
        questions = plan.questions()
        while chat.last.text.startswith(("Stage", "Getting started")) or "Review of step" in chat.last.text:
            if "Review of step" in chat.last.text:
                if "Review of step 3" in chat.last.text:
                    break  # stage 1 is enough: its conditional question is in step 1
                await chat.send(Press("close"))
                shown += [("intro", "")]
                continue
            question_id = (await chat.position())["q"]
            shown += await _walk(chat, events_for(questions[question_id], answers.get(question_id), translator("en")))
        counters([(step, text) for step, text in shown if step != "intro"])


# Confirming an earlier answer, country words, entry nouns


async def test_a_confirming_question_offers_the_earlier_answer_to_keep(tmp_path, chat_on, store) -> None:
    def confirm_fields(data: dict) -> None:
        data["questions"].append(
            {
                "id": "fields_now",
                "type": "multi",
                "text": "Which policy fields now?",
                "confirm": "fields",
                "internal": "confirm test",
                "options": [{"id": option, "label": option.title()} for option in ("youth", "culture", "sport")],
            }
        )

    plan = mini_with(tmp_path, "gamma", confirm_fields)
    chat = chat_on(plan)
    await chat.send(Command("start"), *SETUP, *ALPHA, Press("close"), *BETA, Press("close"), Press("close_stage"))
    await chat.send(Text("Around 30,000 people"), Press("o:5"), Text("Latin America"), Press("o:1"))
    await chat.send(Text("Alpha"), Press("o:2"), Press("o:5"), Press("done"), Press("o:addressed"), Command("skip"))
    assert "Which policy fields now?" in chat.last.text
    assert "Current answer: Culture, Sport" in chat.last.text
    assert "Still true? Keep it, or give the new answer." in chat.last.text
    assert "keep" in [b.value for b in chat.last.buttons]
    await chat.send(Press("keep"))
    assert "Saved: Culture, Sport" in chat.replies[0].text
    assert (await values_of(store))["fields_now"] == {"selected": ["culture", "sport"], "other": None}
    await chat.send(Command("back"))  # answered now: its own answer, no "Still true?"
    assert "Still true?" not in chat.last.text
    await chat.send(Press("o:youth"), Press("done"))
    values = await values_of(store)
    assert values["fields_now"] == {"selected": ["youth"], "other": None}
    assert values["fields"] == {"selected": ["culture", "sport"], "other": None}  # the earlier answer stays


async def test_a_confirming_question_can_be_answered_afresh(plan: Plan, tmp_path, chat_on) -> None:
    def confirm_motto(data: dict) -> None:
        data["questions"].insert(1, {"id": "motto_now", "type": "text", "text": "Your motto now?", "confirm": "motto"})
        data["questions"][1]["internal"] = "confirm test"

    mini = mini_with(tmp_path, "alpha", confirm_motto)
    chat = chat_on(mini)
    await chat.send(Command("start"), *SETUP, Text("Together"))
    assert "Current answer: Together" in chat.last.text
    await chat.send(Text("Stronger together"))
    assert "Saved: Stronger together" in chat.replies[0].text


@pytest.mark.parametrize(
    ("country", "language", "expected"),
    [
        ("België", "nl", "college van burgemeester en schepenen"),
        ("Nederland", "nl", "college van burgemeester en wethouders"),
        ("Sverige", "sv", "kommunstyrelsen"),
        ("Belgium", "en", "college of mayor and aldermen"),
    ],
)
async def test_the_conversation_uses_the_words_of_the_municipalitys_country(
    plan: Plan, chat_on, country: str, language: str, expected: str
) -> None:
    chat = chat_on(plan, language)
    await chat.send(Command("start"), Text("Lindenberg"), Text(country), Press("o:european"), Text("Sofie"))
    intro = chat.mine[-2].text  # step 1 opens: its tasks name the executive
    await chat.send(Press("o:no"), Text("Meer samenwerking met Europa, vooral rond jeugd en klimaat."))
    hint = next(line for line in chat.last.text.splitlines() if line.startswith(("Hint", "Tip", "Tips")))
    generic = translator(language).translate("executive (mayor and aldermen)")
    for text in (intro, hint):
        assert expected in text and generic not in text and "{executive}" not in text


async def test_a_list_names_its_entries_by_their_own_noun(tmp_path, chat_on) -> None:
    def organisations(data: dict) -> None:
        data["questions"][0]["entry_name"] = "Organisation"

    chat = chat_on(mini_with(tmp_path, "beta", organisations))
    await chat.send(Command("start"), *SETUP, *ALPHA, Press("close"))
    assert "Organisation 1" in chat.last.text and "Entry 1" not in chat.last.text
    await chat.send(*PARTNERS_DONE[:3])
    assert "Organisation 1 added. Add another?" in chat.last.text
    await chat.send(Press("more"))
    assert "Organisation 2" in chat.last.text


# The ten-keys check knows the stage; navigation buttons are marked


async def test_the_ten_keys_check_is_told_which_steps_are_closed(mini_plan, chat_on, monkeypatch) -> None:
    seen: list[Any] = []
    evaluate = health.evaluate

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs.get("closed"))
        return evaluate(*args, **kwargs)

    monkeypatch.setattr(health, "evaluate", spy)
    chat = chat_on(mini_plan)
    await chat.send(Command("start"), *SETUP, *ALPHA, Press("close"), Command("check"), *[Press("score:4")] * 2)
    assert "Ten-keys check of Lindenberg" in chat.text
    assert seen == [{"setup", "alpha"}]


def test_navigation_buttons_are_marked_and_answers_are_not() -> None:
    for value in ("keep", "skip", "back", "done", "more", "add", "remove", "other"):
        assert Button("x", value).navigation
    for value in ("o:yes", "o:1", "entry:0", "close", "change", "q:motto", "score:3"):
        assert not Button("x", value).navigation


async def test_every_button_of_a_question_is_an_answer_or_marked_navigation(mini_plan, chat_on) -> None:
    chat = chat_on(mini_plan)
    seen: list[Message] = []
    for event in (Command("start"), *SETUP, *ALPHA[:3], Command("back"), Press("keep"), *ALPHA[3:]):
        await chat.send(event)
        seen.append(chat.last)
    for message in seen:
        for button in message.buttons:
            assert button.navigation != button.value.startswith(("o:", "close", "change")), (button, message.text)


# Short for a busy official


async def test_an_answer_that_does_not_fit_is_asked_again_without_the_guidance(mini_plan, chat_on) -> None:
    chat = chat_on(mini_plan)
    await chat.send(Command("start"), *SETUP, Text("Together"), Command("skip"))
    assert "Key to success 1" in chat.last.text
    await chat.send(Text("many"))
    assert chat.replies[0].text == "Please type a whole number, for example 12500."
    assert "How many inhabitants?" in chat.last.text and "Key to success" not in chat.last.text
    await chat.send(Text("NaN"))
    assert chat.replies[0].text == "Please give a number from 1 to 20,000,000."  # the rule, unchanged


async def test_the_hint_of_a_list_or_a_check_is_shown(tmp_path, chat_on) -> None:
    def hints(data: dict) -> None:
        data["questions"][0]["hint"] = "Add at least the youth council."
        data["questions"][2]["hint"] = "Name the budget line."

    chat = chat_on(mini_with(tmp_path, "beta", hints))
    await chat.send(Command("start"), *SETUP, *ALPHA, Press("close"))
    assert "Hint: Add at least the youth council." in chat.last.text
    await chat.send(*PARTNERS_TWO, Text("Markt 1"), Text("Lindenberg"))
    assert "Hint: Name the budget line." in chat.last.text


async def test_status_counts_the_follow_ups_that_may_still_come(mini_plan, chat_on) -> None:
    chat = chat_on(mini_plan)
    await chat.send(Command("start"), *SETUP, Command("status"))
    assert "Step 1: Alpha step — 0 of 10 answered" in chat.replies[0].text  # 8 asked, 2 follow-ups may come
    await chat.send(*ALPHA[:6], Command("status"))  # no school: its follow-up will not come
    assert "Step 1: Alpha step — 6 of 9 answered" in chat.replies[0].text


async def test_leaving_a_changed_list_says_the_changes_are_saved(mini_plan, chat_on, store) -> None:
    chat = await _beta_in_review(mini_plan, chat_on)
    await chat.send(Press("change"), Press("q:partners"), Press("remove"), Press("entry:0"), Command("cancel"))
    assert "The changes you made to the list are saved." in chat.text and "Nothing was changed." not in chat.text
    assert "Review of step 2" in chat.last.text
    assert [e["organisation"] for e in (await values_of(store))["partners"]] == ["Sint-Jan"]
    await chat.send(Press("change"), Press("q:partners"), Command("cancel"))
    assert "Nothing was changed." in chat.text
