"""Routing of the AIEV-Instruct graph with scripted models and the real local sandbox.

Scripted models raise when called once too often, and each test checks every script was used up, so the
exact sequence of role calls is asserted, not just the final verdict.
"""

from __future__ import annotations

from scripted_roles import (
    BAD_CODE,
    BAD_CODES,
    BAD_TESTS,
    BLAME_CODE,
    BLAME_TEST,
    GOOD_CODE,
    GOOD_TESTS,
    PROBLEM,
)

from aiev.agents.dialogue import speaker_of
from aiev.agents.prompts import load_prompt, render_prompt
from aiev.graphs.aiev_instruct import build_graph, generate_one

SEED = {"id": "s1", "snippet": "def plus(x, y):\n    return x + y", "source": "test"}


def run(scripted) -> dict:
    state = build_graph().invoke({"seed": SEED, "stage": "teaching"}, context=scripted.context)
    for role, model in scripted.models.items():
        script = model.script
        if not callable(script):
            assert len(model.calls) == len(script), f"{role} used {len(model.calls)} of {len(script)} replies"
    return state


def speakers(state: dict) -> list[str]:
    return [speaker_of(m).value for m in state["messages"]]


def test_pass_on_round_one_follows_figure_3_order(scripted_roles) -> None:
    state = run(scripted_roles(questioner=[PROBLEM], programmer=[GOOD_CODE], test_writer=[GOOD_TESTS]))
    assert state["verdict"] == {"status": "passed", "reason": "passed", "last_error": ""}
    assert state["round"] == 1
    assert speakers(state) == ["questioner", "programmer", "test_writer", "interpreter", "programmer"]
    assert state["messages"][0].content == PROBLEM.strip()
    assert state["messages"][3].content.startswith("Execution succeeded")
    assert "return a + b" in state["messages"][-1].content  # closing answer carries the final code
    assert state["entry_point"] == "add"
    assert [e["outcome"] for e in state["executions"]] == ["passed"]


def test_pass_on_round_three_after_error_analysis(scripted_roles) -> None:
    state = run(
        scripted_roles(
            questioner=[PROBLEM],
            programmer=[*BAD_CODES[:2], GOOD_CODE],
            test_writer=[GOOD_TESTS],
            error_analyst=[BLAME_CODE, BLAME_CODE],
        )
    )
    assert state["verdict"]["status"] == "passed"
    assert state["round"] == 3
    assert speakers(state) == [
        "questioner", "programmer", "test_writer",
        "interpreter", "error_analyst", "programmer",
        "interpreter", "error_analyst", "programmer",
        "interpreter", "programmer",
    ]  # fmt: skip
    assert "AssertionError" in state["messages"][3].content  # the interpreter turn is the real stderr
    assert [e["outcome"] for e in state["executions"]] == ["failed", "failed", "passed"]


def test_seven_failures_discard_with_reason_and_last_error(scripted_roles) -> None:
    state = run(
        scripted_roles(
            questioner=[PROBLEM],
            programmer=BAD_CODES,
            test_writer=[GOOD_TESTS],
            error_analyst=[BLAME_CODE] * 6,
        )
    )
    assert state["verdict"]["status"] == "discarded"
    assert state["verdict"]["reason"] == "max_rounds"
    assert "AssertionError" in state["verdict"]["last_error"]
    assert state["round"] == 7 and len(state["executions"]) == 7
    assert speakers(state)[-1] == "interpreter"


def test_resent_failing_code_is_not_run_and_goes_back_to_the_programmer(scripted_roles) -> None:
    state = run(
        scripted_roles(
            questioner=[PROBLEM],
            programmer=[BAD_CODE, BAD_CODE, BAD_CODE],
            test_writer=[GOOD_TESTS],
            error_analyst=[BLAME_CODE],
            context={"max_rounds": 3},
        )
    )
    assert speakers(state) == [
        "questioner", "programmer", "test_writer",
        "interpreter", "error_analyst", "programmer",
        "interpreter", "programmer",
        "interpreter",
    ]  # fmt: skip
    assert [e["skipped"] for e in state["executions"]] == [None, "unchanged", "unchanged"]
    assert state["messages"][6].content.startswith("Nothing was executed")
    # the discard reports the failure of the code that ran, not the notice that it was resent
    assert (
        "AssertionError" in state["verdict"]["last_error"]
        and "Nothing was executed" not in state["verdict"]["last_error"]
    )


def test_max_rounds_comes_from_the_run_context(scripted_roles) -> None:
    state = run(
        scripted_roles(
            questioner=[PROBLEM],
            programmer=[BAD_CODE] * 2,
            test_writer=[GOOD_TESTS],
            error_analyst=[BLAME_CODE],
            context={"max_rounds": 2},
        )
    )
    assert state["verdict"]["reason"] == "max_rounds" and state["round"] == 2


def test_reply_without_code_is_a_failed_round_asked_again(scripted_roles) -> None:
    state = run(
        scripted_roles(
            questioner=[PROBLEM],
            programmer=["I would add the two numbers together.", GOOD_CODE],
            test_writer=[GOOD_TESTS],
        )
    )
    assert state["verdict"]["status"] == "passed"
    assert state["round"] == 2
    first = state["executions"][0]
    assert first["outcome"] == "error" and "solution code" in first["stderr"]
    # nothing ran, so there is nothing to analyse: the programmer is asked again directly
    assert speakers(state)[3:6] == ["interpreter", "programmer", "interpreter"]


def test_tests_without_asserts_send_the_test_writer_back(scripted_roles) -> None:
    state = run(
        scripted_roles(
            questioner=[PROBLEM],
            programmer=[GOOD_CODE],
            test_writer=["The function should be tested with small numbers.", GOOD_TESTS],
        )
    )
    assert state["verdict"]["status"] == "passed" and state["round"] == 2
    assert "unit tests" in state["executions"][0]["stderr"]


def test_setup_failure_is_fed_back_and_dropped_by_the_revision(scripted_roles) -> None:
    with_bad_install = "```bash\npip install --no-index aiev-no-such-package\n```\n" + GOOD_CODE
    state = run(
        scripted_roles(
            questioner=[PROBLEM],
            programmer=[with_bad_install, GOOD_CODE],
            test_writer=[GOOD_TESTS],
            error_analyst=["The package does not exist and is not needed.\nFAULT: code"],
        )
    )
    assert [e["outcome"] for e in state["executions"]] == ["setup_failed", "passed"]
    assert state["setup"] == []
    assert state["verdict"]["status"] == "passed"


def test_analyst_blaming_the_tests_sends_them_back_and_is_recorded(scripted_roles) -> None:
    state = run(
        scripted_roles(
            questioner=[PROBLEM],
            programmer=[GOOD_CODE],
            test_writer=[BAD_TESTS, GOOD_TESTS],
            error_analyst=[BLAME_TEST],
        )
    )
    assert state["verdict"]["status"] == "passed"
    assert speakers(state) == [
        "questioner", "programmer", "test_writer", "interpreter", "error_analyst",
        "test_writer", "interpreter", "programmer",
    ]  # fmt: skip
    analysis = BLAME_TEST.removesuffix("\nFAULT: test")  # the verdict routes; the turn holds the analysis
    assert state["blamed_tests"] == [{"round": 1, "explanation": analysis}]
    assert state["messages"][4].additional_kwargs["fault"] == "test" and state["messages"][4].content == analysis


def test_a_bare_verdict_is_followed_by_a_request_for_the_explanation_alone(scripted_roles) -> None:
    # the embedded 0.5B answered every analysis of a draw with "FAULT: code" and nothing else
    explanation = "add subtracts b instead of adding it: add(1, 2) gave -1, the problem wants 3."
    scripted = scripted_roles(
        questioner=[PROBLEM],
        programmer=[BAD_CODE, GOOD_CODE],
        test_writer=[GOOD_TESTS],
        error_analyst=["FAULT: code", f"{explanation} {explanation} {explanation[:20]}"],  # looped to the cap
    )
    state = run(scripted)
    assert state["verdict"]["status"] == "passed" and state["round"] == 2
    analysis = state["messages"][4]
    assert analysis.content == explanation and analysis.additional_kwargs["fault"] == "code"  # said once
    first, second = (call[-1].content for call in scripted.models["error_analyst"].calls)
    assert first.endswith("FAULT: code or FAULT: test") and "no FAULT line" in second
    assert first.split("## Interpreter output")[0] == second.split("## Interpreter output")[0]
    first_view, revision_view = scripted.models["programmer"].calls
    assert explanation in revision_view[-1].content  # what the revision was shown, then asked for code
    assert revision_view[-1].content.endswith(load_prompt("programmer_revision_request"))
    assert "corrected code" not in first_view[-1].content


def test_model_failure_ends_the_dialogue_with_a_clear_verdict(scripted_roles) -> None:
    def endpoint_down(messages):
        raise ConnectionError("Connection refused")

    state = run(scripted_roles(questioner=[PROBLEM], programmer=endpoint_down))
    assert state["verdict"]["status"] == "discarded"
    assert state["verdict"]["reason"] == "model_error"
    assert "programmer model" in state["verdict"]["last_error"]
    assert "Connection refused" in state["verdict"]["last_error"]
    assert speakers(state) == ["questioner"]


def test_roles_see_the_transcript_from_their_own_side(scripted_roles) -> None:
    scripted = scripted_roles(
        questioner=[PROBLEM], programmer=[BAD_CODE, GOOD_CODE], test_writer=[GOOD_TESTS], error_analyst=[BLAME_CODE]
    )
    run(scripted)
    second_programmer_call = scripted.models["programmer"].calls[1]
    kinds = [m.type for m in second_programmer_call]
    assert kinds == ["system", "human", "ai", "human"]  # problem | own code | tests+stderr+analysis merged
    # the analysis, not the verdict that routes the dialogue (shown it, the 1.5B answered "The FAULT is: code")
    # then the check that failed, quoted again right before the request (``failing_check``)
    check = render_prompt(
        "programmer_failing_check",
        line="assert add(1, 2) == 3",
        error="AssertionError: add(1, 2) is -1; the test expects 3",
    )
    assert second_programmer_call[-1].content.endswith(
        f"add subtracts instead of adding.\n\n{check}\n\n" + load_prompt("programmer_revision_request")
    )
    assert "FAULT" not in second_programmer_call[-1].content
    assert "def plus" in scripted.models["questioner"].calls[0][-1].content  # only the questioner sees the seed
    assert all("def plus" not in m.content for m in second_programmer_call)
    test_writer_view = scripted.models["test_writer"].calls[0]
    assert [m.type for m in test_writer_view] == ["system", "human"]  # the problem and the request, no code
    assert "return a" not in test_writer_view[-1].content and "`add`" in test_writer_view[-1].content


def test_generate_one_takes_a_bare_snippet(scripted_roles) -> None:
    scripted = scripted_roles(questioner=[PROBLEM], programmer=[GOOD_CODE], test_writer=[GOOD_TESTS])
    state = generate_one("def plus(x, y):\n    return x + y", scripted.context, stage="self_learning")
    assert state["verdict"]["status"] == "passed" and state["stage"] == "self_learning"
    assert state["seed"]["id"].startswith("seed-") and state["seed"]["source"] == "inline"


def test_a_revision_that_echoes_the_feedback_is_stored_without_the_echo(scripted_roles) -> None:
    echoing = f"{GOOD_CODE}\n\nExecution failed with exit code 1.\n\n{BLAME_CODE.splitlines()[0]}"  # the 1.5B's habit
    state = run(
        scripted_roles(
            questioner=[PROBLEM], programmer=[BAD_CODE, echoing], test_writer=[GOOD_TESTS], error_analyst=[BLAME_CODE]
        )
    )
    assert state["verdict"]["status"] == "passed" and state["round"] == 2
    revision = state["messages"][5]
    assert speaker_of(revision).value == "programmer" and revision.content == GOOD_CODE


def test_forgotten_standard_library_imports_do_not_cost_a_round_and_the_sample_shows_them(scripted_roles) -> None:
    # the 1.5B's code used typing's Tuple and codecs, its tests unittest's TestCase, none imported (session 23)
    code = "```python\ndef add(a: int, b: int) -> Optional[int]:\n    return operator.add(a, b)\n```"
    tests = (
        "```python\nclass TestAdd(TestCase):\n    def test_add(self):\n"
        "        self.assertEqual(add(1, 2), 3)\n        self.assertEqual(add(-1, 1), 0)\n```"
    )
    state = run(scripted_roles(questioner=[PROBLEM], programmer=[code], test_writer=[tests]))
    assert state["verdict"]["status"] == "passed" and state["round"] == 1
    programmer_turn, tests_turn = state["messages"][1].content, state["messages"][2].content
    assert "```python\nimport operator\nfrom typing import Optional\ndef add" in programmer_turn
    assert "```python\nfrom unittest import TestCase\nclass TestAdd" in tests_turn
    assert state["solution"].startswith("import operator\nfrom typing import Optional\n")
    assert state["tests"].startswith("from unittest import TestCase\n")
