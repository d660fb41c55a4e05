"""`aiev loop` with its real steps, end to end, on this CPU: generate (AIEV-Instruct in the Docker sandbox) ->
build (dedup, HumanEval decontamination, 1:9 split) -> LoRA SFT of the embedded 0.5B as an HF checkpoint ->
conversion to GGUF and serving by aiev's llama-server -> held-out pass@1 of teacher, untrained base and student ->
stage decision, killed once in the middle of the train step and rerun.

The teacher is a loopback server that knows twelve unrelated tasks (``fake_teacher``): the loop runs in a
subprocess, and its data must be real, distinct verified dialogues. Training is cut to a few short steps by a
``--training-config`` file; the point here is that every step runs for real and hands the next one what it needs.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml
from fake_openai import fake_openai, role_of
from fake_teacher import teacher, write_seeds

from aiev.agents.model_specs import default_models_path
from aiev.sandbox.engine import close_engines
from aiev.training.loop import load_state
from aiev.training.sft_settings import DEFAULTS_FILE

pytestmark = [pytest.mark.train, pytest.mark.model, pytest.mark.docker, pytest.mark.slow]

AIEV = str(Path(sys.executable).with_name("aiev"))
BASE = "local-qwen-0.5b"


class CountingTeacher:
    """``teacher`` behind the loopback server, counting the dialogues it was asked to start (questioner turns)."""

    def __init__(self) -> None:
        self.questions = 0
        self._lock = threading.Lock()

    def __call__(self, messages: list[dict]) -> str:
        try:
            if role_of(messages) == "questioner":
                with self._lock:
                    self.questions += 1
        except AssertionError:
            pass  # an evaluation prompt
        return teacher(messages)


def models_file(path: Path, teacher_url: str) -> Path:
    """The embedded base's entry (the student's base is built from its GGUF) and the loopback teacher."""
    shipped = yaml.safe_load(default_models_path().read_text())["models"]
    entries = {
        BASE: shipped[BASE],
        "teacher": {"provider": "openai_compatible", "model": "teacher", "base_url": teacher_url},
    }
    path.write_text(yaml.safe_dump({"models": entries}))
    return path


def short_training(path: Path) -> Path:
    """The shipped SFT defaults, cut to one pass over short samples with a checkpoint after every step."""
    settings = yaml.safe_load(DEFAULTS_FILE.read_text())
    settings["epochs"] = 1
    settings["max_length"] = 384
    settings["cpu"] = {**settings.get("cpu", {}), "gradient_accumulation": 1, "save_steps": 1, "logging_steps": 1}
    path.write_text(yaml.safe_dump(settings))
    return path


def wait_for_checkpoint(process: subprocess.Popen, loop: Path, timeout_s: float = 1800) -> None:
    """Until the train step has saved its first checkpoint to its end (generate and build done, training under way;
    a checkpoint cut off mid-save is skipped on resume, as test_sft_checkpoints shows)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the loop ended (rc {process.returncode}) before a training checkpoint appeared")
        if list(loop.glob("batches/0000/student/checkpoint-*/trainer_state.json")):
            return
        time.sleep(1)
    raise AssertionError("no training checkpoint within the time limit")


def test_the_loop_runs_every_real_step_and_resumes_after_a_kill_mid_training(
    tmp_path: Path, local_model_spec, docker_engine
) -> None:
    close_engines()  # the loop's subprocess starts its own Docker engine; none of this process's should linger
    counting = CountingTeacher()
    loop = tmp_path / "loop"
    with fake_openai(counting) as url:
        env = {**os.environ, "AIEV_MODELS": str(models_file(tmp_path / "models.yaml", url))}
        command = [
            AIEV,
            "loop",
            "--seeds",
            str(write_seeds(tmp_path / "seeds.jsonl")),
            "--out",
            str(loop),
            "--base",
            BASE,
            "--teacher",
            "teacher",
            "--batch-samples",
            "10",
            "--batches",
            "1",
            "--lora",
            "--training-config",
            str(short_training(tmp_path / "training.yaml")),
        ]
        first = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
        )
        try:
            wait_for_checkpoint(first, loop)
        finally:
            os.killpg(first.pid, signal.SIGKILL)  # the loop, its SFT launcher and ranks: no clean shutdown
            first.wait(timeout=60)
        killed = load_state(loop)
        assert killed.current is not None and killed.current.done == ["generate", "build"]
        # 2 dialogues in flight (the loop's default): the 10th verified sample stops the drawing; an 11th dialogue
        # already running then finishes (none when the 9th and 10th ended together, before a slot was refilled).
        taken = counting.questions
        assert taken in (10, 11), "the batch should have taken the seeds it needed, plus at most the one in flight"

        rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600)
        output = rerun.stdout + rerun.stderr
        assert rerun.returncode == 0, output
        assert counting.questions == taken, "the rerun generated dialogues again instead of resuming at the train step"

    state = load_state(loop)
    assert state.current is None and len(state.history) == 1
    record = state.history[0]
    assert (record.seed_start, record.seed_stop, record.samples, record.short) == (0, taken, taken, False)
    assert (record.train_samples, record.heldout_samples) == (taken - 1, 1)
    assert record.teacher_pass1 == 1.0  # the teacher solves its own tasks: the held-out task really ran
    assert 0.0 <= record.student_pass1 <= 1.0 and record.base_pass1 is not None and 0.0 <= record.base_pass1 <= 1.0
    assert set(record.seconds) == {"generate", "build", "train", "evaluate"}
    assert state.stage == ("self_learning" if record.student_pass1 > record.teacher_pass1 else "teaching")
    assert (state.switch is not None) == (state.stage == "self_learning")

    student = Path(record.student)
    assert (student / "adapter_config.json").exists(), "the LoRA student was not saved where the loop says"
    assert "resum" in output.lower(), "the train step started over instead of resuming from its checkpoint"
    for label in ("student", "base"):  # both were served and answered
        graded = [json.loads(line) for line in (loop / f"batches/0000/built/eval-{label}/results.jsonl").open()]
        assert len(graded) == 1 and graded[0]["outcome"] not in ("model_error", "internal_error"), (label, graded)
    assert not list(student.parent.glob(".*.gguf.*")), "a conversion left its temporary files"
