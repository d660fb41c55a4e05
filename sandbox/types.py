"""The code interpreter's contract: one request in, one result out, identical for every engine.

Both are pydantic models so that a result can be stored in a LangGraph state, a JSONL results log
or an HTTP reply without custom encoders.
"""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, Field, field_validator


_TESTS_SEPARATOR = "\n\n\n"  # between a program and the tests appended to it


class Outcome(str, Enum):
    """How an execution ended. Graph edges route on this value, so it is deliberately coarse."""

    PASSED = "passed"  # program (and tests) exited 0
    FAILED = "failed"  # non-zero exit: an exception, a failed assert
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
    """A program to run: source files, optional test code, optional bash setup lines.

    ``files`` maps relative paths to contents; ``entrypoint`` names the one to run. When ``tests`` is set
    it is appended to the entry point's source and run in the same interpreter, the way HumanEval and
    AutoCoder's interpreter do it, so a failing assert makes the whole run fail.
    """

    files: dict[str, str] = Field(..., min_length=1)
    entrypoint: str = "main.py"
    tests: str | None = None
    setup: list[str] = Field(default_factory=list, description="bash lines run before the program, with network")
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

    @classmethod
    def python(cls, code: str, tests: str | None = None, setup: list[str] | None = None, **limits: float) -> ExecRequest:
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
        return len(self.files[self.entrypoint].rstrip().splitlines()) + _TESTS_SEPARATOR.count("\n")


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
            Outcome.ERROR: "The request could not be executed.",
            Outcome.TIMEOUT: "Execution timed out and was killed.",
            Outcome.MEMORY_EXCEEDED: "Execution exceeded the memory limit and was killed.",
            Outcome.SETUP_FAILED: "A setup command failed.",
            Outcome.SANDBOX_ERROR: "The sandbox failed to run the program.",
        }[self.outcome]
        return f"{head}\n{text}".strip()
