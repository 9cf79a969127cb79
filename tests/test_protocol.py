"""The seam across the fork: what a REAL child writes has exactly the fields of harness.runs.protocol's records.

The checks read observations only through those TypedDicts (mypy holds them to it); this test holds the
child to the same records, both ways: no field the checks expect is missing, and the child writes no field
the protocol does not name. It walks every nested record (exception, value summaries, gradient reports,
datasets, timing), and asserts that the run really produced each variant, so that no comparison is vacuous.
"""

from __future__ import annotations

import types
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints, is_typeddict

import pytest
from conftest import SpecWriter
from test_checks import counterfactual, grad_report, number, obj, observation, param, raised, tensor

from harness import Runner, load_specs
from harness.judge.verdict import conclude
from harness.runs.protocol import Done, Observation, Ready, TimingFile
from harness.runs.runner import job_for

RICH_EXAMPLE = """
import torch
import torchvision
from torch import nn

dataset = torchvision.datasets.CIFAR10("./cifar10", train=False, download=True)
model = nn.Linear(3, 2)
loss = model(torch.ones(4, 3)).sum()
loss.backward()
count = 3
name = "three"
print(count)
"""

RICH_CLAIMS = """
[[expect]]
kind = "value"
expr = "count"
equals = 3
[[expect]]
kind = "tensor"
expr = "loss"
shape = []
[[expect]]
kind = "value"
expr = "name"
equals = 3
[[expect]]
kind = "value"
expr = "missing_name"
equals = 1
[[expect]]
kind = "printed"
text = "3"
statement = 11
[[expect]]
kind = "gradients"
module = "model"
after_backward = "finite"
without_backward = "none"
[[expect]]
kind = "gradients"
after_backward = "finite"
[[expect]]
kind = "gradients"
module = "modle"
after_backward = "finite"
"""


def problems(value: Any, annotation: Any, where: str = "observation") -> list[str]:
    """Where `value` (decoded JSON) differs from the type `annotation`: missing or unknown keys, wrong types."""
    if annotation is Any:
        return []
    if is_typeddict(annotation):
        if not isinstance(value, dict):
            return [f"{where}: {type(value).__name__}, not a {annotation.__name__}"]
        hints = get_type_hints(annotation)
        required, known = annotation.__required_keys__, set(hints)
        found = [f"{where}: missing {key!r}" for key in sorted(required - set(value))]
        found += [f"{where}: {key!r} is not a field of {annotation.__name__}" for key in sorted(set(value) - known)]
        for key in sorted(set(value) & known):
            found += problems(value[key], hints[key], f"{where}[{key!r}]")
        return found
    origin, arguments = get_origin(annotation), get_args(annotation)
    if origin in (Union, types.UnionType):
        arms = [problems(value, arm, where) for arm in arguments if value is None or arm is not type(None)]
        return [] if any(not arm for arm in arms) else min(arms, key=len)
    if origin is Literal:  # by type too: True is not the 1 of Literal[1]
        same = any(value == allowed and type(value) is type(allowed) for allowed in arguments)
        return [] if same else [f"{where}: {value!r} is not one of {arguments}"]
    if origin is list:
        if not isinstance(value, list):
            return [f"{where}: {type(value).__name__}, not a list"]
        return [p for index, item in enumerate(value) for p in problems(item, arguments[0], f"{where}[{index}]")]
    if origin is dict:
        if not isinstance(value, dict):
            return [f"{where}: {type(value).__name__}, not a dict"]
        return [p for key, item in value.items() for p in problems(item, arguments[1], f"{where}[{key!r}]")]
    if annotation is type(None):
        return [] if value is None else [f"{where}: {value!r}, not None"]
    accepted = {float: (int, float), int: (int,), bool: (bool,), str: (str,)}[annotation]
    if isinstance(value, bool) and annotation is not bool and annotation is not float:
        return [f"{where}: {value!r}, a bool, not {annotation.__name__}"]
    return [] if isinstance(value, accepted) else [f"{where}: {value!r}, not {annotation.__name__}"]


def test_the_checker_itself_finds_missing_unknown_and_mistyped_fields() -> None:
    good = observation(values={"x": number(1)})
    assert problems(good, Observation) == []
    missing = {key: value for key, value in good.items() if key != "captures"}
    assert problems(missing, Observation) == ["observation: missing 'captures'"]
    assert problems({**good, "extra": 1}, Observation) == ["observation: 'extra' is not a field of Observation"]
    wrong = {**good, "values": {"x": {"ok": True, "summary": {"type": "number", "value": "1", "python_type": "int"}}}}
    assert problems(wrong, Observation)  # a string where a number belongs


def test_the_fakes_of_test_checks_are_real_observations() -> None:
    fake = observation(
        stdout="tensor(0.6667)\n",
        exception=raised("RuntimeError", "boom"),
        values={"t": tensor([1.0, 2.0]), "n": number(2), "o": obj("L1Loss()", "L1Loss")},
        errors={"missing": "NameError: name 'missing' is not defined"},
        gradients=grad_report([param("model.weight", [2, 3])], without_backward=counterfactual(["model.weight"])),
    )
    assert problems(fake, Observation) == []


@pytest.fixture(scope="module")
def rich_and_raising(runner: Runner, tmp_path_factory: pytest.TempPathFactory) -> list[Any]:
    folder = tmp_path_factory.mktemp("protocol")

    def spec(name: str, code: str, claims: str) -> Any:
        path = folder / f"{name}.toml"
        path.write_text(f"devices = ['cpu']\n[example]\ncode = '''{code}'''\n{claims}")
        (loaded,) = load_specs([path])
        return loaded

    rich = spec("rich", RICH_EXAMPLE, RICH_CLAIMS)
    raising = spec(
        "raising", "\nimport torch\nlayer = Conv2d(3, 8, 3)\n", '[[expect]]\nkind = "exception"\ntype = "NameError"\n'
    )
    return runner.execute([rich, raising], devices=("cpu",))


def test_a_real_observation_has_exactly_the_protocol_fields(rich_and_raising: list[Any]) -> None:
    rich, raising = (execution.observation for execution in rich_and_raising)
    assert problems(rich, Observation) == []
    assert problems(raising, Observation) == []
    # Every variant was really written, so the comparison above covered it.
    summaries = {entry["summary"]["type"] for entry in rich["values"].values() if entry["ok"]}
    assert summaries == {"number", "tensor", "object"}
    assert not rich["values"]["missing_name"]["ok"]
    assert set(rich["gradients"]["modules"]) == {"model", "", "modle"}
    assert rich["gradients"]["modules"]["model"]["params"] and "error" in rich["gradients"]["modules"]["modle"]
    assert rich["gradients"]["without_backward"] is not None
    assert rich["datasets"] and rich["datasets"][0]["source"] == "stand-in"
    assert rich["captures"] == {"11": ["3"]} and rich["exception"] is None
    assert raising["exception"] is not None and raising["exception"]["name"] == "Conv2d"


def test_a_done_message_with_timing_has_exactly_the_protocol_fields(runner: Runner, write_spec: SpecWriter) -> None:
    loaded = write_spec(
        "timed", "import torch\ny = torch.ones(10).sum()", '[[expect]]\nkind = "value"\nexpr = "y"\nequals = 10'
    )
    job = job_for(loaded, "cpu", timing=True, data_root=None)
    job["id"] = "protocol-timed"
    runner.worker.send({"op": "run", "job": job})
    done = runner.worker.receive()
    assert problems(done, Done, "done") == []
    assert done["op"] == "done" and done["timing"] is not None
    timing_file: TimingFile = done["timing"]
    assert timing_file["error"] is None and timing_file["timing"] is not None
    measured = timing_file["timing"]
    samples = measured["samples_s"]
    assert len(samples) == measured["repeats"] >= 1 and all(s > 0 for s in samples)
    assert min(samples) <= measured["median_s"] <= max(samples)
    # ... and the raw samples reach the Outcome, for significance tests between runs.
    outcome = conclude(loaded, "cpu", done, None)
    assert outcome.timing is not None and outcome.timing.samples_s == tuple(samples)


def test_the_ready_message_and_the_cuda_probe_have_exactly_the_protocol_fields(runner: Runner) -> None:
    hello = runner.worker.hello()
    assert problems(hello, Ready, "ready") == []
    runner.worker.send(
        {
            "op": "run",
            "job": {"id": "protocol-probe", "kind": "probe", "device": "cpu", "timeout": 60, "memory_mb": 4096},
        }
    )
    done = runner.worker.receive()
    assert problems(done, Done, "done") == []
    assert done["op"] == "done" and done["probe"] is not None and isinstance(done["probe"]["cuda"], bool)
