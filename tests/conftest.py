"""Shared fixtures: one warm worker for the whole session (importing torch once), and spec writing."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from harness import LoadedSpec, Runner, load_specs

PROJECT = Path(__file__).resolve().parents[1]
SEED_NOTE = PROJECT.parent / "shared" / "seed" / "000_9f602143f38b0ad7.txt"

SpecWriter = Callable[..., LoadedSpec]


@pytest.fixture(scope="session")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runner]:
    # An empty data root: datasets always come from the stand-in, whatever this machine has on disk.
    data_root = tmp_path_factory.mktemp("data")
    with Runner(timing=False, data_root=data_root) as warm:
        yield warm


@pytest.fixture
def write_spec(tmp_path: Path) -> SpecWriter:
    """Write a spec file from code and expectation TOML, and load it."""

    def write(name: str, code: str, expect: str, extra: str = "") -> LoadedSpec:
        code = textwrap.dedent(code).strip("\n")
        top, expectations = textwrap.dedent(extra).strip(), textwrap.dedent(expect).strip()
        body = f"{top}\n[example]\ncode = '''\n{code}\n'''\n\n{expectations}\n"
        path = tmp_path / f"{name}.toml"
        path.write_text(body)
        (loaded,) = load_specs([path])
        return loaded

    return write
