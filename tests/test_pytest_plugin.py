"""The pytest plugin (harness.editor.pytest_plugin): specs and note blocks as pytest items, run in pytester."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import SEED_NOTE

pytest_plugins = ["pytester"]

OK_SPEC = """\
title = "sum of two"
[example]
code = '''
import torch
result = torch.tensor([1.0, 2.0]).sum()
'''
[[expect]]
kind = "value"
expr = "result"
equals = 3.0
"""

# The claim is wrong: the mean of [1, 2] is 1.5.
WRONG_SPEC = """\
title = "mean, claimed wrong"
devices = ["cpu"]
[example]
code = '''
import torch
result = torch.tensor([1.0, 2.0]).mean()
'''
[[expect]]
kind = "value"
expr = "result"
equals = 9.5
"""

NOTE = """\
# A note

Sums:

```python
import torch
print(torch.tensor([1.0, 2.0]).sum())  # tensor(3.)
```

A wrong claim:

```python
import torch
print(torch.tensor([1.0, 2.0]).mean())  # tensor(9.5000)
```

A typo:

```python
import torch
x = torch.ones(2)
print(X.sum())  # tensor(2.)
```
"""


# pytest-asyncio (which pytest-lsp brings) warns in every inner run where this is unset.
INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"


@pytest.fixture(autouse=True)
def _quiet_ini(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)


def _specs(pytester: pytest.Pytester, **specs: str) -> Path:
    folder = pytester.mkdir("specs")
    for name, text in specs.items():
        (folder / f"{name}.toml").write_text(text)
    return folder


def test_the_entry_point_registers_the_plugin(pytester: pytest.Pytester) -> None:
    assert pytester.parseconfig().pluginmanager.has_plugin("noteproof")


def test_a_spec_folder_collects_one_item_per_spec_and_device(pytester: pytest.Pytester) -> None:
    _specs(pytester, ok=OK_SPEC, wrong=WRONG_SPEC)
    result = pytester.runpytest("--collect-only", "-q", "specs")
    result.stdout.fnmatch_lines(
        ["specs/ok.toml::ok[[]cpu[]]", "specs/ok.toml::ok[[]cuda[]]", "specs/wrong.toml::wrong[[]cpu[]]"]
    )
    assert "3 tests collected" in result.stdout.str()


def test_a_false_claim_fails_with_the_claim_expected_and_actual_and_a_true_one_passes(
    pytester: pytest.Pytester,
) -> None:
    _specs(pytester, ok=OK_SPEC, wrong=WRONG_SPEC)
    result = pytester.runpytest("specs", "-rs", f"--junitxml={pytester.path / 'out.xml'}")
    outcomes = result.parseoutcomes()
    assert outcomes["failed"] == 1 and outcomes["passed"] == 1
    text = result.stdout.str()
    # The claim's [[expect]] table, numbered and marked, then expected vs actual.
    result.stdout.fnmatch_lines(["> *| [[][[]expect[]][]]", "expected: *9.5*", "actual: *1.5*"])
    assert "Traceback" not in text
    if outcomes.get("skipped"):  # no GPU here: the cuda row says why, at the spec
        result.stdout.fnmatch_lines(["SKIPPED [[]1[]] specs/ok.toml*: no CUDA device*"])
    cases = {case.get("name"): case for case in ET.parse(pytester.path / "out.xml").iter("testcase")}
    assert cases["wrong[cpu]"].find("failure") is not None
    assert cases["ok[cpu]"].find("failure") is None


def test_minus_x_stops_at_the_first_failure_and_minus_k_selects(pytester: pytest.Pytester) -> None:
    _specs(pytester, wrong=WRONG_SPEC, wrong2=WRONG_SPEC.replace("claimed wrong", "again"), ok=OK_SPEC)
    stopped = pytester.runpytest("specs", "-x", "-p", "no:randomly")
    assert stopped.parseoutcomes()["failed"] == 1
    selected = pytester.runpytest("specs", "-k", "ok and cpu")
    assert selected.parseoutcomes() == {"passed": 1, "deselected": 3}


def test_a_malformed_spec_is_a_collection_error_naming_file_and_line(pytester: pytest.Pytester) -> None:
    _specs(pytester, bad=OK_SPEC.replace("equals = 3.0", "equals = 3.0\natoll = 1e-4"))
    result = pytester.runpytest("specs")
    result.stdout.fnmatch_lines(["*specs/bad.toml:11: *unknown key 'atoll'; did you mean 'atol'?*"])
    assert "Traceback" not in result.stdout.str()
    assert result.ret != 0


def test_a_named_note_collects_its_blocks_and_judges_them_as_written(pytester: pytest.Pytester) -> None:
    pytester.makefile(".md", note=NOTE)
    collected = pytester.runpytest("--collect-only", "-q", "note.md")
    collected.stdout.fnmatch_lines([f"note.md::block-{i}[[]{d}[]]" for i in (1, 2, 3) for d in ("cpu", "cuda")])

    xml = pytester.path / "out.xml"
    result = pytester.runpytest("note.md", "-k", "cpu", f"--junitxml={xml}", "-o", "junit_family=xunit1")
    assert result.parseoutcomes()["failed"] == 2 and result.parseoutcomes()["passed"] == 1
    result.stdout.fnmatch_lines(
        [
            "note.md:12: block 2 on cpu",
            "> 14 | print(torch.tensor([1.0, 2.0]).mean())  # tensor(9.5000)",
            "claim at line 14: false",
            "expected: tensor(9.5000)",
            "actual:   tensor(1.5000)",
        ]
    )
    result.stdout.fnmatch_lines(["as written it raises NameError: name 'X' is not defined", "> 22 | print(X.sum())*"])
    result.stdout.fnmatch_lines(["suggested fix: `X` -> `x`*", "claims judged under the fixes:", "  line 22: *true*"])
    # reportinfo: the item's file and line are the note's, so an editor jumps to the block.
    cases = {case.get("name"): case for case in ET.parse(pytester.path / "out.xml").iter("testcase")}
    assert cases["block-2[cpu]"].get("file") == "note.md"
    assert cases["block-2[cpu]"].get("line") == "11"  # 0-based, as junitxml writes it: the fence on line 12


def test_notes_are_collected_only_when_named_or_listed(pytester: pytest.Pytester) -> None:
    pytester.mkdir("tests")
    (pytester.path / "tests" / "notes").mkdir()
    (pytester.path / "tests" / "notes" / "corpus.md").write_text(NOTE)
    (pytester.path / "tests" / "test_plain.py").write_text("def test_plain():\n    assert True\n")
    pytester.makeini(INI + "testpaths = tests\n")
    plain = pytester.runpytest("--collect-only", "-q")
    assert "1 test collected" in plain.stdout.str(), plain.stdout.str()

    pytester.makeini(INI + "testpaths = tests\nnoteproof_notes = tests/notes/*.md\n")
    listed = pytester.runpytest("--collect-only", "-q")
    listed.stdout.fnmatch_lines(["tests/notes/corpus.md::block-1[[]cpu[]]"])
    assert "7 tests collected" in listed.stdout.str()


def test_items_run_under_xdist_each_worker_with_its_own_runner(pytester: pytest.Pytester) -> None:
    _specs(pytester, ok=OK_SPEC, wrong=WRONG_SPEC)
    result = pytester.runpytest_subprocess("specs", "-n", "2", "-p", "no:pytest-lsp")
    outcomes = result.parseoutcomes()
    assert outcomes["failed"] == 1 and outcomes["passed"] == 1, result.stdout.str()
    result.stdout.fnmatch_lines(["*2 workers*"])


@pytest.mark.skipif(not SEED_NOTE.is_file(), reason=f"the seed note is not here: {SEED_NOTE}")
def test_the_seed_note_block_5_fails_as_written_for_a_missing_import(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(str(SEED_NOTE), "-k", "block-5 and cpu", "-c", str(pytester.path / "tox.ini"))
    result.stdout.fnmatch_lines(
        [
            "*block 5 on cpu",
            "as written it raises NameError: name 'torch' is not defined",
            "suggested fix: `import torch` added*",
        ]
    )
    assert result.parseoutcomes()["failed"] == 1
