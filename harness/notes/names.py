"""Names: what a block of code binds and what it uses without binding, and whether it draws unseeded randomness.

Used to tell a notebook-style block (it continues an earlier one) from a broken one, and to tell a claim about
random values (unverifiable) from one about computed values. Pure Python (`ast`): no torch import.
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = ["block_names", "random_unseeded"]


# ---- names ------------------------------------------------------------------------------------------------

_BUILTINS = frozenset(dir(builtins))
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


@dataclass
class _Scope:
    kind: Literal["module", "class", "function", "comprehension"]
    names: set[str]
    declared_global: frozenset[str] = frozenset()


def _local_names(function: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> tuple[set[str], frozenset[str]]:
    """A function's locals (Python decides them before running it) and its `global` names."""
    arguments = function.args
    names = {a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)}
    names |= {a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None}
    declared: set[str] = set()
    stack: list[ast.AST] = list(function.body) if isinstance(function.body, list) else [function.body]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            declared.update(node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names if a.name != "*")
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        if isinstance(node, ast.comprehension):  # its target is the comprehension's own
            stack += [node.iter, *node.ifs]
        else:
            stack.extend(ast.iter_child_nodes(node))
    return names - declared, frozenset(declared)


class _Names(ast.NodeVisitor):
    """Walks a module in evaluation order: a load before any binding is a free name."""

    def __init__(self) -> None:
        self.scopes = [_Scope("module", set())]
        self.free: set[str] = set()
        self.deferred: set[str] = set()  # loaded inside functions: resolved when called, so at the block's end

    @property
    def defines(self) -> set[str]:
        return self.scopes[0].names

    def free_names(self) -> set[str]:
        found = self.free | (self.deferred - self.defines)
        return {name for name in found if name not in _BUILTINS and not name.startswith("__")}

    def load(self, name: str) -> None:
        innermost, deferred = True, False
        for scope in reversed(self.scopes):
            if scope.kind == "module":
                if deferred:
                    self.deferred.add(name)
                elif name not in scope.names:
                    self.free.add(name)
                return
            if name in scope.names and (scope.kind != "class" or innermost):
                return
            if scope.kind == "function" and name in scope.declared_global:
                self.deferred.add(name)
                return
            deferred = deferred or scope.kind == "function"
            innermost = False

    def store(self, name: str, *, walrus: bool = False) -> None:
        scopes = [s for s in self.scopes if s.kind != "comprehension"] if walrus else self.scopes
        scope = scopes[-1]
        (self.scopes[0] if name in scope.declared_global else scope).names.add(name)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self.load(node.id)
        elif isinstance(node.ctx, ast.Store):
            self.store(node.id)

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            self.visit(target)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        if isinstance(node.target, ast.Name):
            self.load(node.target.id)
        self.visit(node.target)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.visit(node.annotation)
        if node.value is not None:
            self.visit(node.value)
            self.visit(node.target)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        self.store(node.target.id, walrus=True)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        self.visit(node.target)
        for statement in (*node.body, *node.orelse):
            self.visit(statement)

    visit_AsyncFor = visit_For

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name != "*":
                self.store((alias.asname or alias.name).split(".")[0])

    visit_ImportFrom = visit_Import

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self.store(node.name)
        for statement in node.body:
            self.visit(statement)

    def _pattern_name(self, node: ast.MatchAs | ast.MatchStar) -> None:
        self.generic_visit(node)
        if node.name:
            self.store(node.name)

    visit_MatchAs = visit_MatchStar = _pattern_name

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        self.generic_visit(node)
        if node.rest:
            self.store(node.rest)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        arguments = node.args
        for default in (*arguments.defaults, *(d for d in arguments.kw_defaults if d is not None)):
            self.visit(default)
        if not isinstance(node, ast.Lambda):
            for decorator in node.decorator_list:
                self.visit(decorator)
            every = (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg)
            for annotation in [a.annotation for a in every if a is not None and a.annotation] + [node.returns]:
                if annotation is not None:
                    self.visit(annotation)
            self.store(node.name)
        names, declared = _local_names(node)
        self.scopes.append(_Scope("function", names, declared))
        for part in node.body if isinstance(node.body, list) else [node.body]:
            self.visit(part)
        self.scopes.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for part in (*node.decorator_list, *node.bases, *node.keywords):
            self.visit(part)
        self.scopes.append(_Scope("class", set()))
        for statement in node.body:
            self.visit(statement)
        self.scopes.pop()
        self.store(node.name)

    def _comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) -> None:
        self.visit(node.generators[0].iter)  # evaluated in the enclosing scope
        self.scopes.append(_Scope("comprehension", set()))
        for index, generator in enumerate(node.generators):
            if index:
                self.visit(generator.iter)
            self.visit(generator.target)
            for condition in generator.ifs:
                self.visit(condition)
        for element in (node.key, node.value) if isinstance(node, ast.DictComp) else (node.elt,):
            self.visit(element)
        self.scopes.pop()

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _comprehension


# ---- randomness -------------------------------------------------------------------------------------------

_TORCH_RANDOM = frozenset({"rand", "randn", "randint", "randperm", "rand_like", "randn_like", "randint_like"})
_TORCH_RANDOM |= {"normal", "bernoulli", "multinomial", "poisson", "dropout", "random_split"}
_IN_PLACE_RANDOM = frozenset({"normal_", "uniform_", "random_", "exponential_", "geometric_", "cauchy_"})
_IN_PLACE_RANDOM |= {"log_normal_", "bernoulli_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_"}
_IN_PLACE_RANDOM |= {"kaiming_normal_", "trunc_normal_", "orthogonal_", "sparse_"}
# Layers whose weights are drawn at random when built (and dropout, random when applied in training mode).
_RANDOM_LAYERS = frozenset({"Linear", "Bilinear", "LazyLinear", "Embedding", "EmbeddingBag", "MultiheadAttention"})
_RANDOM_LAYERS |= {f"{conv}{n}d" for conv in ("Conv", "ConvTranspose", "LazyConv") for n in (1, 2, 3)}
_RANDOM_LAYERS |= {"RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell", "Transformer", "TransformerEncoderLayer"}
_RANDOM_LAYERS |= {"TransformerDecoderLayer", "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout"}
_PYTHON_RANDOM = frozenset({"random", "randint", "randrange", "choice", "choices", "shuffle", "sample", "uniform"})
_SEEDS = frozenset({"manual_seed", "manual_seed_all", "seed", "seed_everything", "set_seed"})
_RANDOM_TEXT = re.compile(
    r"torch\.(?:rand|randn|randint|randperm|normal|bernoulli|multinomial)\w*\s*\(|\.(?:normal_|uniform_|random_)\s*\("
    r"|\b(?:np|numpy)\.random\.(?!seed)|\brandom\.(?:random|randint|choice|shuffle|sample|uniform)\s*\("
)
_SEED_TEXT = re.compile(r"(?:manual_seed|\bseed|seed_everything|set_seed)\s*\(")


def _dotted(node: ast.expr) -> list[str]:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    else:
        parts.append("")  # a method on some expression: x.normal_()
    return parts[::-1]


def _draws(call: ast.Call) -> bool:
    parts = _dotted(call.func)
    name, root = parts[-1], parts[0]
    if name in ("default_rng", "RandomState", "Generator"):
        return not call.args and not call.keywords  # np.random.default_rng(0) is seeded
    if name in _IN_PLACE_RANDOM or name in _RANDOM_LAYERS or name.startswith("Random"):  # transforms.RandomCrop
        return True
    if root in ("np", "numpy") and "random" in parts[1:-1]:
        return True
    if root == "torch" and name in _TORCH_RANDOM:
        return True
    if root == "random" and len(parts) == 2 and name in _PYTHON_RANDOM:
        return True
    return any(
        k.arg == "shuffle" and isinstance(k.value, ast.Constant) and k.value.value is True for k in call.keywords
    )


def _seeds_from_entropy(call: ast.Call) -> bool:
    """`torch.seed()`, `random.seed()`, `np.random.seed()` with no argument: a seed drawn from the OS, different
    on every run. It unseeds what follows rather than fixing it."""
    return _dotted(call.func)[-1] == "seed" and not call.args and not call.keywords


def random_unseeded(code: str, calls: Sequence[ast.Call] | None) -> bool:
    """Random numbers drawn before the block's first seed call (or with none)."""
    if calls is None:  # unparseable: the same question asked of the text
        draw, seed = _RANDOM_TEXT.search(code), _SEED_TEXT.search(code)
        return draw is not None and (seed is None or draw.start() < seed.start())
    seeds: list[tuple[int, int]] = []
    draws: list[tuple[int, int]] = []
    for node in calls:
        position = (node.lineno, node.col_offset)
        if _dotted(node.func)[-1] in _SEEDS and not _seeds_from_entropy(node):
            seeds.append(position)
        elif _draws(node):
            draws.append(position)
    return bool(draws) and (not seeds or min(draws) < min(seeds))


def block_names(tree: ast.Module) -> tuple[frozenset[str], frozenset[str]]:
    """(names the code binds at top level, names it loads without binding them first); builtins excluded."""
    try:
        names = _Names()
        names.visit(tree)
    except RecursionError:  # absurdly deep code: no names rather than no block
        return frozenset(), frozenset()
    return frozenset(names.defines), frozenset(names.free_names())
