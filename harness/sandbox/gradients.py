"""Gradients: watch what backward() does to the .grad of every parameter an example builds.

Runs inside the example's process. The probe wraps torch.autograd.backward (which Tensor.backward
calls) and, per call, compares each parameter's .grad before and after with the gradient that call
delivered (a leaf hook sees it before accumulation). That proves accumulation, rather than guessing it.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

_MAX_KERNELS = 4
_MAX_KERNEL_SIZE = 7
_HISTOGRAM_BINS = 16
_MAX_GRAPH_NODES = 80  # the autograd graph is drawn for small models only: past this it would be unreadable


@dataclass
class _ParamState:
    none_before: bool | None = None
    calls: int = 0
    accumulated: int = 0
    fresh: int = 0
    mismatched: int = 0
    norms: list[float] = field(default_factory=list)  # the L2 norm of .grad after each call that reached it


@dataclass
class GradientProbe:
    namespace: dict[str, Any]
    _modules: weakref.WeakSet[nn.Module] = field(default_factory=weakref.WeakSet)
    _states: dict[int, _ParamState] = field(default_factory=dict)
    _undo: list[Callable[[], None]] = field(default_factory=list)
    backward_calls: int = 0
    autograd_graph: str = ""  # DOT text of the graph the first backward() walked; "" when too big or none

    def install(self) -> None:
        original_init = nn.Module.__init__
        original_backward = torch.autograd.backward
        modules = self._modules

        def tracking_init(module: nn.Module, *args: Any, **kwargs: Any) -> None:
            original_init(module, *args, **kwargs)
            modules.add(module)

        def watched_backward(*args: Any, **kwargs: Any) -> Any:
            return self._backward(original_backward, *args, **kwargs)

        nn.Module.__init__ = tracking_init  # type: ignore[method-assign,assignment]
        torch.autograd.backward = watched_backward
        self._undo.append(lambda: setattr(nn.Module, "__init__", original_init))
        self._undo.append(lambda: setattr(torch.autograd, "backward", original_backward))

    def uninstall(self) -> None:
        while self._undo:
            self._undo.pop()()

    def _parameters(self) -> Iterator[tuple[str, nn.Parameter]]:
        for root_name, root in self.roots():
            for name, param in root.named_parameters():
                yield f"{root_name}.{name}", param

    def roots(self) -> list[tuple[str, nn.Module]]:
        """Modules the example built that are not part of another one it built, named as the example names them."""
        modules = [m for m in self._modules if any(True for _ in m.parameters())]
        children = {id(child) for m in modules for child in m.modules() if child is not m}
        names = {id(value): key for key, value in self.namespace.items() if isinstance(value, nn.Module)}
        roots = [m for m in modules if id(m) not in children]
        return [(names.get(id(m), type(m).__name__), m) for m in roots]

    def _backward(self, original: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self.backward_calls += 1
        params = [(name, p) for name, p in self._parameters() if p.requires_grad]
        if self.backward_calls == 1:
            # Before the call: backward() frees the graph's buffers, but the nodes stay walkable either way.
            roots = args[0] if args else kwargs.get("tensors")
            self.autograd_graph = autograd_dot(roots, {id(p): name for name, p in params})
        before: dict[int, torch.Tensor | None] = {}
        incoming: dict[int, torch.Tensor] = {}
        handles = []
        for _, param in params:
            state = self._states.setdefault(id(param), _ParamState())
            if state.none_before is None:
                state.none_before = param.grad is None
            before[id(param)] = None if param.grad is None else param.grad.detach().clone()
            handles.append(param.register_hook(_capture(incoming, id(param))))
        try:
            return original(*args, **kwargs)
        finally:
            for handle in handles:
                handle.remove()
            for _, param in params:
                self._judge(param, before[id(param)], incoming.get(id(param)))

    def _judge(self, param: nn.Parameter, before: torch.Tensor | None, delivered: torch.Tensor | None) -> None:
        state = self._states[id(param)]
        if delivered is None:
            return  # this call did not reach the parameter
        state.calls += 1
        after = param.grad
        if after is not None:
            state.norms.append(float(after.detach().to("cpu", torch.float64).norm()))
        if after is None:
            state.mismatched += 1
        elif before is not None and bool(torch.any(before != 0)) and _close(after, before + delivered):
            state.accumulated += 1
        elif _close(after, delivered):
            state.fresh += 1
        else:
            state.mismatched += 1

    def records(self, module_expr: str | None) -> list[dict[str, Any]]:
        """One compact record per parameter of the named module (or of every root), in model order."""
        if module_expr is not None:
            # The spec's expression, in the example's namespace, inside the example's process.
            module = eval(module_expr, self.namespace)  # noqa: S307
            if not isinstance(module, nn.Module):
                raise TypeError(f"{module_expr} is a {type(module).__name__}, not an nn.Module")
            pairs = [(f"{module_expr}.{n}", p) for n, p in module.named_parameters()]
        else:
            pairs = list(self._parameters())
        return [self._record(name, param) for name, param in pairs]

    def _record(self, name: str, param: nn.Parameter) -> dict[str, Any]:
        state = self._states.get(id(param), _ParamState())
        grad = param.grad
        record: dict[str, Any] = {
            "name": name,
            "shape": list(param.shape),
            "none_before": state.none_before,
            "none_after": grad is None,
            "backward_calls": state.calls,
            "accumulated_calls": state.accumulated,
            "fresh_calls": state.fresh,
            "mismatched_calls": state.mismatched,
            "norms_per_call": [_round(n) for n in state.norms],
            "device": str(param.device),
            "finite": None,
            "norm": None,
            "mean_abs": None,
            "max_abs": None,
            "histogram": None,
            "kernels": None,
            "grad_shape": None,
        }
        if grad is not None:
            values = grad.detach().to("cpu", torch.float64)
            magnitudes = values.abs()
            record.update(
                grad_shape=list(grad.shape),
                finite=bool(torch.isfinite(values).all()),
                norm=float(values.norm()),
                mean_abs=float(magnitudes.mean()) if values.numel() else 0.0,
                max_abs=float(magnitudes.max()) if values.numel() else 0.0,
                histogram=_histogram(values),
                kernels=_kernels(values),
            )
        return record


def autograd_dot(roots: Any, names: dict[int, str]) -> str:
    """The autograd graph behind `roots` (a tensor or a sequence of them) as DOT text, walked through grad_fn.

    Leaves (AccumulateGrad) are labelled with the parameter's name and shape, so a learner sees which
    weights a loss reaches. Returns "" for no graph, or for one too big to read (more than
    _MAX_GRAPH_NODES nodes).
    """
    tensors = [roots] if isinstance(roots, torch.Tensor) else list(roots or ())
    ids: dict[int, str] = {}
    nodes: list[str] = []
    edges: list[str] = []
    stack = [t.grad_fn for t in tensors if isinstance(t, torch.Tensor) and t.grad_fn is not None]
    for fn in stack:
        ids.setdefault(id(fn), f"n{len(ids)}")
    nodes.extend(
        f'  {ids[id(fn)]} [label="{_dot_label(fn, names)}", style=filled, fillcolor="#fde2e2"];' for fn in stack
    )
    seen = set(ids)
    while stack:
        fn = stack.pop()
        for child, _ in getattr(fn, "next_functions", ()):
            if child is None:
                continue
            if id(child) not in seen:
                seen.add(id(child))
                ids[id(child)] = f"n{len(ids)}"
                if len(ids) > _MAX_GRAPH_NODES:
                    return ""
                leaf = hasattr(child, "variable")
                style = ', shape=box, style=filled, fillcolor="#dbeafe"' if leaf else ""
                nodes.append(f'  {ids[id(child)]} [label="{_dot_label(child, names)}"{style}];')
                stack.append(child)
            # The arrow points the way gradients flow: from the loss towards the parameters.
            edges.append(f"  {ids[id(fn)]} -> {ids[id(child)]};")
    if not nodes:
        return ""
    return "\n".join(["digraph autograd {", "  rankdir=TB;", "  node [fontsize=10];", *nodes, *edges, "}"])


def _dot_label(fn: Any, names: dict[int, str]) -> str:
    variable = getattr(fn, "variable", None)
    if isinstance(variable, torch.Tensor):
        name = names.get(id(variable), "tensor")
        label = f"{name}\\n{tuple(variable.shape)}"
    else:
        label = type(fn).__name__
    return label.replace('"', "'")


def _capture(store: dict[int, torch.Tensor], key: int) -> Callable[[torch.Tensor], None]:
    def hook(grad: torch.Tensor) -> None:
        store[key] = grad.detach().clone() if key not in store else store[key] + grad.detach()

    return hook


def _close(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.shape == b.shape and bool(torch.allclose(a, b, rtol=1e-5, atol=1e-7))


def _histogram(values: torch.Tensor) -> dict[str, list[float]] | None:
    finite = values[torch.isfinite(values)].flatten()
    if finite.numel() == 0:
        return None
    low, high = float(finite.min()), float(finite.max())
    if low == high:
        low, high = low - 0.5, high + 0.5
    counts = torch.histc(finite, bins=_HISTOGRAM_BINS, min=low, max=high)
    step = (high - low) / _HISTOGRAM_BINS
    return {"edges": [low + i * step for i in range(_HISTOGRAM_BINS + 1)], "counts": [float(c) for c in counts]}


def _kernels(values: torch.Tensor) -> list[Any] | None:
    """The first few output channels' kernels over input channel 0: what a learner would look at."""
    if values.dim() != 4 or values.shape[-1] > _MAX_KERNEL_SIZE or values.shape[-2] > _MAX_KERNEL_SIZE:
        return None
    return [
        [[_round(v) for v in row] for row in values[k, 0].tolist()] for k in range(min(_MAX_KERNELS, values.shape[0]))
    ]


def _round(value: float) -> float:
    return float(f"{value:.6g}") if math.isfinite(value) else value


def count_suppressed_backward() -> tuple[Callable[[], int], Callable[[], None]]:
    """Replace backward() by a no-op that counts calls; returns (count, undo)."""
    original = torch.autograd.backward
    calls = [0]

    def suppressed(*args: Any, **kwargs: Any) -> None:
        calls[0] += 1

    torch.autograd.backward = suppressed

    def undo() -> None:
        torch.autograd.backward = original

    return (lambda: calls[0]), undo
