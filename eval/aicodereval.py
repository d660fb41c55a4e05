"""AICoderEval-format tasks: real-world library tasks with a reference program and test cases, one JSON per line.

Schema (``AICoderEvalRecord``; unknown fields are refused so a typo is not silently ignored)::

    {"task_id": "nlp/0001",                        # unique id
     "description": "Write `summarize(text)` ...",  # the task statement shown to the model
     "reference": "def summarize(text): ...",       # a complete program that passes the tests
     "tests": "assert summarize('') == ''\\n...",    # hidden test code run after the candidate (asserts or
                                                    #   test_* functions it calls); exits non-zero on failure
     "entry_point": "summarize",                    # optional: the function under test
     "signature": "def summarize(text: str) -> str:",  # optional: appended to the statement in a code block
     "requirements": ["nltk"],                      # optional: pip packages the task needs
     "domain": "nlp"}                               # optional: reported per domain
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..agents.parsing import entry_point_of
from ..agents.prompts import render_prompt
from .errors import EvalInputError
from .sources import Row, read_rows
from .task import EvalTask


class AICoderEvalRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    task_id: str = Field(min_length=1)
    description: str = Field(min_length=1)
    reference: str = Field(min_length=1)
    tests: str = Field(min_length=1)
    entry_point: str | None = None
    signature: str | None = None
    requirements: list[str] = Field(default_factory=list)
    domain: str | None = None

    def task(self) -> EvalTask:
        prompt = self.description.strip()
        if self.signature:
            prompt = render_prompt("eval_signature_task", text=prompt, signature=self.signature.strip())
        return EvalTask(
            task_id=self.task_id,
            benchmark="aicodereval",
            prompt=prompt,
            style="instruct",
            entry_point=self.entry_point or entry_point_of(self.signature or self.description),
            test=self.tests,
            setup=[f"pip install {' '.join(self.requirements)}"] if self.requirements else [],
            reference=self.reference,
        )


def task_from_row(row: Row, where: str = "aicodereval row") -> EvalTask:
    try:
        return AICoderEvalRecord.model_validate(row).task()
    except ValidationError as error:
        problem = error.errors()[0]
        field = ".".join(str(part) for part in problem["loc"]) or "row"
        raise EvalInputError(f"{where} {row.get('task_id', '?')}: {field}: {problem['msg']}") from None


def load(source: str | Path) -> list[EvalTask]:
    return [task_from_row(row, f"{source}: task") for row in read_rows(source)]
