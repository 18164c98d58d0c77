"""The plan in dialogs/: complete and faithful to the step plan, and loud when a file is broken."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.plan.loader import PlanError, load_plan
from bot.plan.models import Kind, Plan, QuestionType

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
        "step6": ("obstacle", 11),  # five about missions, six missing skills
        "step7": ("obstacle", 3),  # no central contact, missing capacity, inequality
    }
    for step_id, (check, count) in expected.items():
        checks = [q.check for q in plan.steps[step_id].questions if q.type == QuestionType.check]
        assert len(checks) == count, step_id
        assert set(checks) <= {check}, step_id


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
    assert "exclusions" in {q.id for q in plan.steps["step4"].questions}


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
    }
    assert {d.id for d in plan.documents_of(2)} >= {
        "partner_profile",
        "partner_checklist",
        "candidate_comparison",
        "cooperation_protocol",
    }
    assert {d.id for d in plan.documents_of(3)} == {
        "strategic_plan",
        "action_plan",
        "cooperation_communication_plan",
        "training_plan",
        "evaluation_report",
    }


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


@pytest.mark.parametrize(("kind", "shown", "hidden"), [("north_south", "ICLD", "CERV"), ("european", "CERV", "ICLD")])
def test_funding_routes_are_named_where_the_budget_is_discussed(plan: Plan, kind: str, shown: str, hidden: str) -> None:
    from bot.engine.flow import Standing
    from bot.engine.prompts import question_prompt
    from bot.engine.state import QuestionDraft
    from bot.i18n import translator

    standing = Standing(plan, {"kind": kind}, frozenset(), frozenset())
    budget_questions = [q for q in plan.questions().values() if q.funding]
    assert {plan.step_of(q.id).id for q in budget_questions} == {"step2", "step7"}
    draft = QuestionDraft()
    text = question_prompt(translator("en"), standing, budget_questions[0], draft, None, answered=False).text
    assert shown in text and hidden not in text
    assert "as known on November 1, 2026; check the current call" in text
