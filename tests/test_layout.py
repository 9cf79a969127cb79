"""The layout keeps its promises: torch stays inside harness/sandbox, and `import harness` stays light."""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import harness

HARNESS = Path(harness.__file__).parent
SANDBOX = "harness.sandbox"
# What running the examples needs; nothing outside the sandbox may load these.
TORCH_SIDE = ("torch", "torchvision", "numpy")


def _modules() -> list[str]:
    found = pkgutil.walk_packages([str(HARNESS)], prefix="harness.")
    return sorted(m.name for m in found if not m.name.endswith(".__main__"))  # __main__ would run the CLI


def _loaded_after(code: str) -> set[str]:
    """The top-level modules loaded by `code`, in a fresh interpreter."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return set(json.loads(result.stdout.splitlines()[-1]))


def test_every_module_outside_the_sandbox_imports_without_torch() -> None:
    outside = [m for m in _modules() if not (m == SANDBOX or m.startswith(SANDBOX + "."))]
    assert len(outside) > 20  # the walk found the package, not an empty folder
    loaded = _loaded_after("\n".join(f"import {m}" for m in outside))
    assert not loaded & set(TORCH_SIDE), f"a module outside {SANDBOX} loads {sorted(loaded & set(TORCH_SIDE))}"


def test_the_sandbox_is_the_only_code_that_imports_torch() -> None:
    offenders = []
    for path in HARNESS.rglob("*.py"):
        if SANDBOX.split(".")[1] in path.relative_to(HARNESS).parts[:1]:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            offenders += [f"{path}:{node.lineno}" for n in names if n.split(".")[0] in TORCH_SIDE]
    assert not offenders


def test_import_harness_loads_no_rendering_or_parsing_library() -> None:
    loaded = _loaded_after("import harness")
    assert not loaded & {"rich", "markdown_it", "pydantic", "sqlite3", *TORCH_SIDE}


def test_public_names_resolve_lazily_and_all_is_complete() -> None:
    for name in harness.__all__:
        assert getattr(harness, name) is not None
    assert {"Runner", "History", "load_specs", "audit_note", "Outcome", "HarnessError", "BadInput"} <= set(
        harness.__all__
    )
