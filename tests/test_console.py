"""The terminal front end, run as a real process with answers piped into standard input."""

from __future__ import annotations

import asyncio
import os
import pty
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from bot.demo import demo_answers
from bot.i18n import translator
from bot.plan.models import Plan
from bot.storage.database import Database
from tests.console_script import console_lines
from tests.readers import docx_text, pdf_text

ALL_DRAFTS = 20  # 15 drafts, the two of step 6 and the annex of sources of each stage


def run_console(db: Path, out: Path, language: str, lines: list[str]) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--db", str(db), "--lang", language, "--out", str(out)],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout


@pytest.mark.parametrize("language", ["en", "nl", "sv"])
def test_a_full_walk_through_all_three_stages(plan: Plan, tmp_path: Path, language: str) -> None:
    answers = demo_answers("en")
    lines = console_lines(plan, answers, translator(language))
    output = run_console(tmp_path / "walk.db", tmp_path / "out", language, lines)
    drafts = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert len(drafts) == ALL_DRAFTS * 2  # each as DOCX and as PDF
    assert all(re.search(r"_v1_[a-z]{2}(-[a-z]{2})?\.(docx|pdf)$", name) for name in drafts)  # the protocol: two
    profile = docx_text(next((tmp_path / "out").glob("municipal_profile_v1_*.docx")).read_bytes())
    assert "Lindenberg" in profile
    assert answers["offer"][:40] in profile
    protocol = next((tmp_path / "out").glob("cooperation_protocol_v1_*.pdf"))
    assert "San Rafael del Norte" in pdf_text(protocol.read_bytes())
    if language != "en":
        assert "Saved:" not in output  # the conversation is in the chosen language
    assert "That button belongs" not in output  # every line answered the question it was meant for


def test_stop_and_continue_later_where_it_left_off(plan: Plan, tmp_path: Path) -> None:
    lines = console_lines(plan, demo_answers("en"), translator("en"))
    db, out = tmp_path / "resume.db", tmp_path / "out"
    first = run_console(db, out, "en", lines[:40])
    assert "Your answers are saved" in first
    second = run_console(db, out, "en", lines[40:])
    assert "Welcome back" in second
    assert "Welcome!" not in second
    assert len(list(out.iterdir())) == ALL_DRAFTS * 2


def test_without_a_token_the_bot_talks_in_the_terminal(tmp_path: Path) -> None:
    env = {
        "PATH": "",
        "TWINNING_DB": str(tmp_path / "plain.db"),
        "TWINNING_OUT": str(tmp_path / "out"),
        "TWINNING_LANG": "en",
        "HOME": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        input="Lindenberg\n/status\n",
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
        check=True,
    )
    assert "TELEGRAM_BOT_TOKEN" in result.stdout
    assert "Saved: Lindenberg" in result.stdout
    assert "Progress of Lindenberg" in result.stdout
    assert (tmp_path / "plain.db").exists()


def test_pictures_are_written_as_files_in_the_terminal(tmp_path: Path) -> None:
    out = tmp_path / "out"
    output = run_console(
        tmp_path / "pictures.db", out, "en", ["Lindenberg", "Belgium", "2", "Sofie", "/status", "/check", *["4"] * 10]
    )
    assert (out / "plan.png").read_bytes().startswith(b"\x89PNG")
    assert (out / "ten-keys.png").read_bytes().startswith(b"\x89PNG")
    assert "Ten-keys check of Lindenberg" in output
    assert "The three weakest keys, and what to do next:" in output


# Input that never loses an answer (issue 12): letters for the buttons that are not answers, "Other…", Ctrl-C

SETUP_LINES = ["Lindenberg", "Belgium", "1", "Sofie"]
OBJECTIVES = "More cooperation with European towns, on youth and climate."


async def stored(db: Path) -> dict[str, Any]:
    database = await Database.open(db)
    try:
        return await database.run(lambda tx: {q: a.value for q, a in tx.answers.of(1).items()})
    finally:
        await database.close()


async def test_numbers_are_answers_and_letters_press_the_other_buttons(tmp_path: Path) -> None:
    db = tmp_path / "letters.db"
    lines = [
        *SETUP_LINES,
        "2",  # has a policy plan: No
        OBJECTIVES,
        "/back",  # the objectives again, with "k) Keep current answer"
        "k",
        "1",  # decided by: Executive (ticked), then "Other…" with a letter, its text, and Done
        "o",
        "Sports council",
        "d",
        "1",  # a date question: a typed number is an answer (a wrong one), never the first button
        "s",  # skip it
        "4",
        "A lasting friendship between two towns of similar size, with exchanges of clubs.",
        "Because our clubs already meet each other every summer.",
        "Sofie Peeters",
        "chair",
        "municipality",
        "d",  # no other member
        "8",
        "/back",  # staff hours again: a typed number is the new answer
        "1",
        "2",  # the budget check: Not relevant
        "s",  # no note
    ]
    output = run_console(db, tmp_path / "out", "en", lines)
    assert "  k) Keep current answer   b) ◀ Back" in output
    assert ") Keep current answer" not in output.replace("k) Keep current answer", "")
    assert output.count("a letter on its own presses that button") == 1  # the rule, said once
    assert "o) Other…   d) Done" in output
    assert "Please type a date as day-month-year" in output
    values = await stored(db)
    assert values["objectives"] == OBJECTIVES
    assert values["decided_by"] == {"selected": ["executive"], "other": "Sports council"}
    assert values["objectives_decision_date"] is None
    assert values["political_support"] == 4
    assert values["committee_members"] == [{"name": "Sofie Peeters", "role": "chair", "organisation": "municipality"}]
    assert values["staff_hours_per_week"] == 1
    assert values["consequence_budget"] == {"status": "not_relevant", "note": None}


def _start(db: Path, out: Path, stdin: Any = subprocess.PIPE, stdout: Any = subprocess.PIPE) -> subprocess.Popen:
    command = [sys.executable, "-m", "bot", "console", "--db", str(db), "--lang", "en", "--out", str(out)]
    return subprocess.Popen(command, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, text=True)


def _wait_for(read: Any, marker: str, timeout: float = 60) -> str:
    """What the process printed up to `marker` (read line by line in a thread, so the test cannot hang)."""
    seen: list[str] = []
    found = threading.Event()

    def reader() -> None:
        while line := read():
            seen.append(line)
            if marker in line:
                found.set()
                return

    threading.Thread(target=reader, daemon=True).start()
    assert found.wait(timeout), "".join(seen)
    return "".join(seen)


def test_ctrl_c_ends_cleanly_and_keeps_every_answer(tmp_path: Path) -> None:
    db, out = tmp_path / "ctrl-c.db", tmp_path / "out"
    process = _start(db, out)
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write("\n".join([*SETUP_LINES, "2", OBJECTIVES]) + "\n")
    process.stdin.flush()
    _wait_for(process.stdout.readline, "Saved: " + OBJECTIVES)
    _wait_for(process.stdout.readline, "d) Done")  # the next question is waiting for its line
    process.send_signal(signal.SIGINT)
    rest, errors = process.communicate(timeout=60)
    assert "Your answers are saved. Run the same command again to continue." in rest
    assert "Traceback" not in errors and "KeyboardInterrupt" not in errors
    assert process.returncode == 130
    again = run_console(db, out, "en", ["/quit"])
    assert "Welcome back" in again
    assert "Where were these objectives discussed or decided?" in again  # the question after the last answer
    assert asyncio.run(stored(db))["objectives"] == OBJECTIVES


def test_ctrl_c_and_ctrl_d_at_a_terminal_end_cleanly(tmp_path: Path) -> None:
    db, out = tmp_path / "tty.db", tmp_path / "out"
    for key in ("ctrl-c", "ctrl-d"):
        leader, follower = pty.openpty()
        process = _start(db, out, stdin=follower, stdout=follower)
        os.close(follower)
        terminal = os.fdopen(leader, "r+b", buffering=0)

        def read(terminal: Any = terminal) -> str:
            try:
                return terminal.readline().decode(errors="replace")
            except OSError:  # the terminal closed
                return ""

        _wait_for(read, "Hint:")  # the question is shown: the prompt waits for a line
        terminal.write(b"Lindenberg\n")
        _wait_for(read, "Saved: Lindenberg")
        if key == "ctrl-c":
            process.send_signal(signal.SIGINT)
        else:
            terminal.write(b"\x04")  # Ctrl-D at an empty prompt
        rest = _wait_for(read, "Your answers are saved.")
        assert process.wait(timeout=60) == (130 if key == "ctrl-c" else 0)
        assert process.stderr is not None and "Traceback" not in process.stderr.read()
        assert "Traceback" not in rest
        terminal.close()
    assert asyncio.run(stored(db))["municipality"] == "Lindenberg"


def test_ctrl_c_while_drafts_are_made_waits_for_them(plan: Plan, tmp_path: Path) -> None:
    db, out = tmp_path / "drafts.db", tmp_path / "out"
    process = _start(db, out)
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write("\n".join(console_lines(plan, demo_answers("en"), translator("en"))) + "\n")
    process.stdin.flush()
    _wait_for(process.stdout.readline, "Stage 1 is closed")  # the drafts are being made now
    process.send_signal(signal.SIGINT)
    rest, errors = process.communicate(timeout=120)
    assert process.returncode == 130 and "Traceback" not in errors
    assert "Summary report, version 1" in rest  # the event in hand was finished, drafts included
    assert rest.rstrip().endswith("Your answers are saved. Run the same command again to continue.")
    assert len(list(out.glob("*_v1_en.pdf"))) == len(plan.documents_of(1))  # the drafts and the annex
    assert "Step 4" in run_console(db, out, "en", ["/quit"])  # and it continues at stage 2
