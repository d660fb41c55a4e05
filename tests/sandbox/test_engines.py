"""What a request promises, for both engines: outcomes, tests appended, setup installs, files, stdin, caps."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from pydantic import ValidationError

from aiev.sandbox.types import ExecRequest, ExecResult, Limits, Outcome


def test_passing_program_and_its_output(engine) -> None:
    result = engine.run(ExecRequest.python("print('hello', 6 * 7)"))
    assert result.outcome is Outcome.PASSED and result.exit_code == 0
    assert result.stdout.strip() == "hello 42" and result.engine == engine.name and result.duration_s > 0


def test_failing_assert_in_appended_tests(engine) -> None:
    result = engine.run(ExecRequest.python("def add(a, b):\n    return a - b\n", tests="assert add(2, 2) == 4\n"))
    assert result.outcome is Outcome.FAILED and result.exit_code == 1 and "AssertionError" in result.stderr


def test_several_files_and_stdin(engine) -> None:
    request = ExecRequest(files={"main.py": "from pkg.util import double\nprint(double(int(input())))\n",
                                 "pkg/__init__.py": "", "pkg/util.py": "def double(x):\n    return 2 * x\n"},
                          stdin="21\n")  # fmt: skip
    result = engine.run(request)
    assert result.outcome is Outcome.PASSED, result.stderr
    assert result.stdout.strip() == "42"


def test_setup_installs_a_package_the_program_imports(engine) -> None:
    code = "import text_unidecode\nprint(text_unidecode.unidecode('déjà vu'))\n"
    result = engine.run(ExecRequest.python(code, setup=["pip install text-unidecode==1.3"], timeout_s=20))
    assert result.outcome is Outcome.PASSED, (result.setup_log, result.stderr)
    assert result.stdout.strip() == "deja vu" and "text-unidecode" in result.setup_log


def test_failing_setup_is_reported_as_setup_failed(engine) -> None:
    result = engine.run(
        ExecRequest.python("print('never runs')", setup=["pip install --no-index aiev-no-such-package"])
    )
    assert result.outcome is Outcome.SETUP_FAILED and "never runs" not in result.stdout
    assert "aiev-no-such-package" in result.setup_log


def test_stderr_cap_marks_truncation(engine) -> None:
    result = engine.run(ExecRequest.python("import sys\nsys.stderr.write('e' * 5000)\n", output_bytes=1000))
    assert result.stderr_truncated and not result.stdout_truncated
    assert result.stderr.startswith("e" * 1000) and result.stderr.endswith("[... output truncated ...]")


def test_concurrent_runs_stay_apart(engine) -> None:
    with ThreadPoolExecutor(4) as pool:
        results = list(
            pool.map(lambda i: engine.run(ExecRequest.python(f"import os\nprint({i}, os.listdir('.'))")), range(8))
        )
    assert [r.outcome for r in results] == [Outcome.PASSED] * 8
    assert [int(r.stdout.split()[0]) for r in results] == list(range(8))
    assert all("['main.py']" in r.stdout for r in results)  # a fresh work dir each time


def test_result_round_trips_through_json() -> None:
    result = ExecResult(outcome=Outcome.TIMEOUT, exit_code=None, stdout="x", stderr_truncated=True, duration_s=1.5)
    assert ExecResult.model_validate_json(result.model_dump_json()) == result


@pytest.mark.parametrize("path", ["/etc/passwd", "../up.py", "a/../../b.py", ""])
def test_file_paths_must_stay_in_the_work_dir(path: str) -> None:
    with pytest.raises(ValidationError, match="must be relative"):
        ExecRequest(files={path: "print(1)"})


def test_limits_are_validated() -> None:
    with pytest.raises(ValidationError):
        Limits(timeout_s=0)
    with pytest.raises(ValidationError):
        Limits(memory_mb=1)
