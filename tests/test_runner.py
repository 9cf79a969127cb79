"""The runner end to end: shipped specs, isolation and faults, devices, data, timing. Real torch, one warm worker."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from conftest import PROJECT, SEED_NOTE, SpecWriter

from harness import Outcome, Runner, Status, load_specs
from harness.notes.document import block_at, read_note


def _by_id(outcomes: list[Outcome], device: str = "cpu") -> dict[str, Outcome]:
    return {o.spec_id: o for o in outcomes if o.device == device}


@pytest.fixture(scope="module")
def shipped(runner: Runner) -> list[Outcome]:
    return runner.run(load_specs([PROJECT / "specs"]), devices=("cpu", "cuda"))


# -- the shipped specs: the seed note's claims, proven on today's torch ----------------------------------------------


@pytest.mark.parametrize(
    ("spec_id", "number"),
    [("l1loss-mean", "0.666667"), ("l1loss-sum", "tensor(2.)"), ("mseloss", "1.33333"), ("crossentropy", "1.10194")],
)
def test_loss_values_are_the_real_ones(shipped: list[Outcome], spec_id: str, number: str) -> None:
    outcome = _by_id(shipped)[spec_id]
    assert outcome.status == Status.PASSED, outcome
    value_check = next(c for c in outcome.checks if c.kind == "value")
    assert number in value_check.actual
    printed = next(c for c in outcome.checks if c.kind == "printed")
    assert printed.status == Status.PASSED and printed.actual.startswith("tensor(")


def test_integer_l1loss_raises_runtime_error_with_a_drifted_message(shipped: list[Outcome]) -> None:
    outcome = _by_id(shipped)["l1loss-int-error"]
    assert outcome.status == Status.DRIFTED
    assert outcome.actual.startswith("RuntimeError:") and "Long" in outcome.actual
    assert "Can only calculate the mean" in outcome.expected


def test_cnn_forward_and_loss(shipped: list[Outcome]) -> None:
    outcomes = _by_id(shipped)
    forward, loss = outcomes["cnn-forward"], outcomes["cnn-crossentropy"]
    assert forward.status == Status.PASSED, forward
    assert "shape [1, 10]" in forward.checks[0].actual
    assert loss.status == Status.PASSED, loss
    assert [d.source for d in forward.data] == ["stand-in"]
    assert forward.data[0].name == "CIFAR10" and forward.data[0].samples == 4


def test_backward_gradient_facts(shipped: list[Outcome]) -> None:
    outcome = _by_id(shipped)["cnn-backward"]
    assert outcome.status == Status.PASSED, outcome
    grads = outcome.gradients
    assert [g.name for g in grads][:2] == ["model.layers.0.weight", "model.layers.0.bias"]
    assert len(grads) == 10  # 3 conv + 2 linear layers, weight and bias each
    for g in grads:
        assert g.none_before is True and g.none_after is False and g.finite is True
        assert g.norm is not None and g.norm > 0
        assert g.backward_calls == 4 and g.accumulated_calls == 3 and g.fresh_calls == 1
    conv = grads[0]
    assert conv.shape == (32, 3, 5, 5)
    assert conv.kernels is not None and len(conv.kernels) == 4 and len(conv.kernels[0]) == 5
    assert conv.histogram is not None and sum(conv.histogram["counts"]) == 32 * 3 * 5 * 5


def test_cuda_rows_are_skipped_with_the_reason_without_a_gpu(runner: Runner, shipped: list[Outcome]) -> None:
    if runner.environment().cuda:
        pytest.skip("a CUDA device is present: the cuda rows run (see test_cuda_rows_pass_and_agree_with_cpu)")
    cuda_rows = [o for o in shipped if o.device == "cuda"]
    assert len(cuda_rows) == 8
    assert all(o.status == Status.SKIPPED and "no CUDA device" in o.message for o in cuda_rows)


@pytest.mark.cuda
def test_cuda_rows_pass_and_agree_with_cpu(runner: Runner, shipped: list[Outcome]) -> None:
    if not runner.environment().cuda:
        pytest.skip("no CUDA device: torch.cuda.is_available() is False")
    for outcome in (o for o in shipped if o.device == "cuda"):
        assert outcome.status in (Status.PASSED, Status.DRIFTED), outcome
        kinds = {c.kind: c for c in outcome.checks}
        if outcome.spec_id != "l1loss-int-error":
            assert kinds["device"].status == Status.PASSED  # the tensors really lived on cuda
        if "value" in kinds:
            assert kinds["agreement"].status == Status.PASSED
    assert all(g.device.startswith("cuda") for g in _by_id(shipped, "cuda")["cnn-backward"].gradients)


def test_one_false_claim_among_true_ones_fails_the_example(runner: Runner, write_spec: SpecWriter) -> None:
    spec = write_spec(
        "mixed",
        "import torch\nresult = torch.tensor(2 / 3)\nprint(result)",
        '[[expect]]\nkind = "value"\nexpr = "result"\nequals = 0.6667\n'
        '[[expect]]\nkind = "printed"\ntext = "tensor(0.9999)"',
    )
    (outcome,) = runner.run([spec], devices=("cpu",))
    assert [c.status for c in outcome.checks] == [Status.PASSED, Status.FAILED]
    assert outcome.status == Status.FAILED and outcome.expected == "tensor(0.9999)"


# -- isolation: faults in one example touch neither another example nor the harness ----------------------------------


def test_hang_is_killed_at_its_timeout_and_others_still_run(runner: Runner, write_spec: SpecWriter) -> None:
    hang = write_spec("hang", "while True:\n    pass", '[[expect]]\nkind = "printed"\ntext = "never"', "timeout = 1")
    fine = write_spec("fine", "print(6 * 7)", '[[expect]]\nkind = "printed"\ntext = "42"')
    started = time.monotonic()
    hung, ok = runner.run([hang, fine], devices=("cpu",))
    assert time.monotonic() - started < 10
    assert hung.status == Status.ERROR and "timeout" in hung.message and "killed" in hung.message
    assert ok.status == Status.PASSED


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("import os\nos._exit(3)", "exited with code 3"),
        ("import ctypes\nctypes.string_at(0)", "SIGSEGV"),
        ("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", "SIGKILL"),
    ],
)
def test_crashes_are_errors_that_say_how_the_process_died(
    runner: Runner, write_spec: SpecWriter, code: str, words: str
) -> None:
    crash = write_spec("crash", code, '[[expect]]\nkind = "printed"\ntext = "x"')
    (outcome,) = runner.run([crash], devices=("cpu",))
    assert outcome.status == Status.ERROR
    assert words in outcome.message


def test_memory_bomb_is_contained_and_the_next_example_still_runs(runner: Runner, write_spec: SpecWriter) -> None:
    bomb = write_spec(
        "bomb", "import torch\nx = torch.ones(2**33)", '[[expect]]\nkind = "printed"\ntext = "x"', "memory_mb = 256"
    )
    fine = write_spec("after-bomb", "print(6 * 7)", '[[expect]]\nkind = "printed"\ntext = "42"')
    # One slot: the next example is forked only after the bomb's process is gone.
    with Runner(slots=1, timing=False) as serial:
        bombed, after = serial.run([bomb, fine], devices=("cpu",))
        alive = serial.worker.process.poll() is None
    # On the CPU the address-space limit (memory_mb) makes the 32 GiB allocation fail inside the example, as a
    # RuntimeError at its line: neither the OOM killer nor the worker's watch had to step in.
    assert bombed.status == Status.ERROR and bombed.error_line == 2
    assert bombed.message.startswith("raised RuntimeError at line 2 of the example:"), bombed.message
    assert "can't allocate memory: you tried to allocate 34359738368 bytes" in bombed.message
    assert after.status == Status.PASSED and after.stdout == "42\n"
    assert alive


def test_output_flood_is_capped_not_stored(runner: Runner, write_spec: SpecWriter) -> None:
    flood = write_spec(
        "flood",
        "print('first line')\nfor i in range(300_000):\n    print('x' * 50)",
        '[[expect]]\nkind = "printed"\ntext = "first line"\noutput_line = 1',
        "max_output = 10000",
    )
    (outcome,) = runner.run([flood], devices=("cpu",))
    assert outcome.status == Status.PASSED
    assert len(outcome.stdout) < 11_000
    assert "more characters of output not kept" in outcome.stdout


def test_global_torch_state_does_not_leak_between_examples(runner: Runner, write_spec: SpecWriter) -> None:
    polluter = write_spec(
        "polluter",
        """
        import torch
        torch.set_default_dtype(torch.float64)
        torch.set_grad_enabled(False)
        torch.set_num_threads(2)
        torch.manual_seed(1234)
        """,
        '[[expect]]\nkind = "tensor"\nexpr = "torch.get_default_dtype() == torch.float64"\nmin = 1',
    )
    victim = write_spec(
        "victim",
        """
        import torch
        x = torch.tensor([1.0])
        grad_on = torch.is_grad_enabled()
        threads = torch.get_num_threads()
        seed = torch.initial_seed()
        """,
        """
        [[expect]]
        kind = "tensor"
        expr = "x"
        dtype = "float32"
        [[expect]]
        kind = "value"
        expr = "[grad_on, threads, seed]"
        equals = [1, 1, 7]
        """,
        "seed = 7",
    )
    # One slot: the victims run strictly after the polluter, each forked from the same pristine worker.
    with Runner(slots=1, timing=False) as serial:
        outcomes = serial.run([polluter, victim, victim], devices=("cpu",))
    assert [o.status for o in outcomes] == [Status.PASSED] * 3, outcomes


def test_each_example_gets_its_own_scratch_folder_removed_afterwards(runner: Runner, write_spec: SpecWriter) -> None:
    spec = write_spec(
        "scratch",
        "import os\nopen('made-here.txt', 'w').write('x')\nprint(os.getcwd())",
        '[[expect]]\nkind = "tensor"\nexpr = "len(os.listdir())"\nmin = 1',
    )
    first, second = runner.run([spec], devices=("cpu",)) + runner.run([spec], devices=("cpu",))
    folders = [o.stdout.strip() for o in (first, second)]
    assert folders[0] != folders[1]
    assert all(Path(f) != Path.cwd() and not Path(f).exists() for f in folders)


def test_processes_an_example_started_are_killed_with_it(runner: Runner, write_spec: SpecWriter) -> None:
    spec = write_spec(
        "stray",
        "import subprocess\nchild = subprocess.Popen(['sleep', '300'])\nprint(child.pid)",
        '[[expect]]\nkind = "tensor"\nexpr = "child.pid"\nmin = 1',
    )
    (outcome,) = runner.run([spec], devices=("cpu",))
    pid = int(outcome.stdout.strip())
    for _ in range(50):
        if not _running(pid):
            break
        time.sleep(0.1)
    assert not _running(pid)


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_the_harness_survives_faults(runner: Runner, write_spec: SpecWriter) -> None:
    crash = write_spec("crash2", "import os\nos._exit(1)", '[[expect]]\nkind = "printed"\ntext = "x"')
    fine = write_spec("fine2", "print('still here')", '[[expect]]\nkind = "printed"\ntext = "still here"')
    outcomes = runner.run([crash, fine, crash, fine], devices=("cpu",))
    assert [o.status for o in outcomes] == [Status.ERROR, Status.PASSED, Status.ERROR, Status.PASSED]
    assert os.getpid() > 0 and runner.worker.process.poll() is None


def test_every_example_is_seeded(runner: Runner, write_spec: SpecWriter) -> None:
    spec = write_spec(
        "seeded",
        "import torch, random\nfirst = torch.rand(3).tolist()\nr = random.random()",
        '[[expect]]\nkind = "tensor"\nexpr = "first"\nmin = 0',
    )
    a, b = runner.run([spec, spec], devices=("cpu",))
    assert a.checks[0].actual == b.checks[0].actual


# -- sources, data, timing -------------------------------------------------------------------------------------------


@pytest.mark.skipif(not SEED_NOTE.exists(), reason="the seed note is not beside this checkout")
def test_a_note_block_runs_as_written_and_its_bug_is_reported(runner: Runner, tmp_path: Path) -> None:
    block = block_at(read_note(SEED_NOTE), 43)  # the float L1Loss example, as the author wrote it
    assert block is not None
    spec = tmp_path / "as-written.toml"
    spec.write_text(
        f'[example]\nnote = "{SEED_NOTE}"\nline = 43\nsha256 = "{block.sha256}"\n\n'
        '[[expect]]\nkind = "printed"\ntext = "tensor(0.6667)"\n'
    )
    (outcome,) = runner.run(load_specs([spec]), devices=("cpu",))
    assert outcome.status == Status.ERROR
    assert "NameError" in outcome.message and "'Loss'" in outcome.message
    assert outcome.location.line == 43 and outcome.location.path == str(SEED_NOTE)


def test_timing_is_measured_when_asked(write_spec: SpecWriter) -> None:
    spec = write_spec(
        "timed",
        "import torch\ny = torch.ones(10).sum()",
        '[[expect]]\nkind = "value"\nexpr = "y"\nequals = 10',
        "",
    )
    with Runner(timing=True) as timed:
        (outcome,) = timed.run([spec], devices=("cpu",))
    assert outcome.timing is not None
    assert 0 < outcome.timing.median_s < 0.1
    assert outcome.timing.repeats >= 1 and outcome.timing.threads == 1 and outcome.timing.warmup == 1


# -- gradient facts on real autograd: right claims pass, wrong claims fail -----------------------------------------

ZERO_GRAD_LOOP = """
import torch
from torch import nn
model = nn.Linear(2, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for _ in range(3):
    optimizer.zero_grad()
    model(torch.ones(4, 2)).sum().backward()
"""
NO_BACKWARD = "import torch\nfrom torch import nn\nmodel = nn.Linear(2, 1)\nloss = model(torch.ones(4, 2)).sum()"
SETS_GRAD_ITSELF = """
import torch
from torch import nn
model = nn.Linear(2, 1)
model(torch.ones(4, 2)).sum().backward()
for p in model.parameters():
    p.grad = torch.ones_like(p)
"""


@pytest.mark.parametrize(
    ("code", "facts", "status"),
    [
        (ZERO_GRAD_LOOP, "accumulates = false", Status.PASSED),
        (ZERO_GRAD_LOOP, "accumulates = true", Status.FAILED),
        (ZERO_GRAD_LOOP, 'before_backward = "none"\nafter_backward = "finite"', Status.PASSED),
        (NO_BACKWARD, 'after_backward = "none"', Status.PASSED),
        (NO_BACKWARD, 'after_backward = "finite"', Status.FAILED),
        (NO_BACKWARD, 'before_backward = "none"', Status.FAILED),
        (SETS_GRAD_ITSELF, 'without_backward = "none"', Status.FAILED),
        (ZERO_GRAD_LOOP, 'without_backward = "none"', Status.PASSED),
    ],
)
def test_gradient_claims_on_real_autograd(
    runner: Runner, write_spec: SpecWriter, code: str, facts: str, status: Status
) -> None:
    for module in ('module = "model"\n', ""):  # a named module, or every module the example built
        spec = write_spec("grads", code, f'[[expect]]\nkind = "gradients"\n{module}{facts}')
        (outcome,) = runner.run([spec], devices=("cpu",))
        assert outcome.status == status, (module, outcome.checks)


def test_a_spec_planned_twice_gets_two_results_and_nothing_leaks_into_the_next_batch(
    runner: Runner, write_spec: SpecWriter
) -> None:
    # Each run prints its own process id: a result handed to the wrong row would repeat one.
    spec = write_spec(
        "twice", "import os, time\ntime.sleep(0.1)\nprint(os.getpid())", '[[expect]]\nkind = "printed"\ntext = "x"'
    )
    first = {o.stdout.strip() for o in runner.run([spec, spec, spec], devices=("cpu",))}
    (second,) = runner.run([spec], devices=("cpu",))
    assert len(first) == 3 and second.stdout.strip() not in first
