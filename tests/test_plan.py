"""The plan in dialogs/: complete and faithful to the step plan, and loud when a file is broken."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.plan.loader import PlanError, load_plan, questions_read
from bot.plan.models import Kind, Plan, QuestionType, Wording

DIALOGS = Path(__file__).parents[1] / "dialogs"


def test_three_stages_seven_steps_in_plan_order(plan: Plan) -> None:
    assert [(s.number, s.steps) for s in plan.stages] == [
        (1, ["step1", "step2", "step3"]),
        (2, ["step4", "step5", "step6"]),
        (3, ["step7"]),
    ]
    assert [plan.steps[f"step{n}"].number for n in range(1, 8)] == list(range(1, 8))


def test_every_task_of_every_step_has_a_question(plan: Plan) -> None:
    tasks_per_step = {"step1": 3, "step2": 4, "step3": 4, "step4": 3, "step5": 5, "step6": 4, "step7": 5}
    for step_id, count in tasks_per_step.items():
        step = plan.steps[step_id]
        assert len(step.tasks) == count, step_id
        served = {q.task for q in step.questions if q.task}
        assert served == set(range(1, count + 1)), f"{step_id} leaves tasks {set(range(1, count + 1)) - served}"
        assert step.purpose and step.results and step.documents, step_id


def test_every_consequence_and_obstacle_of_the_step_plan_is_a_check(plan: Plan) -> None:
    expected = {
        "step1": ("consequence", 4),  # policy plan, budget, subsidy criteria, communication service
        "step2": ("consequence", 3),  # advisory council, internal working group, place in the organisation chart
        "step3": (None, 0),
        "step4": ("obstacle", 1),  # realism
        "step5": ("obstacle", 1),  # the partner answers what it thinks you expect
        "step6": (None, 0),  # its eleven obstacles are one multiple choice (below)
        "step7": ("obstacle", 3),  # no central contact, missing capacity, inequality
    }
    for step_id, (check, count) in expected.items():
        checks = [q.check for q in plan.steps[step_id].questions if q.type == QuestionType.check]
        assert len(checks) == count, step_id
        assert set(checks) <= {check}, step_id


def test_step6_obstacles_are_one_multiple_choice_with_one_note(plan: Plan) -> None:
    """Five obstacles of identification missions and six missing skills: one question, not eleven."""
    step = plan.steps["step6"]
    obstacles = plan.questions()["mission_obstacles"]
    assert obstacles.type == QuestionType.multi and obstacles.other
    assert len([o for o in obstacles.options if o.id != "none"]) == 11
    assert plan.questions()["mission_obstacles_note"].type == QuestionType.long_text
    assert not [q for q in step.questions if q.type == QuestionType.check]


# Fewer, better questions (issue 12): each question block counts once, conditional ones too; the
# fields of a compound question do not count apart.


def test_stage_1_asks_at_most_45_questions_and_the_plan_at_most_120(plan: Plan) -> None:
    assert plan.count_questions(0) + plan.count_questions(1) <= 45  # the opening questions belong to stage 1
    assert plan.count_questions() <= 120
    assert plan.count_questions() == sum(len(step.questions) for step in plan.ordered_steps())


def test_every_question_feeds_a_draft_the_ranking_or_the_ten_keys_check(plan: Plan) -> None:
    read = questions_read(plan)
    unread = [q.id for q in plan.questions().values() if q.id not in read and q.internal is None]
    assert not unread, f"nothing reads {unread}"
    templates = {qid for qid, reader in read.items() if reader.startswith("template")}
    # what only the ranking, health.yaml or skip logic reads is a short, known list
    others = set(plan.questions()) - templates
    assert others <= {"kind"} | {q.id for q in plan.questions().values() if q.type == QuestionType.criterion}


def test_a_question_nothing_reads_stops_the_plan_unless_it_is_internal(broken: Path) -> None:
    step = broken / "steps" / "step3.yaml"
    extra = "\n  - id: favourite_colour\n    type: text\n    task: 4\n    text: What is your favourite colour?\n"
    step.write_text(step.read_text(encoding="utf-8") + extra, encoding="utf-8")
    with pytest.raises(PlanError) as error:
        load_plan(broken)
    assert error.value.file.endswith("steps/step3.yaml")
    assert "(id favourite_colour)" in error.value.place
    assert "internal" in error.value.problem
    step.write_text(
        step.read_text(encoding="utf-8") + '    internal: "asked for the committee\'s own notes"\n', encoding="utf-8"
    )
    assert "favourite_colour" in load_plan(broken).questions()


MERGED = {
    # the later or duplicate id -> the one id kept (in the earlier step)
    "support_political": "political_support",
    "profile_tested_with": "profile_consulted",
    "existing_ties": "existing_links_list",
    "exclusions": "exclusion_topics",
    "partner_profile_realism": "partner_profile_realism_check",
    "link_staff_hours": "staff_hours_per_week",
    "yearly_programme_budget": "annual_budget",
    "programme_funding": "external_funding",
    "steering_group": "committee_members",
    "work_meeting_frequency": "protocol_contact_rhythm",
    "protocol_monitoring": "evaluation_dates",
    "indicators": "evaluation_criteria_indicators",
    "prep_rating": "support_now",
    "prep_went_well": "support_now",
    "report_format": None,
}


def test_what_was_asked_twice_is_asked_once(plan: Plan) -> None:
    questions = plan.questions()
    for gone, kept in MERGED.items():
        assert gone not in questions, gone
        assert kept is None or kept in questions, kept
    order = [q.id for q in questions.values()]
    assert order.index("staff_hours_per_week") < order.index("activities")  # step 1, read in stage 3
    assert order.index("evaluation_dates") < order.index("activities")  # the protocol's dates (step 6)
    assert plan.step_of("evaluation_dates").id == "step6"
    assert "support_political" not in {f.id for f in questions["support_now"].fields}
    dac = [f.id for f in questions["evaluation_criteria_indicators"].fields]
    assert dac == ["relevance", "coherence", "effectiveness", "efficiency", "impact", "sustainability"]


STOP_WORDS = set(
    [
        "that",
        "this",
        "with",
        "from",
        "their",
        "they",
        "them",
        "your",
        "have",
        "what",
        "when",
        "which",
        "where",
        "will",
        "would",
        "there",
        "these",
        "those",
        "about",
        "into",
        "than",
        "then",
        "also",
        "only",
        "more",
        "most",
        "other",
        "each",
        "every",
        "both",
        "after",
        "before",
        "because",
        "while",
        "even",
        "just",
        "some",
        "such",
        "very",
    ]
)


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]+", text.lower()) if len(w) >= 4 and w not in STOP_WORDS}


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]


def _wordings(text: Wording | None) -> list[str]:
    if text is None:
        return []
    return [text] if isinstance(text, str) else [text.european, text.north_south]


def says_twice(why: str, tip: str) -> bool:
    """Loosely the same: one text inside the other, or a sentence sharing most of its words with one of the other."""
    if why.lower() in tip.lower() or tip.lower() in why.lower():
        return True
    for mine in _sentences(why):
        for theirs in _sentences(tip):
            a, b = _words(mine), _words(theirs)
            shared = a & b
            if len(shared) >= 3 and len(shared) / min(len(a), len(b)) >= 0.5:
                return True
    return False


def test_the_comparison_catches_a_why_that_repeats_the_tip() -> None:
    tip = "Every partnership costs money, however carefully it is planned. A yearly budget keeps the work going."
    assert says_twice("Every partnership costs money. A small yearly amount keeps the work going.", tip)
    assert not says_twice("The amount goes into the policy statement and the budget proposal.", tip)


def test_why_and_the_key_to_success_never_say_the_same_thing_twice(plan: Plan) -> None:
    for question in plan.questions().values():
        if not question.tip:
            continue
        key = plan.keys[question.tip]
        for why in _wordings(question.why):
            for tip in _wordings(key.tip):
                assert not says_twice(why, tip), f"{question.id}: why and tip of {key.id} say the same"


def test_confirmed_questions_name_an_earlier_question_of_the_same_type(plan: Plan) -> None:
    questions = plan.questions()
    order = list(questions)
    confirming = {q.id: q.confirm for q in questions.values() if q.confirm}
    assert confirming == {"strategic_fields": "protocol_fields", "coop_channels": "comm_channels"}
    for later, earlier in confirming.items():
        assert order.index(earlier) < order.index(later)
        assert questions[earlier].type == questions[later].type
        assert {o.id for o in questions[earlier].options} <= {o.id for o in questions[later].options}


@pytest.mark.parametrize(
    ("target", "problem"),
    [
        ("no_such_question", "unknown or later"),
        ("action_plan_adjustment", "unknown or later"),  # asked after coop_channels
        ("objectives", "long_text question"),
        ("policy_fields", "options or fields this one lacks"),  # its answer would not fit the channels
    ],
)
def test_a_confirm_that_cannot_work_stops_the_plan(broken: Path, target: str, problem: str) -> None:
    _edit(broken / "steps" / "step7.yaml", "    confirm: comm_channels\n", f"    confirm: {target}\n")
    with pytest.raises(PlanError) as error:
        load_plan(broken)
    assert "(id coop_channels) > confirm" in error.value.place
    assert problem in error.value.problem


def test_lists_name_their_entries(plan: Plan) -> None:
    repeats = [q for q in plan.questions().values() if q.type == QuestionType.repeat]
    assert repeats and all(q.entry_name for q in repeats), [q.id for q in repeats if not q.entry_name]


def test_step4_criteria_are_weighted_questions(plan: Plan) -> None:
    criteria = {q.id for q in plan.steps["step4"].questions if q.type == QuestionType.criterion}
    assert {
        "crit_region",
        "crit_context",
        "crit_structure",
        "crit_budget",
        "crit_size",
        "crit_policy",
        "crit_civil_society",
        "crit_links",
    } <= criteria
    exclusions = plan.questions()["exclusion_topics"]
    assert plan.step_of("exclusion_topics").id == "step4" and exclusions.other  # own words under "Other"


def test_step5_checklist_holds_the_points_to_ask_candidates(plan: Plan) -> None:
    checklist = plan.questions()["checklist_points"]
    assert checklist.type == QuestionType.multi
    assert len(checklist.options) >= 12


def test_keys_to_success_are_tips_where_they_matter(plan: Plan) -> None:
    tips = {q.tip: plan.step_of(q.id).id for q in plan.questions().values() if q.tip}
    assert set(plan.keys) == {f"key{n}" for n in range(1, 11)}
    assert {"key1", "key2", "key4", "key5", "key10"} <= set(tips)
    step_of_tip = {}
    for question in plan.questions().values():
        if question.tip:
            step_of_tip.setdefault(question.tip, set()).add(plan.step_of(question.id).id)
    assert "step4" in step_of_tip["key1"]  # at the partner profile
    assert "step2" in step_of_tip["key2"]  # at the consultation


def test_the_kind_of_partnership_is_chosen_at_the_start(plan: Plan) -> None:
    kind = plan.setup.questions[[q.id for q in plan.setup.questions].index("kind")]
    assert {o.id for o in kind.options} == {k.value for k in Kind}
    varied = [q for q in plan.questions().values() if not isinstance(q.text, str) or q.kinds]
    assert len(varied) >= 5


def test_every_question_type_is_used(plan: Plan) -> None:
    used = {q.type for q in plan.questions().values()}
    used |= {f.type for q in plan.questions().values() for f in q.fields}
    assert used == set(QuestionType)


def test_every_document_of_each_stage_is_defined(plan: Plan) -> None:
    assert {d.id for d in plan.documents_of(1)} == {
        "municipal_profile",
        "policy_statement",
        "communication_plan",
        "local_partners",
        "summary_report",
        "sources_stage1",
    }
    assert {d.id for d in plan.documents_of(2)} >= {
        "partner_profile",
        "partner_checklist",
        "candidate_comparison",
        "internal_memo",
        "partner_description",  # step 6: "Beschrijving van partnergemeente"
        "cooperation_protocol",
        "start_decision",  # step 6: "Beleidsbeslissing over start"
        "sources_stage2",
    }
    assert {d.id for d in plan.documents_of(3)} == {
        "strategic_plan",
        "action_plan",
        "cooperation_communication_plan",
        "training_plan",
        "evaluation_report",
        "sources_stage3",
    }
    # every stage has one annex of sources, and it is the only place that says who answered what
    assert [d.stage for d in plan.documents if d.annex] == [1, 2, 3]
    assert not any(d.annex and d.partner_facing for d in plan.documents)


# Broken plans: each fails with the file, the place in it and what is wrong.


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    root = tmp_path / "dialogs"
    shutil.copytree(DIALOGS, root)
    return root


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_an_unknown_question_type(broken: Path) -> None:
    _edit(broken / "steps" / "setup.yaml", "type: choice", "type: dropdown")
    with pytest.raises(PlanError) as error:
        load_plan(broken)
    assert error.value.file.endswith("steps/setup.yaml")
    assert "questions [3] (id kind) > type" in error.value.place
    assert "unknown question type 'dropdown'" in error.value.problem


def test_a_duplicate_id(broken: Path) -> None:
    _edit(broken / "steps" / "setup.yaml", "id: coordinator_name", "id: country")
    with pytest.raises(PlanError) as error:
        load_plan(broken)
    assert error.value.file.endswith("steps/setup.yaml")
    assert "(id country)" in error.value.place
    assert "duplicate id" in error.value.problem


def test_a_when_naming_an_unknown_question(broken: Path) -> None:
    _edit(
        broken / "steps" / "setup.yaml",
        "  - id: coordinator_name\n",
        "  - id: coordinator_name\n    when: {question: mayor, answered: true}\n",
    )
    with pytest.raises(PlanError) as error:
        load_plan(broken)
    assert "(id coordinator_name) > when" in error.value.place
    assert "'mayor'" in error.value.problem


def test_a_template_using_an_answer_that_does_not_exist(broken: Path) -> None:
    template = broken / "documents" / "summary_report.md.j2"
    template.write_text(template.read_text(encoding="utf-8") + "\n{{ a.favourite_colour }}\n", encoding="utf-8")
    with pytest.raises(PlanError) as error:
        load_plan(broken)
    assert error.value.file.endswith("summary_report.md.j2")
    assert re.fullmatch(r"line \d+", error.value.place)
    assert "'favourite_colour'" in error.value.problem


def test_an_unknown_setting_and_broken_yaml(broken: Path) -> None:
    _edit(broken / "steps" / "setup.yaml", "    type: text", "    requird: true\n    type: text")
    with pytest.raises(PlanError, match="unknown setting 'requird'"):
        load_plan(broken)
    (broken / "steps" / "setup.yaml").write_text("id: setup\nquestions: [\n", encoding="utf-8")
    with pytest.raises(PlanError, match=r"setup.yaml: line \d+, column \d+: not valid YAML"):
        load_plan(broken)


def test_a_condition_without_a_test(broken: Path) -> None:
    _edit(
        broken / "steps" / "setup.yaml",
        "  - id: coordinator_name\n",
        "  - id: coordinator_name\n    when: {question: kind}\n",
    )
    with pytest.raises(PlanError, match="exactly one of equals"):
        load_plan(broken)


@pytest.mark.parametrize(
    ("kind", "country", "shown", "hidden"),
    [
        ("north_south", "Sverige", ["ICLD"], ["CERV", "DGD", "VNG International"]),
        ("north_south", "België", ["financed by DGD"], ["ICLD", "CERV", "through VVSG", "31 October"]),
        ("north_south", "the Netherlands", ["implementing agency", "does not give grants"], ["ICLD", "DGD"]),
        ("european", "Belgium", ["CERV", "ends in 2027"], ["ICLD", "DGD"]),
        ("european", "Narnia", ["CERV"], ["ICLD", "DGD", "SKEW"]),  # an unknown country: EU-wide routes only
        ("north_south", None, [], ["ICLD", "DGD", "SKEW", "CERV"]),
    ],
)
def test_funding_routes_are_those_of_the_own_country_and_the_eu(
    plan: Plan, kind: str, country: str | None, shown: list[str], hidden: list[str]
) -> None:
    from bot.engine.flow import Standing
    from bot.engine.prompts import question_prompt
    from bot.engine.state import QuestionDraft
    from bot.i18n import translator

    standing = Standing(plan, {"kind": kind, "country": country}, frozenset(), frozenset())
    budget_questions = [q for q in plan.questions().values() if q.funding]
    assert {plan.step_of(q.id).id for q in budget_questions} == {"step2", "step7"}
    draft = QuestionDraft()
    text = question_prompt(translator("en"), standing, budget_questions[0], draft, None, answered=False).text
    assert all(word in text for word in shown), text
    assert not any(word in text for word in hidden), text
    if shown:
        assert "check the current call before you apply" in text and "checked on November 1, 2026" in text


def test_every_funding_route_is_dated_sourced_and_placed_in_a_period(plan: Plan) -> None:
    for route in plan.funding.routes:
        assert route.checked and route.source and route.period, route.id
        assert not route.countries or set(route.countries) <= set(plan.terms.countries), route.id
    cerv = [r for r in plan.funding.routes if r.id.startswith("cerv")]
    assert cerv and all("2027" in (r.period or "") for r in cerv)
    belgium = next(r for r in plan.funding.routes if "BE" in r.countries)
    assert "DGD" in belgium.text and "VVSG" not in belgium.text and "October" not in belgium.text
    vng = next(r for r in plan.funding.routes if "NL" in r.countries)
    assert "implementing agency" in vng.name and "does not give grants" in vng.text
