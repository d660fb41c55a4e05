"""Generated tests that are not Python are refused with their syntax error and go back to the test writer
(``test_quality.unparsable``); asserts broken one by one are dropped and the others kept (``parsing.extract_tests``).

Seen with the embedded 1.5B on vLLM (session 21): every assert of ``get_shared``'s tests closed a list twice
(``== ['[lib.so']]``, a ``[`` inside a string), the run failed before any code ran, the analyst blamed the code three
rounds running and the programmer pasted the broken asserts into its code. Scripted role models, real local sandbox.
"""

from __future__ import annotations

from scripted_roles import GOOD_CODE, GOOD_TESTS, PROBLEM, run_seed, speakers

from aiev.agents.parsing import extract_tests
from aiev.graphs.pipeline import to_record
from aiev.graphs.report import compute_stats

BROKEN = "```python\nassert add(1, 2) == [3]]\nassert add(0, 0) == [0]]\n```"


def test_asserts_broken_one_by_one_are_dropped_and_the_rest_kept() -> None:
    reply = "```python\nassert add(1, 2) == 3\nassert add(['[a'], []) == ['[a']]\nassert add(2, 2) == 4\n```"
    assert extract_tests(reply, "add") == "assert add(1, 2) == 3\nassert add(2, 2) == 4\n"
    # a cut at the end loses the cut assert only, as before; a broken line inside a statement is no assert to drop
    assert extract_tests("```python\nassert add(1, 2) == 3\nassert add(2, 2) == (4\n```", "add") == (
        "assert add(1, 2) == 3\n"
    )
    assert extract_tests("```python\nassert add(1, 2) == 3\nassert add(\n    2, 2) == 4]\n```", "add") == (
        "assert add(1, 2) == 3\n"
    )
    # nothing left that asserts: the tests stay as written, for the check to refuse with their error
    assert extract_tests(BROKEN, "add") == "assert add(1, 2) == [3]]\nassert add(0, 0) == [0]]"


def test_tests_that_are_not_python_are_refused_and_go_back_to_the_test_writer(scripted_roles) -> None:
    scripted = scripted_roles(questioner=[PROBLEM], programmer=[GOOD_CODE], test_writer=[BROKEN, GOOD_TESTS])
    state = run_seed(scripted)
    assert speakers(state) == [
        "questioner",
        "programmer",
        "test_writer",
        "interpreter",
        "test_writer",
        "interpreter",
        "programmer",
    ]  # fmt: skip: no analyst, and the programmer is not asked to fix what the tests broke
    refused, verified = state["executions"]
    assert refused["skipped"] == "tests_unparsable" and refused["outcome"] == "error"
    assert refused["test_quality"]["verdict"] == "unparsable"
    assert verified["outcome"] == "passed" and state["verdict"]["status"] == "passed"
    told = scripted.models["test_writer"].calls[1][-1].content  # the test writer is shown its error and line
    assert "line 1 of the tests\n    assert add(1, 2) == [3]]\nSyntaxError: unmatched ']'" in told


def test_out_of_rounds_on_such_tests_is_discarded_with_that_reason(scripted_roles) -> None:
    scripted = scripted_roles(
        questioner=[PROBLEM],
        programmer=[GOOD_CODE],
        test_writer=[BROKEN, BROKEN.replace("[0]]", "[1]]")],
        context={"max_rounds": 2},
    )
    state = run_seed(scripted)
    assert state["verdict"]["reason"] == "tests_unparsable"
    stats = compute_stats([to_record({"id": "s1", "snippet": "", "source": "t"}, state, scripted.context, 1.0)], 1.0)
    assert stats["discard_reasons"] == {"tests_unparsable": 1} and stats["unparsable_test_rounds"] == 2
