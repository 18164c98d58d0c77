"""The terminal front end, run as a real process with answers piped into standard input."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.demo import demo_answers
from bot.i18n import translator
from bot.plan.models import Plan
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
