"""Tests for harness.specs (loading, model): spec files in, validated specs or problems naming FILE:LINE out.

Every spec text below starts on line 1, so the line numbers the tests expect can be counted in the source.
"""

from __future__ import annotations

import json
import textwrap
import tomllib
from pathlib import Path

import jsonschema
import pytest

from harness.cli.main import main
from harness.errors import SpecError, SpecProblem
from harness.judge.outcome import Location
from harness.notes.document import blocks, code_hash
from harness.specs.loading import LoadedSpec, load_spec, load_specs
from harness.specs.model import ExceptionExpectation, GradientsExpectation, ValueExpectation, json_schema

PROJECT = Path(__file__).resolve().parents[1]
SPECS = PROJECT / "specs"
SCHEMA_FILE = SPECS / "noteproof-spec.schema.json"


def write(folder: Path, name: str, text: str) -> Path:
    """Write a spec; `text` is dedented and its first line is line 1 of the file."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def problems_of(path: Path) -> tuple[SpecProblem, ...]:
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    return caught.value.problems


def only_problem(path: Path) -> SpecProblem:
    (problem,) = problems_of(path)
    assert problem.path == path
    return problem


VALID = """\
title = "L1Loss, mean reduction"

[example]
code = '''
result = 2 / 3
'''

[[expect]]
kind = "value"
expr = "result"
equals = 0.6667
"""

TWO_CLAIMS = """\
title = "two claims"

[example]
code = '''
# [[expect]] and `atoll = 1` in the code must not confuse the line finder
result = 2 / 3
'''

[[expect]]
kind = "value"
expr = "result"
equals = 0.6667
atol = 0.001

[[expect]]
kind = "value"
expr = "result"
equals = 0.6667
{second}
"""


# -- valid specs ---------------------------------------------------------------------------------


def test_valid_spec_loads(tmp_path: Path) -> None:
    path = write(tmp_path, "l1loss-mean.toml", VALID)
    loaded = load_spec(path)
    assert isinstance(loaded, LoadedSpec)
    assert loaded.id == "l1loss-mean"  # the file name when `id` is unset
    assert loaded.code == "result = 2 / 3\n"
    assert loaded.location == Location(str(path), 4)  # the `code =` line
    assert loaded.expectation_lines == (8,)
    assert loaded.problem is None
    (expectation,) = loaded.spec.expect
    assert isinstance(expectation, ValueExpectation)
    assert expectation.atol == 1e-4
    assert loaded.spec.devices == ["cpu", "cuda"]
    assert not loaded.wants_gradients


def test_explicit_id_and_expectation_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "file.toml", 'id = "l1.int-error"\n' + TWO_CLAIMS.format(second="rtol = 0.0"))
    loaded = load_spec(path)
    assert loaded.id == "l1.int-error"
    assert loaded.expectation_lines == (10, 16)


def test_inline_code_with_note_line_points_at_the_note(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "specs/s.toml",
        """
        [example]
        note = "../notes/losses.md"
        line = 26
        code = "result = 1"

        [[expect]]
        kind = "gradients"
        after_backward = "finite"
        """,
    )
    loaded = load_spec(path)
    assert loaded.location == Location(str((tmp_path / "notes" / "losses.md").resolve()), 26)
    assert loaded.code == "result = 1"
    assert loaded.problem is None  # the code is inline: the note need not exist
    assert loaded.wants_gradients


# -- problems name file and line -----------------------------------------------------------------


def test_toml_syntax_error_has_tomllibs_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "broken.toml",
        """
        title = "broken"
        [example]
        code = "x = 1"
        kind value
        """,
    )
    problem = only_problem(path)
    assert problem.line == 4
    assert problem.message.startswith("TOML syntax error")
    assert str(problem).startswith(f"{path}:4: ")


def test_unknown_key_in_second_expect_table_names_its_line_and_suggests(tmp_path: Path) -> None:
    path = write(tmp_path, "typo.toml", TWO_CLAIMS.format(second="atoll = 0.001"))
    problem = only_problem(path)
    assert problem.line == 19
    assert "unknown key 'atoll'" in problem.message
    assert "did you mean 'atol'?" in problem.message


@pytest.mark.parametrize(
    ("text", "line", "key", "suggestion"),
    [
        ('titel = "x"\n' + VALID, 1, "titel", "title"),
        (VALID.replace("code = '''", "cod = '''"), 4, "cod", "code"),
        (VALID + "\n[timing]\nwarmpu = 2\n", 14, "warmpu", "warmup"),
        (VALID.replace('expr = "result"', 'expr = "result"\nclaimed = "x"'), 11, "claimed", None),
    ],
    ids=["top-level", "example", "timing", "key-of-another-kind"],
)
def test_unknown_keys_everywhere(tmp_path: Path, text: str, line: int, key: str, suggestion: str | None) -> None:
    problem = only_problem(write(tmp_path, "s.toml", text))
    assert problem.line == line
    assert f"unknown key {key!r}" in problem.message
    if suggestion:
        assert f"did you mean {suggestion!r}?" in problem.message
    else:
        assert "allowed keys:" in problem.message or "did you mean" in problem.message


def test_wrong_type_names_the_keys_line(tmp_path: Path) -> None:
    path = write(tmp_path, "type.toml", TWO_CLAIMS.format(second='atol = "big"'))
    problem = only_problem(path)
    assert problem.line == 19
    assert "atol" in problem.message
    assert "'big'" in problem.message


def test_negative_tolerance_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "neg.toml", TWO_CLAIMS.format(second="rtol = -1"))
    problem = only_problem(path)
    assert problem.line == 19
    assert "rtol" in problem.message


def test_missing_required_key_names_the_expect_header(tmp_path: Path) -> None:
    path = write(tmp_path, "missing.toml", VALID.replace('expr = "result"\n', ""))
    problem = only_problem(path)
    assert problem.line == 8
    assert problem.message == "missing required key 'expr'"


def test_unknown_kind(tmp_path: Path) -> None:
    path = write(tmp_path, "kind.toml", TWO_CLAIMS.format(second="").replace('kind = "value"', 'kind = "valeu"', 2))
    problems = problems_of(path)
    assert [p.line for p in problems] == [9, 15]
    assert all("unknown kind 'valeu'" in p.message for p in problems)
    assert "use one of value, printed, exception, gradients, tensor" in problems[0].message


def test_expectation_without_kind(tmp_path: Path) -> None:
    path = write(tmp_path, "nokind.toml", VALID.replace('kind = "value"\n', ""))
    problem = only_problem(path)
    assert problem.line == 8
    assert "has no kind" in problem.message


@pytest.mark.parametrize(
    "text",
    [
        VALID.split("[[expect]]", maxsplit=1)[0],
        "expect = []\n" + VALID.split("[[expect]]", maxsplit=1)[0],
    ],
    ids=["absent", "empty"],
)
def test_no_expectations(tmp_path: Path, text: str) -> None:
    problem = only_problem(write(tmp_path, "none.toml", text))
    assert problem.line == 1
    assert "no expectations" in problem.message
    assert "[[expect]]" in problem.message


def test_gradients_expectation_without_facts(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "grads.toml",
        """
        [example]
        code = "x = 1"

        [[expect]]
        kind = "gradients"
        module = "model"
        """,
    )
    problem = only_problem(path)
    assert problem.line == 4
    assert "needs at least one of before_backward, after_backward, accumulates, without_backward" in problem.message


def test_tensor_expectation_without_claims(tmp_path: Path) -> None:
    path = write(tmp_path, "t.toml", VALID.replace('kind = "value"', 'kind = "tensor"').replace("equals = 0.6667", ""))
    problem = only_problem(path)
    assert problem.line == 8
    assert "needs at least one of shape" in problem.message


def test_invalid_regex_in_match(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "regex.toml",
        """
        [example]
        code = "x = 1"

        [[expect]]
        kind = "exception"
        type = "RuntimeError"
        match = "Got (Long"
        """,
    )
    problem = only_problem(path)
    assert problem.line == 4  # the validator sees the whole table, so the problem is placed at its header
    assert "match is not a valid regular expression" in problem.message


def test_example_without_code_or_note(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "nocode.toml",
        """
        title = "no code"

        [example]
        line = 3

        [[expect]]
        kind = "value"
        expr = "x"
        equals = 1
        """,
    )
    problem = only_problem(path)
    assert problem.line == 3
    assert "give `code`, or `note`, `line` and `sha256`" in problem.message


def test_example_note_without_line(tmp_path: Path) -> None:
    path = write(tmp_path, "noline.toml", VALID.replace("[example]", '[example]\nnote = "n.md"'))
    problem = only_problem(path)
    assert problem.line == 3
    assert "`note` and `line` go together" in problem.message


def test_bad_sha256_and_id_patterns(tmp_path: Path) -> None:
    path = write(tmp_path, "pat.toml", 'id = "bad id"\n' + VALID.replace("[example]", '[example]\nsha256 = "abc"'))
    problems = problems_of(path)
    assert {(p.line, p.message.split(":")[0]) for p in problems} == {(1, "id"), (5, "example.sha256")}


def test_problem_in_a_table_on_line_one_points_at_line_one(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "first.toml",
        """
        [example]
        line = 3

        [[expect]]
        kind = "value"
        expr = "x"
        equals = 1
        """,
    )
    assert only_problem(path).line == 1


def test_multi_line_array_does_not_confuse_the_line_finder(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "column.toml",
        """
        [example]
        code = "x = 1"

        [[expect]]
        kind = "value"
        expr = "x"
        equals = [
            [1],
            [2],
        ]
        atoll = 0.1
        """,
    )
    assert only_problem(path).line == 11


def test_one_file_with_several_problems_reports_all(tmp_path: Path) -> None:
    text = TWO_CLAIMS.format(second="atoll = 0.001").replace('expr = "result"\n', "", 1)
    path = write(tmp_path, "many.toml", "timeout = 0\n" + text)
    problems = problems_of(path)
    by_line = {p.line: p.message for p in problems}
    assert len(problems) == 3
    assert "timeout" in by_line[1]
    assert by_line[10] == "missing required key 'expr'"  # the first [[expect]] header
    assert "unknown key 'atoll'" in by_line[19]
    assert all(p.path == path for p in problems)


def test_load_specs_reports_problems_of_every_file(tmp_path: Path) -> None:
    write(tmp_path, "a-good.toml", VALID)
    bad_one = write(tmp_path, "b-bad.toml", VALID.replace("equals = 0.6667", 'equals = "two thirds"'))
    bad_two = write(tmp_path, "sub/c-bad.toml", VALID.replace('kind = "value"', 'kind = "nope"'))
    with pytest.raises(SpecError) as caught:
        load_specs([tmp_path])
    first = caught.value.problems[0]
    assert (first.path, first.line) == (bad_one, 11)
    assert (bad_two, 8) in [(p.path, p.line) for p in caught.value.problems]
    assert str(bad_one) in str(caught.value)


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    first = write(tmp_path, "a.toml", 'id = "l1loss"\n' + VALID)
    second = write(tmp_path, "b.toml", 'id = "l1loss"\n' + VALID)
    with pytest.raises(SpecError) as caught:
        load_specs([first, second])
    (problem,) = caught.value.problems
    assert problem.path == second
    assert "'l1loss'" in problem.message
    assert str(first) in problem.message
    assert "unique" in problem.message


def test_default_ids_from_file_names_collide_across_folders(tmp_path: Path) -> None:
    write(tmp_path, "one/loss.toml", VALID)
    write(tmp_path, "two/loss.toml", VALID)
    with pytest.raises(SpecError, match="id 'loss' is also used by"):
        load_specs([tmp_path])


def test_duplicate_id_points_at_the_id_line(tmp_path: Path) -> None:
    first = write(tmp_path, "a.toml", VALID)
    second = write(tmp_path, "b.toml", '#:schema ./noteproof-spec.schema.json\n\nid = "a"\n' + VALID)
    with pytest.raises(SpecError) as caught:
        load_specs([first, second])
    (problem,) = caught.value.problems
    assert (problem.path, problem.line) == (second, 3)


def test_path_that_does_not_exist(tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "spec.toml"
    with pytest.raises(SpecError) as caught:
        load_specs([missing])
    (problem,) = caught.value.problems
    assert (problem.path, problem.line) == (missing, 1)
    assert "no such file or folder" in problem.message


def test_empty_folder_has_no_specs(tmp_path: Path) -> None:
    assert load_specs([tmp_path]) == []


# -- examples from a note's code block -----------------------------------------------------------

NOTE = """\
# Losses

L1Loss averages the absolute differences:

```python
import torch
result = torch.tensor(2 / 3)
print(result)
```

It prints tensor(0.6667).
"""

NOTE_SPEC = """
    title = "from the note"

    [example]
    note = "../notes/losses.md"
    line = {line}
    sha256 = "{sha}"

    [[expect]]
    kind = "printed"
    text = "tensor(0.6667)"
"""


@pytest.fixture
def note(tmp_path: Path) -> Path:
    path = tmp_path / "notes" / "losses.md"
    path.parent.mkdir()
    path.write_text(NOTE)
    return path


def note_spec(tmp_path: Path, line: int = 5, sha: str | None = None) -> Path:
    block = blocks(NOTE)[0]
    return write(tmp_path, "specs/from-note.toml", NOTE_SPEC.format(line=line, sha=sha or block.sha256))


def test_note_block_is_the_code(tmp_path: Path, note: Path) -> None:
    (block,) = blocks(NOTE)
    assert block.line == 5
    loaded = load_spec(note_spec(tmp_path))
    assert loaded.problem is None
    assert loaded.code == block.code == "import torch\nresult = torch.tensor(2 / 3)\nprint(result)\n"
    assert loaded.location == Location(str(note.resolve()), 5)
    assert str(loaded.location).endswith("losses.md:5")


def test_edited_note_block_is_a_problem_not_an_exception(tmp_path: Path, note: Path) -> None:
    spec = note_spec(tmp_path)
    note.write_text(NOTE.replace("2 / 3", "1 / 3"))
    loaded = load_spec(spec)
    assert loaded.code == ""
    assert loaded.problem is not None
    assert "changed since this spec was written" in loaded.problem
    assert "line 5" in loaded.problem
    assert "update sha256" in loaded.problem
    assert code_hash("import torch\nresult = torch.tensor(1 / 3)\nprint(result)\n")[:12] in loaded.problem
    assert loaded.location == Location(str(note.resolve()), 5)


def test_missing_note_is_a_problem(tmp_path: Path) -> None:
    loaded = load_spec(note_spec(tmp_path))
    assert loaded.problem is not None
    assert "does not exist" in loaded.problem
    assert "losses.md" in loaded.problem


def test_no_block_at_the_line_is_a_problem(tmp_path: Path, note: Path) -> None:
    loaded = load_spec(note_spec(tmp_path, line=4))
    assert loaded.problem is not None
    assert "no fenced code block opens at line 4" in loaded.problem


def test_note_problem_does_not_stop_load_specs(tmp_path: Path) -> None:
    (loaded,) = load_specs([note_spec(tmp_path)])
    assert loaded.problem is not None


# -- the committed specs and their JSON Schema ---------------------------------------------------

COMMITTED = sorted(SPECS.glob("*.toml"))


def test_there_are_committed_specs() -> None:
    assert len(COMMITTED) >= 5


def test_every_committed_spec_loads() -> None:
    loaded = load_specs([SPECS])
    assert sorted(spec.path.name for spec in loaded) == [path.name for path in COMMITTED]
    assert len({spec.id for spec in loaded}) == len(loaded)
    for spec in loaded:
        assert spec.code.strip(), spec.id
        assert spec.expectation_lines and len(spec.expectation_lines) == len(spec.spec.expect)


def test_committed_exception_spec_claims_the_old_message() -> None:
    loaded = load_spec(SPECS / "l1loss-int-error.toml")
    (expectation,) = loaded.spec.expect
    assert isinstance(expectation, ExceptionExpectation)
    assert expectation.claimed == "Can only calculate the mean of floating types. Got Long instead."


def test_committed_gradient_spec_claims_every_fact() -> None:
    loaded = load_spec(SPECS / "cnn-backward.toml")
    (gradients,) = [e for e in loaded.spec.expect if isinstance(e, GradientsExpectation)]
    assert (gradients.before_backward, gradients.after_backward) == ("none", "finite")
    assert gradients.accumulates is True
    assert gradients.without_backward == "none"


@pytest.fixture(scope="module")
def schema_validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_FILE.read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.stem)
def test_committed_spec_validates_against_the_committed_schema(
    path: Path, schema_validator: jsonschema.protocols.Validator
) -> None:
    document = tomllib.loads(path.read_text())
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in schema_validator.iter_errors(document)]
    assert errors == []


@pytest.mark.parametrize(
    "change",
    [
        {"expect": [{"kind": "value", "expr": "x", "equals": 1, "atoll": 0.1}]},
        {"expect": [{"kind": "value", "expr": "x", "equals": 1, "atol": "big"}]},
        {"expect": [{"kind": "valeu", "expr": "x", "equals": 1}]},
        {"expect": []},
        {"titel": "x"},
        {"devices": ["tpu"]},
    ],
    ids=["unknown-key", "wrong-type", "unknown-kind", "no-expect", "top-level-typo", "device"],
)
def test_committed_schema_rejects_what_loading_rejects(
    change: dict[str, object], schema_validator: jsonschema.protocols.Validator, tmp_path: Path
) -> None:
    document = {"example": {"code": "x = 1"}, "expect": [{"kind": "value", "expr": "x", "equals": 1}]}
    assert schema_validator.is_valid(document)
    document |= change
    assert not schema_validator.is_valid(document)
    with pytest.raises(SpecError):
        load_spec(write(tmp_path, "from-json.toml", _toml(document)))


def _toml(document: dict[str, object]) -> str:
    """Just enough TOML writing for the documents above (JSON literals are valid TOML values here)."""
    lines = [f"{key} = {json.dumps(value)}" for key, value in document.items() if key not in ("example", "expect")]
    lines += ["[example]", 'code = "x = 1"']
    for table in document["expect"]:  # type: ignore[attr-defined]
        lines.append("[[expect]]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in table.items()]
    if not document["expect"]:
        lines.insert(0, "expect = []")
    return "\n".join(lines) + "\n"


def test_committed_schema_is_in_sync_with_the_models() -> None:
    committed = json.loads(SCHEMA_FILE.read_text())
    generated = json.loads(json.dumps(json_schema()))
    assert committed == generated, "run `noteproof schema -o specs/noteproof-spec.schema.json`"


# -- the command line ----------------------------------------------------------------------------


def test_cli_list_exits_2_and_names_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # rich must not wrap the long temporary path
    bad_dir = tmp_path / "bad"
    bad = write(bad_dir, "typo.toml", TWO_CLAIMS.format(second="atoll = 0.001"))
    write(bad_dir, "fine.toml", VALID)
    assert main(["list", str(bad_dir)]) == 2
    captured = capsys.readouterr()
    assert f"{bad}:19: unknown key 'atoll'" in captured.err
    assert "1 problem(s); nothing was run." in captured.err
    assert "fine" not in captured.out  # nothing is listed when any spec is bad


def test_cli_list_of_a_missing_path_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    missing = tmp_path / "missing"
    assert main(["list", str(missing)]) == 2
    assert f"{missing}:1: no such file or folder" in capsys.readouterr().err


def test_cli_spec_error_stays_on_one_line_when_piped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    bad = write(
        tmp_path / "a-folder-whose-name-is-long-enough", "to-wrap-at-eighty-columns.toml", VALID + "atoll = 1\n"
    )
    assert main(["list", str(bad)]) == 2
    assert f"{bad}:12: unknown key 'atoll'" in capsys.readouterr().err


def test_cli_list_of_the_committed_specs_exits_0(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    assert main(["list", str(SPECS)]) == 0
    out = capsys.readouterr().out
    assert f"{len(COMMITTED)} spec(s)" in out
    assert "l1loss-int-error" in out


# -- files that are not spec files: each a one-line problem, never a hang or a traceback ------------------------


def _problem_lines(paths: list[Path]) -> list[str]:
    with pytest.raises(SpecError) as caught:
        load_specs(paths)
    return [str(p) for p in caught.value.problems]


def test_a_folder_named_like_a_spec_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "x.toml").mkdir()
    write(tmp_path, "fine.toml", VALID)
    assert _problem_lines([tmp_path]) == [f"{tmp_path / 'x.toml'}:1: is a folder, not a spec file"]
    bad = write(tmp_path, "typo.toml", VALID + "atoll = 1\n")
    assert _problem_lines([tmp_path]) == [  # every problem at once, not the first
        f"{tmp_path / 'x.toml'}:1: is a folder, not a spec file",
        f"{bad}:12: unknown key 'atoll'; did you mean 'atol'?",
    ]


def test_a_fifo_named_like_a_spec_is_a_problem_not_a_hang(tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / "f.toml")  # reading it would block until a writer came
    (line,) = _problem_lines([tmp_path])
    assert line.startswith(f"{tmp_path / 'f.toml'}:1: is not a regular file")
    (line,) = _problem_lines([tmp_path / "f.toml"])
    assert "is not a regular file" in line


def test_a_symlink_loop_is_a_problem(tmp_path: Path) -> None:
    loop = tmp_path / "loop.toml"
    loop.symlink_to(loop)
    (line,) = _problem_lines([loop])
    assert line.startswith(f"{loop}:1: cannot be read: ") and "symbolic links" in line
    (line,) = _problem_lines([tmp_path])
    assert line.startswith(f"{loop}:1: cannot be read: ")


@pytest.mark.parametrize(
    ("setting", "key"),
    [("seed = 4294967296", "seed"), ("memory_mb = 1e21", "memory_mb"), ("seed = -1", "seed")],
)
def test_settings_beyond_what_the_child_can_apply_are_rejected(tmp_path: Path, setting: str, key: str) -> None:
    spec = write(tmp_path, "big.toml", setting + "\n" + VALID)
    problem = only_problem(spec)
    assert problem.line == 1
    assert key in problem.message


def test_the_largest_seed_numpy_takes_is_accepted(tmp_path: Path) -> None:
    assert load_spec(write(tmp_path, "ok.toml", "seed = 4294967295\n" + VALID)).spec.seed == 2**32 - 1
