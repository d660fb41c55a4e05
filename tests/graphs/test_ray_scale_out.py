"""``aiev generate`` / ``aiev eval`` on a real two-node Ray cluster (token auth on): the same files as one machine,
nothing lost or written twice when a node vanishes or the driver is killed, and the real model + Docker there too."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from fake_openai import adder_dialogue, adder_script, fake_openai, models_file
from ray_cluster import LocalCluster, free_port, local_cluster

from aiev.agents.models import registered_model
from aiev.agents.scripted import ScriptedChatModel
from aiev.graphs.batch import RayOptions, RayUnavailableError, run_batch
from aiev.graphs.pipeline import RETRYABLE, PipelineConfig, run_pipeline
from aiev.graphs.presets import resolve_context, role_overrides

AIEV = str(Path(sys.executable).with_name("aiev"))
pytestmark = pytest.mark.slow


def write_seeds(path: Path, count: int) -> Path:
    """``count`` distinct seeds, every fourth one 'hard' (its code never passes: a discard)."""
    lines = [json.dumps({"snippet": f"{'hard' if i % 4 == 0 else 'v'}_{i} = {i}"}) for i in range(count)]
    path.write_text("\n".join(lines) + "\n")
    return path


def generate(seeds: Path, out: Path, env: dict[str, str], *extra: str) -> subprocess.Popen:
    command = [AIEV, "generate", "--seeds", str(seeds), "--out", str(out), "--model", "fake", "--sandbox", "local"]
    command += ["--max-rounds", "2", "--concurrency", "4", "--quiet", *extra]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def records(out: Path) -> list[dict]:
    log = out / "results.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def ids(path: Path) -> list[str]:
    return sorted(json.loads(line)["seed_id"] for line in path.read_text().splitlines())


def wait_for(condition, what: str, timeout_s: float = 240.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, ray_cli) -> LocalCluster:
    """The two-node cluster; this process holds its token too (set before Ray is first imported here: Ray reads
    the token once), for the tests that drive Ray in-process. The second node's workers start 10 s late: short
    batches must still spread over both nodes, not all go to the first worker up."""
    with (
        local_cluster(tmp_path_factory.mktemp("ray"), worker_start_delay_s=10) as running,
        pytest.MonkeyPatch.context() as patch,
    ):
        for name in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN"):
            patch.setenv(name, running.env[name])
        yield running


@pytest.fixture
def fake_model(tmp_path: Path, cluster: LocalCluster):
    """An OpenAI-compatible adder model on loopback, named in an AIEV_MODELS file that the driver forwards."""
    with fake_openai(adder_dialogue, delay_s=0.05) as base_url:
        yield {**cluster.env, "AIEV_MODELS": str(models_file(tmp_path / "models.yaml", base_url))}


def test_without_ray_nothing_imports_it(tmp_path: Path) -> None:
    program = (
        "import sys\n"
        "from aiev.cli import main\n"
        "sys.argv = ['aiev', 'generate', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "from aiev.graphs import pipeline\nfrom aiev.eval import runner\n"
        "assert 'ray' not in sys.modules, 'ray was imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_an_address_where_no_cluster_listens_is_refused_at_once(tmp_path: Path, ray_cli) -> None:
    seeds = write_seeds(tmp_path / "seeds.jsonl", 1)
    address = f"127.0.0.1:{free_port()}"  # bound and released: nothing listens there
    started = time.monotonic()
    env = {**os.environ, "AIEV_MODELS": str(models_file(tmp_path / "models.yaml", "http://127.0.0.1:9/v1"))}
    done = generate(seeds, tmp_path / "out", env, "--ray-address", address)
    output = done.communicate(timeout=120)[0]
    assert done.returncode == 2 and f"no Ray cluster answers at {address}" in output, output
    assert time.monotonic() - started < 60, "ray.init's own retries were waited out"


def test_a_raising_job_is_a_record_and_state_is_forgotten_only_after_it_was_stored() -> None:
    events: list[str] = []

    class Runner:
        def __call__(self, job):
            if job["id"] == "bad":
                raise ValueError("boom")
            return {"id": job["id"], "ok": True}

        def failure(self, job, error):
            return {"id": job["id"], "ok": False, "error": str(error)}

        def forget(self, job_id):
            events.append(f"forget {job_id}")

    class Work:
        def open(self, *, remote):
            from contextlib import nullcontext

            return nullcontext(Runner())

    for record in run_batch([{"id": "good"}, {"id": "bad"}], Work(), concurrency=2):
        events.append(f"stored {record['id']} ok={record['ok']}")
        assert record["worker"]["pid"] == os.getpid()
    assert sorted(events) == ["forget bad", "forget good", "stored bad ok=False", "stored good ok=True"]
    for job_id in ("good", "bad"):
        assert events.index(f"stored {job_id} ok={job_id == 'good'}") < events.index(f"forget {job_id}")


@pytest.mark.parametrize("on_ray", [False, True], ids=["here", "ray"])
def test_jobs_are_drawn_one_per_free_slot_so_a_job_source_that_ends_stops_the_batch(on_ray, request) -> None:
    """``run_batch`` pulls a job only when a slot frees and after the record that freed it was stored: a source that
    stops yielding (``aiev generate --until-verified``) starts nothing more, and what it gave all comes back."""

    class Runner:
        def __call__(self, job):
            return {"id": job["id"]}

        def failure(self, job, error):
            raise AssertionError(error)

        def forget(self, job_id):
            pass

    class Work:
        def open(self, *, remote):
            from contextlib import nullcontext

            return nullcontext(Runner())

    events: list[str] = []

    def jobs():
        for i in range(5):  # of a longer list: the source decides to end here
            events.append("pull")
            yield {"id": str(i)}

    options = RayOptions(address=request.getfixturevalue("cluster").address, workers=1) if on_ray else None
    stored: list[str] = []
    try:
        for record in run_batch(jobs(), Work(), concurrency=2, ray=options):
            events.append("stored")
            stored.append(record["id"])
    finally:
        if on_ray:
            import ray

            ray.shutdown()
    assert sorted(stored) == ["0", "1", "2", "3", "4"]
    for at in range(len(events)):
        pulled, done = events[: at + 1].count("pull"), events[: at + 1].count("stored")
        assert pulled <= done + 2, f"more jobs drawn than free slots: {events}"
    assert events[:3] == ["pull", "pull", "stored"]


def test_a_worker_that_cannot_open_its_work_is_a_named_error(cluster: LocalCluster) -> None:
    import ray

    class Work:
        def open(self, *, remote):
            raise RuntimeError(f"no sandbox engine on this node (remote={remote})")

    started = time.monotonic()
    try:
        with pytest.raises(RayUnavailableError, match=r"could not start.*no sandbox engine on this node \(remote=True"):
            list(run_batch([{"id": "a"}], Work(), concurrency=2, ray=RayOptions(address=cluster.address)))
    finally:
        ray.shutdown()
    assert time.monotonic() - started < 120, "a worker that cannot start was restarted or waited for"


def test_generate_on_two_nodes_writes_what_one_machine_writes(tmp_path: Path, cluster: LocalCluster, fake_model):
    seeds = write_seeds(tmp_path / "seeds.jsonl", 12)
    here = generate(seeds, tmp_path / "here", fake_model)
    assert here.wait(timeout=300) == 0, here.stdout.read()
    on_ray = generate(
        seeds, tmp_path / "ray", fake_model, "--ray-address", cluster.address, "--executions-per-node", "2"
    )
    output = on_ray.communicate(timeout=600)[0]
    assert on_ray.returncode == 0, output

    for name in ("samples.jsonl", "discards.jsonl"):
        assert ids(tmp_path / "ray" / name) == ids(tmp_path / "here" / name)
    assert len(ids(tmp_path / "ray" / "samples.jsonl")) == 9
    first_here, first_ray = records(tmp_path / "here")[0], records(tmp_path / "ray")[0]
    assert set(first_ray) == set(first_here)  # one schema
    nodes = Counter(record["worker"]["node"] for record in records(tmp_path / "ray"))
    assert len(nodes) == 2, f"every dialogue ran on one node: {nodes}"
    assert "node" not in first_here["worker"]
    for name in ("stats.json", "report.html"):
        assert (tmp_path / "ray" / name).exists()
    build = subprocess.run(
        [AIEV, "train", "build", "--samples", str(tmp_path / "ray"), "--out", str(tmp_path / "dataset")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stdout + build.stderr


def test_a_model_registered_in_the_driver_answers_on_every_worker(tmp_path: Path, cluster: LocalCluster) -> None:
    import fake_openai
    import ray

    ray.cloudpickle.register_pickle_by_value(fake_openai)  # the workers cannot import the tests' modules
    seeds = write_seeds(tmp_path / "seeds.jsonl", 8)
    context = resolve_context(
        "teaching", overrides={**role_overrides("ray-adder"), "sandbox": "local", "max_rounds": 2}
    )
    try:
        with registered_model("ray-adder", ScriptedChatModel(script=adder_script)) as here:
            common = {"seeds": seeds, "context": context, "progress": False, "concurrency": 4}
            run_pipeline(PipelineConfig(out=tmp_path / "here", **common))
            calls_here = len(here.calls)
            summary = run_pipeline(
                PipelineConfig(out=tmp_path / "ray", ray=RayOptions(address=cluster.address), **common)
            )
            assert len(here.calls) == calls_here, "the Ray run called the driver's copy instead of the workers'"
    finally:
        ray.shutdown()
    assert (summary.ran, summary.passed, summary.discarded) == (8, 6, 2)
    assert ids(tmp_path / "ray" / "samples.jsonl") == ids(tmp_path / "here" / "samples.jsonl")


def test_eval_on_ray_judges_as_one_machine_does(tmp_path: Path, cluster: LocalCluster, fake_model) -> None:
    rows = [
        {
            "task_id": f"t{i}",
            "description": f"{'Level: hard. ' if i % 3 == 0 else ''}Write add(a, b), case {i}.",
            "reference": "def add(a, b):\n    return a + b\n",
            "tests": f"assert add({i}, 2) == {i + 2}",
            "entry_point": "add",
        }
        for i in range(6)
    ]  # fmt: skip  (the fake programmer answers a 'Level: hard' statement with a - b)
    data = tmp_path / "tasks.jsonl"
    data.write_text("".join(json.dumps(row) + "\n" for row in rows))

    def run(out: str, *extra: str) -> dict[str, str]:
        command = [AIEV, "eval", "aicodereval", "--data", str(data), "--model", "fake", "--sandbox", "local"]
        done = subprocess.run(
            [*command, "--out", str(tmp_path / out), "--quiet", *extra],
            env=fake_model, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        return {r["task_id"]: r["status"] for r in map(json.loads, (tmp_path / out / "results.jsonl").open())}

    here = run("here")
    assert run("ray", "--ray-address", cluster.address) == here
    assert set(here.values()) == {"passed", "failed"}


@pytest.mark.parametrize("token", [None, "0" * 32], ids=["no-token", "another-clusters-token"])
def test_without_the_token_the_cluster_refuses_and_the_error_says_why(
    tmp_path: Path, cluster, fake_model, token: str | None
) -> None:
    """Also with a token that is not the cluster's: Ray then answers only 'failed to connect'. HOME is empty, so
    no ~/.ray/auth_token left by an earlier local Ray stands in for the missing one."""
    env = {k: v for k, v in fake_model.items() if k != "RAY_AUTH_TOKEN"} | {"HOME": str(tmp_path)}
    if token:
        env["RAY_AUTH_TOKEN"] = token
    seeds = write_seeds(tmp_path / "seeds.jsonl", 2)
    done = generate(seeds, tmp_path / "out", env, "--ray-address", cluster.address)
    output = done.communicate(timeout=300)[0]
    assert done.returncode == 2 and "RAY_AUTH_TOKEN" in output, output


def test_a_killed_driver_rerun_resumes_without_redoing_or_duplicating(
    tmp_path: Path, cluster: LocalCluster, fake_model
):
    seeds = write_seeds(tmp_path / "seeds.jsonl", 24)
    out = tmp_path / "out"
    victim = generate(seeds, out, fake_model, "--ray-address", cluster.address, "--concurrency", "2")
    wait_for(lambda: len(records(out)) >= 3 or victim.poll() is not None, "the first records")
    assert victim.poll() is None, "the run finished before it could be killed"
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    killed_at = len(records(out))
    assert 0 < killed_at < 24

    resumed = generate(
        seeds, out, {**fake_model, "RAY_ADDRESS": cluster.address}, "--ray"
    )  # as `ray job submit` runs it
    output = resumed.communicate(timeout=600)[0]
    assert resumed.returncode == 0, output
    assert f"{24 - killed_at} run now, {killed_at} already done" in output.replace("\n", " ")
    log_ids = [record["seed_id"] for record in records(out)]
    assert len(log_ids) == len(set(log_ids)) == 24


@pytest.mark.model
@pytest.mark.docker
def test_the_embedded_model_and_docker_run_on_the_cluster(
    tmp_path: Path, cluster: LocalCluster, local_model_spec, docker_engine
) -> None:
    seeds = tmp_path / "seeds.jsonl"
    snippets = ["def square(x):\n    return x * x\n", "def is_even(n):\n    return n % 2 == 0\n"]
    seeds.write_text("".join(json.dumps({"snippet": s}) + "\n" for s in snippets))
    out = tmp_path / "out"
    preset = tmp_path / "short.yaml"
    preset.write_text("max_rounds: 1\nmax_tokens: 256\n")  # each worker serves its own copy: 2 cores, 2 servers
    command = [AIEV, "generate", "--seeds", str(seeds), "--out", str(out), "--model", "local-qwen-0.5b"]
    command += ["--preset", str(preset), "--sandbox", "docker", "--concurrency", "2", "--quiet"]
    command += ["--ray-address", cluster.address]
    done = subprocess.run(command, env=cluster.env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    finished = records(out)
    assert len(finished) == 2
    for record in finished:
        assert record["reason"] not in RETRYABLE, record["last_error"]
        assert record["messages"], "no dialogue"
    assert len({record["worker"]["node"] for record in finished}) == 2, "one node did all the work"


def test_a_node_removed_mid_run_loses_nothing(tmp_path: Path, cluster: LocalCluster, fake_model) -> None:
    """Last in this module: the cluster has one node afterwards."""
    seeds = write_seeds(tmp_path / "seeds.jsonl", 30)
    out = tmp_path / "out"
    run = generate(seeds, out, fake_model, "--ray-address", cluster.address, "--concurrency", "4")
    second_node_worked = lambda: len({r["worker"]["node"] for r in records(out)}) == 2  # noqa: E731
    wait_for(lambda: second_node_worked() or run.poll() is not None, "records from both nodes")
    assert run.poll() is None and len(records(out)) < 30, "the run finished before a node could be removed"
    cluster.remove_second_node()
    output = run.communicate(timeout=900)[0]
    assert run.returncode == 0, output
    log_ids = [record["seed_id"] for record in records(out)]
    assert len(log_ids) == len(set(log_ids)) == 30
    assert "30 run now" in output.replace("\n", " ")
