"""The code interpreter's contract: one request in, one result out, identical for every engine.

Both are pydantic models so that a result can be stored in a LangGraph state, a JSONL results log
or an HTTP reply without custom encoders.
"""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, Field, field_validator

from .requirements import parse_install

_TESTS_SEPARATOR = "\n\n\n"  # between a program and the tests appended to it


class Outcome(str, Enum):
    """How an execution ended. Graph edges route on this value, so it is deliberately coarse."""

    PASSED = "passed"  # exited 0 and, with tests, the tests ran to their end (see ``verdict``)
    FAILED = "failed"  # non-zero exit: an exception, a failed assert
    TESTS_INCOMPLETE = "tests_incomplete"  # exited 0 or was killed before the tests' end: an early exit is no pass
    ERROR = "error"  # the request could not be run as given (e.g. a file path escaping the work dir)
    TIMEOUT = "timeout"  # wall-clock limit hit; the whole process tree was killed
    MEMORY_EXCEEDED = "memory_exceeded"  # killed by the memory limit (OOM) or MemoryError
    SETUP_FAILED = "setup_failed"  # a setup command (e.g. pip install) exited non-zero
    SANDBOX_ERROR = "sandbox_error"  # the engine itself broke (daemon gone, image missing)


class Limits(BaseModel):
    """Resource limits applied to the program and its tests (setup has its own timeout)."""

    timeout_s: float = Field(10.0, gt=0, le=3600, description="wall-clock limit for the program and tests")
    memory_mb: int = Field(512, ge=32, le=65536, description="address-space / cgroup memory limit")
    output_bytes: int = Field(64_000, ge=256, description="cap on stdout and on stderr, each")
    max_pids: int = Field(64, ge=4, le=4096, description="processes and threads the program may own")
    file_size_mb: int = Field(64, ge=1, le=4096, description="largest file the program may write")
    cpus: float = Field(1.0, gt=0, le=64, description="CPU share (Docker) / CPU-seconds scale (local)")
    setup_timeout_s: float = Field(300.0, gt=0, le=7200, description="limit for all setup commands together")


class ExecRequest(BaseModel):
    """A program to run: source files, optional test code, optional ``pip install`` setup lines.

    ``files`` maps relative paths to contents; ``entrypoint`` names the one to run. When ``tests`` is set
    it is appended to the entry point's source and run in the same interpreter, the way HumanEval and
    AutoCoder's interpreter do it, so a failing assert makes the whole run fail; the run then passes only when
    the tests ran to their end (``verdict``), not merely when the process exited 0.
    """

    files: dict[str, str] = Field(..., min_length=1)
    entrypoint: str = "main.py"
    tests: str | None = None
    setup: list[str] = Field(default_factory=list, description="pip install lines run before the program, with network")
    stdin: str | None = None
    limits: Limits = Field(default_factory=Limits)

    @field_validator("files")
    @classmethod
    def _relative_paths(cls, files: dict[str, str]) -> dict[str, str]:
        for path in files:
            parts = path.replace("\\", "/").split("/")
            if path.startswith("/") or ".." in parts or not path.strip():
                raise ValueError(f"file path {path!r} must be relative and stay inside the work dir")
        return files

    @field_validator("setup")
    @classmethod
    def _installs_only(cls, setup: list[str]) -> list[str]:
        for line in setup:
            parse_install(line)  # its SetupLineError names the line (``requirements.py`` says what is allowed)
        return setup

    @classmethod
    def python(
        cls, code: str, tests: str | None = None, setup: list[str] | None = None, **limits: float
    ) -> ExecRequest:
        """Shortcut for the common case: one Python program, optional tests and setup lines."""
        return cls(files={"main.py": code}, tests=tests, setup=setup or [], limits=Limits(**limits))

    def program_source(self) -> str:
        """The entry point as it is executed: source, then the tests when present."""
        source = self.files[self.entrypoint]
        if self.tests:
            source = f"{source.rstrip()}{_TESTS_SEPARATOR}{self.tests.strip()}\n"
        return source

    def tests_first_line(self) -> int:
        """The line of ``program_source`` where the tests begin (tracebacks name lines of that text)."""
        return (self.files[self.entrypoint].rstrip() + _TESTS_SEPARATOR).count("\n") + 1


class ExecResult(BaseModel):
    """What happened. ``stdout``/``stderr`` are capped; ``*_truncated`` says when bytes were dropped."""

    outcome: Outcome
    exit_code: int | None = None
    stdout: str = ""
    stderr: str = ""
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    duration_s: float = 0.0
    setup_log: str = ""
    engine: str = ""

    @property
    def passed(self) -> bool:
        return self.outcome is Outcome.PASSED

    def feedback(self, max_chars: int = 4000) -> str:
        """A compact text of the failure for a model: what happened and the tail of stderr.

        Tracebacks carry the useful part at the end, so the head is dropped when the text is too long.
        """
        text = self.stderr.strip() or self.stdout.strip()
        if self.outcome is Outcome.SETUP_FAILED:
            text = self.setup_log.strip()
        if len(text) > max_chars:
            text = "...[truncated]...\n" + text[-max_chars:]
        head = {
            Outcome.PASSED: "Execution succeeded.",
            Outcome.FAILED: f"Execution failed with exit code {self.exit_code}.",
            Outcome.TESTS_INCOMPLETE: f"The tests did not run to their end (exit code {self.exit_code}).",
            Outcome.ERROR: "The request could not be executed.",
            Outcome.TIMEOUT: "Execution timed out and was killed.",
            Outcome.MEMORY_EXCEEDED: "Execution exceeded the memory limit and was killed.",
            Outcome.SETUP_FAILED: "A setup command failed.",
            Outcome.SANDBOX_ERROR: "The sandbox failed to run the program.",
        }[self.outcome]
        return f"{head}\n{text}".strip()


def verdict(
    exit_code: int | None, *, timed_out: bool, out_of_memory: bool, tests_ended: bool | None
) -> tuple[Outcome, str]:
    """How a run ended, the same for every engine, and a note for stderr when the reason is not in the output.

    ``tests_ended`` is None for a request without tests (the exit status decides, as for any program) and
    otherwise whether the test runner reported that the tests ran to their end (``test_runner.py``). With tests,
    exit status 0 is not enough: a program that exits early (``sys.exit(0)``, ``os._exit(0)``, an exit handler or
    excepthook that rewrites the status) or is killed by a signal before the tests' end is ``tests_incomplete``.
    ``out_of_memory`` is the engine's evidence of a memory kill (MemoryError, the cgroup's OOM counter).
    """
    if timed_out:
        return Outcome.TIMEOUT, ""
    if exit_code == 0 and tests_ended is not False:
        return Outcome.PASSED, ""
    if exit_code == 0:
        return Outcome.TESTS_INCOMPLETE, (
            "\nsandbox: the tests did not run to their end: the program exited with status 0 before their end "
            "(sys.exit, exit(), os._exit, an exit handler or an excepthook); that is not a pass\n"
        )
    if out_of_memory:
        return Outcome.MEMORY_EXCEEDED, ""
    if tests_ended is False and exit_code is not None and (exit_code < 0 or exit_code > 128):
        signal = -exit_code if exit_code < 0 else exit_code - 128
        note = f"\nsandbox: the tests did not run to their end: the interpreter was killed by signal {signal}\n"
        return Outcome.TESTS_INCOMPLETE, note
    if tests_ended:
        return Outcome.FAILED, f"\nsandbox: the tests ran to their end, then the program exited with {exit_code}\n"
    return Outcome.FAILED, ""
