"""What the child records for the gradient views: ‖grad‖ after each backward() call, and the autograd graph."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from harness import LoadedSpec, Runner

SpecWriter = Callable[..., LoadedSpec]
GRADIENTS = '[[expect]]\nkind = "gradients"\nmodule = "model"\nafter_backward = "finite"\n'


def test_norms_grow_by_one_gradient_per_call_without_zero_grad(runner: Runner, write_spec: SpecWriter) -> None:
    # The same batch three times without zero_grad(): .grad after call k is k times the first call's.
    spec = write_spec(
        "accumulate",
        """
        import torch
        from torch import nn
        torch.manual_seed(0)
        model = nn.Linear(3, 2)
        x = torch.randn(4, 3)
        for _ in range(3):
            model(x).pow(2).sum().backward()
        """,
        GRADIENTS,
    )
    (outcome,) = runner.run([spec], devices=("cpu",))
    assert outcome.status.value == "passed", outcome.checks
    for record in outcome.gradients:
        first, second, third = record.norms_per_call
        assert second == pytest.approx(2 * first, rel=1e-4) and third == pytest.approx(3 * first, rel=1e-4)
        assert record.norm == pytest.approx(third, rel=1e-4)


def test_norms_stay_flat_with_zero_grad(runner: Runner, write_spec: SpecWriter) -> None:
    spec = write_spec(
        "fresh",
        """
        import torch
        from torch import nn
        torch.manual_seed(0)
        model = nn.Linear(3, 2)
        x = torch.randn(4, 3)
        for _ in range(3):
            model.zero_grad()
            model(x).pow(2).sum().backward()
        """,
        GRADIENTS,
    )
    (outcome,) = runner.run([spec], devices=("cpu",))
    for record in outcome.gradients:
        assert len(record.norms_per_call) == 3
        assert all(math.isclose(n, record.norms_per_call[0], rel_tol=1e-4) for n in record.norms_per_call)


def test_the_autograd_graph_names_the_parameters_and_points_from_the_loss(
    runner: Runner, write_spec: SpecWriter
) -> None:
    spec = write_spec(
        "graph",
        """
        import torch
        from torch import nn
        model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
        loss = model(torch.ones(2, 3)).mean()
        loss.backward()
        """,
        GRADIENTS,
    )
    (outcome,) = runner.run([spec], devices=("cpu",))
    graph = outcome.autograd_graph
    assert graph.startswith("digraph autograd {") and graph.rstrip().endswith("}")
    lines = graph.splitlines()
    root = next(line for line in lines if "MeanBackward0" in line).split()[0]
    assert any(line.strip().startswith(f"{root} -> ") for line in lines)  # the loss is where arrows start
    assert not any(line.strip().endswith(f"-> {root};") for line in lines)  # and nothing points back at it
    for name, shape in (("model.0.weight", "(4, 3)"), ("model.2.bias", "(1,)")):
        assert any(f'label="{name}\\n{shape}"' in line and "shape=box" in line for line in lines), name


def test_no_graph_for_a_model_too_big_to_read(runner: Runner, write_spec: SpecWriter) -> None:
    spec = write_spec(
        "deep",
        """
        import torch
        from torch import nn
        model = nn.Sequential(*[nn.Linear(2, 2) for _ in range(40)])
        model(torch.ones(1, 2)).sum().backward()
        """,
        GRADIENTS,
    )
    (outcome,) = runner.run([spec], devices=("cpu",))
    assert outcome.status.value == "passed"
    assert outcome.autograd_graph == ""  # 40 layers: past what a page can draw legibly
    assert len(outcome.gradients) == 80  # the gradients themselves are all there


def test_no_graph_without_backward(runner: Runner, write_spec: SpecWriter) -> None:
    spec = write_spec(
        "forward-only",
        """
        import torch
        from torch import nn
        model = nn.Linear(3, 2)
        out = model(torch.ones(1, 3))
        """,
        '[[expect]]\nkind = "gradients"\nmodule = "model"\nafter_backward = "none"\n',
    )
    (outcome,) = runner.run([spec], devices=("cpu",))
    assert outcome.autograd_graph == ""
    assert all(record.norms_per_call == () for record in outcome.gradients)
