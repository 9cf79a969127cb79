"""Reading notes as written: the seed note's bugs and fixes, the corpus's planted claims, isolation, fix and init."""

from __future__ import annotations

import json
import re
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import SEED_NOTE

from harness import History, Runner, Status, load_specs
from harness.audit.note_audit import NoteAudit, audit_note
from harness.audit.scoring import LABEL_WORDS
from harness.cli.main import main
from harness.notes.document import blocks, read_note

NOTES = Path(__file__).parent / "notes"
needs_seed = pytest.mark.skipif(not SEED_NOTE.exists(), reason="the seed note is not beside this checkout")
TRUTH = LABEL_WORDS  # the words the corpora label claims with


@pytest.fixture(scope="module")
def seed_audit(runner: Runner) -> NoteAudit:
    return audit_note(SEED_NOTE, runner, devices=("cpu",))


# -- the acceptance case: the seed note as written ----------------------------------------------------------------


@needs_seed
def test_every_bug_is_found_at_its_line(seed_audit: NoteAudit) -> None:
    found = {
        b.index: (b.error_as_written["type"], b.note_line(b.error_as_written["line"]))
        for b in seed_audit.blocks
        if b.error_as_written
    }
    assert found == {
        1: ("NameError", 37),
        2: ("NameError", 54),
        3: ("NameError", 72),
        5: ("NameError", 123),
        6: ("ImportError", 138),
        7: ("ImportError", 179),
        8: ("ImportError", 221),
    }
    assert seed_audit.blocks[3].runs_as_written  # the MSELoss block


@needs_seed
def test_every_bug_gets_a_fix_and_the_fixes_uncover_the_hidden_ones(seed_audit: NoteAudit) -> None:
    causes = {b.index: [f.cause for f in b.fixes] for b in seed_audit.blocks}
    assert causes[1] == ["NameError: name 'Loss' is not defined"]
    assert causes[5] == ["NameError: name 'torch' is not defined"]
    expected_in_order = ["'SummaryWriter'", "'torchvision'", "'DataLoader'", "'imgs'", "'model1'", "'outputs'"]
    assert len(causes[6]) == len(expected_in_order)
    assert all(name in cause for name, cause in zip(expected_in_order, causes[6], strict=True))
    assert any("'CrossEntrophyLoss'" in cause for cause in causes[7])
    assert any("'CrossEntrophyLoss'" in cause for cause in causes[8])
    summary_writer = seed_audit.blocks[5].fixes[0]
    assert summary_writer.alternative is not None and "torch.utils.tensorboard" in summary_writer.alternative
    assert all(not b.remaining_error for b in seed_audit.blocks)


@needs_seed
def test_fixes_are_concrete_edits_at_note_lines(seed_audit: NoteAudit) -> None:
    edits = {(b.note_line(e.line), e.old.strip(), e.new.strip()) for b in seed_audit.blocks for e in b.edits()}
    assert (37, "result = Loss(inputs, targets)", "result = loss(inputs, targets)") in edits
    assert (122, "", "import torch") in edits
    assert (147, "self.modle1 = Sequential(", "self.model1 = Sequential(") in edits
    assert (166, "img, targets = data", "imgs, targets = data") in edits
    assert (167, "ouutputs = tudui(imgs)", "outputs = tudui(imgs)") in edits
    assert (205, "loss = nn.CrossEntrophyLoss()", "loss = nn.CrossEntropyLoss()") in edits
    assert (221, "from torchvision import SummaryWriter", "") in edits


@needs_seed
def test_claims_are_judged_under_the_fixes(seed_audit: NoteAudit) -> None:
    verdicts = {c.line: c for c in seed_audit.claims}
    assert {line: TRUTH[c.status] for line, c in verdicts.items()} == {
        40: "drifted",  # RuntimeError still, with torch 2.14's message
        57: "true",
        75: "true",
        129: "true",
        258: "true",  # .grad None before backward()
        259: "true",  # set by every backward()
        260: "true",  # untouched without backward()
    }
    assert verdicts[57].under_fixes == ("`Loss` -> `loss`",)
    assert verdicts[129].under_fixes == ("`import torch` added",)
    assert "Got: Long" in verdicts[40].actual


@needs_seed
def test_the_fixed_note_has_every_claim_true_or_drifted(seed_audit: NoteAudit, runner: Runner, tmp_path: Path) -> None:
    original = read_note(SEED_NOTE)
    fixed_path = tmp_path / "fixed.md"
    fixed_path.write_text(seed_audit.fixed_text(original), encoding="utf-8")
    again = audit_note(fixed_path, runner, devices=("cpu",))
    assert all(b.runs_as_written for b in again.blocks)
    assert {TRUTH[c.status] for c in again.claims} <= {"true", "drifted"} and len(again.claims) == 7
    mse = again.blocks[3].outcomes[0]
    assert "tensor(1.3333)" in mse.stdout
    # Only code inside fences changed: every line outside them is byte for byte the same.
    outside = _outside_fences(original)
    fixed_outside = _outside_fences(fixed_path.read_text(encoding="utf-8"))
    assert outside == fixed_outside


def _outside_fences(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    inside: set[int] = set()
    for block in blocks(text):
        inside.update(range(block.line, block.line + block.code.count("\n") + 2))
    return [line for number, line in enumerate(lines, 1) if number not in inside]


# -- notes it has never seen: the corpus, with planted claims ----------------------------------------------------


@pytest.mark.parametrize("note", sorted(p.name for p in NOTES.glob("*.expected.json")))
def test_corpus_claims_get_their_planted_truth(runner: Runner, note: str) -> None:
    expected = json.loads((NOTES / note).read_text())
    stem = note.removesuffix(".expected.json")
    (source,) = [p for p in NOTES.glob(f"{stem}.*") if not p.name.endswith(".expected.json")]
    audit = audit_note(source, runner, devices=("cpu",))
    verdicts = {c.line: TRUTH[c.status] for c in audit.claims}
    assert {e["line"]: e["truth"] for e in expected} == {
        line: verdicts.get(line) for line in (e["line"] for e in expected)
    }


def test_a_5mb_note_and_garbage_do_not_crash(runner: Runner, tmp_path: Path) -> None:
    line = "这是一段很长的笔记。Some prose with `code` and *emphasis*.\n"
    prose = line * 80_000
    note = tmp_path / "big.md"
    note.write_text(prose + "```python\nprint(1 + 1)  # 2\n```\n" + line * 200 + "```py\nprint(3)  # 4\n```\n")
    assert note.stat().st_size > 5_000_000
    started = time.monotonic()
    audit = audit_note(note, runner, devices=("cpu",))
    assert time.monotonic() - started < 60
    assert [TRUTH[c.status] for c in audit.claims] == ["true", "false"]
    garbage = tmp_path / "garbage.md"
    garbage.write_bytes(bytes(range(256)) * 100 + b"\n```python\nprint(1 +\n")  # no bracket closes it
    assert audit_note(garbage, runner, devices=("cpu",)).blocks[0].remaining_error is not None


# -- blocks that depend on earlier blocks --------------------------------------------------------------------------

NOTEBOOK = """# cells

```python
import torch
x = torch.ones(3)
print(x)  # tensor([1., 1., 1.])
```

```python
print(x.sum())  # tensor(3.)
```
"""


@pytest.mark.parametrize(
    ("isolation", "continues", "truth"),
    [("auto", (1,), "true"), ("chain", (1,), "true"), ("block", (), "blocked")],
)
def test_isolation_modes(
    runner: Runner, tmp_path: Path, isolation: str, continues: tuple[int, ...], truth: str
) -> None:
    note = tmp_path / "notebook.md"
    note.write_text(NOTEBOOK)
    audit = audit_note(note, runner, isolation=isolation, devices=("cpu",))  # type: ignore[arg-type]
    second = audit.blocks[1]
    assert second.continues == continues
    assert TRUTH[second.claims[0].status] == truth
    if continues:  # its claim is about its own output, not the earlier block's print
        assert second.claims[0].actual == "tensor(3.)"


# -- the commands ---------------------------------------------------------------------------------------------------


@needs_seed
def test_fix_prints_a_diff_writes_a_copy_or_the_note_with_a_backup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    note = tmp_path / "note.md"
    note.write_bytes(SEED_NOTE.read_bytes())
    assert main(["fix", str(note)]) == 0
    diff = capsys.readouterr().out
    assert "-result = Loss(inputs, targets)" in diff and "+result = loss(inputs, targets)" in diff
    assert note.read_bytes() == SEED_NOTE.read_bytes()  # a diff changes nothing
    assert main(["fix", str(note), "--write"]) == 0
    assert (tmp_path / "note.md.orig").read_bytes() == SEED_NOTE.read_bytes()
    assert "self.model1 = Sequential(" in note.read_text() and "modle1" not in note.read_text()


@needs_seed
def test_audit_json_and_history(tmp_path: Path) -> None:
    report, history_path = tmp_path / "audit.json", tmp_path / "h.sqlite"
    code = main(["audit", str(SEED_NOTE), "--device", "cpu", "--json", str(report), "--history", str(history_path)])
    assert code == 1  # the note does not run as written
    data = json.loads(report.read_text())
    claims = [c for block in data["blocks"] for c in block["claims"]]
    assert len(claims) == 7
    for claim in claims:
        assert {"line", "status", "claimed", "actual", "reason", "fix"} <= set(claim)
    assert next(c for c in claims if c["line"] == 57)["fix"] == "`Loss` -> `loss`"
    assert data["blocks"][0]["edits"][0]["line"] == 37
    with History(history_path) as history:
        run = history.latest_run()
        assert run is not None and run.command.startswith("noteproof audit")
        outcomes = history.outcomes(run.id)
    assert len(outcomes) == 8 and outcomes[0].fix is not None and "loss" in outcomes[0].fix
    # The audit's structure, not a flattened string: what the review page and the editor read.
    assert run.kind == "audit" and run.covers == (str(SEED_NOTE),)
    by_index = {o.block.index: o.block for o in outcomes if o.block is not None}
    assert sorted(by_index) == list(range(1, 9))
    assert all(o.spec_id == f"{SEED_NOTE}#{o.block.index}" for o in outcomes if o.block)
    loss = by_index[1]
    assert loss.headline == "fails as written; passes with 1 fix"
    assert not loss.runs_as_written and loss.remaining_error is None
    assert loss.error_as_written is not None and (loss.error_as_written.type, loss.error_as_written.line) == (
        "NameError",
        37,
    )
    (fix,) = loss.fixes
    (edit,) = fix.edits
    assert edit.line == 37 and "Loss(" in edit.removed[0] and "loss(" in edit.added[0]
    note_lines = SEED_NOTE.read_text(encoding="utf-8").splitlines()
    assert note_lines[edit.line - 1].strip() == edit.removed[0].strip()  # a note line, as written
    (claim,) = loss.claims  # the claimed RuntimeError of integer tensors, judged once `Loss` is fixed
    assert (claim.line, claim.kind, claim.status) == (40, "exception", Status.DRIFTED)
    assert claim.under_fixes == ("`Loss` -> `loss`",)
    assert by_index[4].headline == "runs as written" and by_index[4].error_as_written is None
    cnn = by_index[8]  # several bugs, each found after the one before it was fixed
    assert len(cnn.fixes) >= 3 and cnn.headline.startswith("fails as written; ")
    assert all(note_lines[e.line - 1].strip() == e.removed[0].strip() for f in cnn.fixes for e in f.edits if e.removed)


@needs_seed
def test_init_writes_specs_that_run_and_keeps_edited_ones(
    seed_audit: NoteAudit, runner: Runner, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    note = tmp_path / "note.md"
    note.write_text(seed_audit.fixed_text(read_note(SEED_NOTE)), encoding="utf-8")
    out = tmp_path / "specs"
    assert main(["init", str(note), "--out", str(out)]) == 0
    files = sorted(out.glob("*.toml"))
    assert [f.name for f in files] == [f"note-block0{i}.toml" for i in (1, 2, 3, 5, 8)]
    assert "block 4 (line 84): it claims nothing" in capsys.readouterr().out
    outcomes = runner.run(load_specs([out]), devices=("cpu",))
    assert {o.status for o in outcomes} <= {Status.PASSED, Status.DRIFTED} and len(outcomes) == 5
    edited = files[0]
    edited.write_text(edited.read_text().replace('kind = "exception"', 'kind = "exception"\nmatch = "Long"'))
    assert main(["init", str(note), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "kept (edited by you)" in printed and printed.count("unchanged") == 4
    assert 'match = "Long"' in edited.read_text()


def test_a_block_that_needs_the_authors_files_is_unverifiable_not_false(runner: Runner, tmp_path: Path) -> None:
    note = tmp_path / "files.md"
    note.write_text(
        "```python\nfrom PIL import Image\n"
        'img = Image.open("./dataset/train/ants/0013035.jpg")\n'
        "print(img.size)  # (768, 512)\n```\n"
    )
    (verdict,) = audit_note(note, runner, devices=("cpu",)).claims
    assert verdict.status == Status.UNVERIFIABLE
    assert "dataset/train/ants/0013035.jpg" in verdict.reason and "the author had" in verdict.reason


# -- notebook display: a cell shows its last expression's value after what it printed ------------------------------

NOTEBOOK_EXPORT = """\
# Gradients, as the notebook showed them

```python
import torch
x = torch.ones(2, requires_grad=True)
(x * x).sum().backward()
print("done")
x.grad
```

```
done
tensor([{grad}])
```
"""


@pytest.mark.parametrize(("grad", "truth"), [("2., 2.", "true"), ("3., 3.", "false")])
def test_an_output_block_holds_the_value_of_the_last_expression(
    runner: Runner, tmp_path: Path, grad: str, truth: str
) -> None:
    note = tmp_path / "export.md"
    note.write_text(NOTEBOOK_EXPORT.format(grad=grad))
    (block,) = audit_note(note, runner).blocks
    printed, shown = block.claims  # the output, split between the print and the displayed last expression
    assert block.runs_as_written
    assert (printed.line, TRUTH[printed.status]) == (12, "true")
    assert (shown.line, TRUTH[shown.status]) == (13, truth)
    assert shown.actual == "tensor([2., 2.])"


# -- notebook state: a note written as one session runs in one namespace, in order ----------------------------------

SESSION = """\
# One kernel, several cells

```python
import torch
w = torch.ones(2, requires_grad=True)
```

```python
(w * 3).sum().backward()
```

```python
(w * 3).sum().backward()  # again, without zero_grad
```

```python
print(w.grad)  # tensor([{grad}])
```
"""


@pytest.mark.parametrize(("grad", "truth"), [("6., 6.", "true"), ("3., 3.", "false")])
def test_a_session_note_carries_state_from_block_to_block(
    runner: Runner, tmp_path: Path, grad: str, truth: str
) -> None:
    note = tmp_path / "session.md"
    note.write_text(SESSION.format(grad=grad))
    audit = audit_note(note, runner)
    claim = audit.claims[-1]
    assert (claim.line, TRUTH[claim.status], claim.actual) == (17, truth, "tensor([6., 6.])")
    assert all(b.runs_as_written for b in audit.blocks)
    assert audit.blocks[-1].continues == (1, 2, 3)
    (outcome,) = audit.blocks[-1].outcomes
    assert outcome.block is not None and outcome.block.mode == "session"


def test_blocks_that_each_import_stay_standalone(runner: Runner, tmp_path: Path) -> None:
    note = tmp_path / "standalone.md"
    note.write_text(SESSION.format(grad="6., 6.").replace("```python\n(w", "```python\nimport torch\n(w"))
    audit = audit_note(note, runner)
    (outcome,) = audit.blocks[-1].outcomes
    assert outcome.block is not None and outcome.block.mode != "session"
    assert audit_note(note, runner, isolation="session").claims[-1].status == Status.PASSED


# -- randomness decided by experiment: another seed, and only the claims whose output changes are unverifiable ------

RANDOM = """\
```python
import torch
noise = torch.randn(3)
print(noise)  # tensor([0.1, 0.2, 0.3])
print(torch.ones(2))  # tensor([1., 1.])
print(noise.shape)  # torch.Size([3])
print(torch.ones(2) * 3)  # tensor([2., 2.])
```
"""


def test_only_claims_whose_output_changes_with_the_seed_are_unverifiable(runner: Runner, tmp_path: Path) -> None:
    note = tmp_path / "random.md"
    note.write_text(RANDOM)
    verdicts = {claim.line: TRUTH[claim.status] for claim in audit_note(note, runner).claims}
    assert verdicts == {4: "unverifiable", 5: "true", 6: "true", 7: "false"}


def test_a_random_block_that_claims_nothing_is_not_run_again(runner: Runner, tmp_path: Path) -> None:
    note = tmp_path / "random.md"
    note.write_text(RANDOM + "\n```python\nimport torch\nprint(torch.randn(2))\n```\n")
    ran: list[str] = []
    execute = runner.execute

    def counting(specs: Any, devices: Any, *args: Any, **kwargs: Any) -> Any:
        ran.extend(spec.id for spec in specs)
        return execute(specs, devices, *args, **kwargs)

    runner.execute = counting  # type: ignore[method-assign]
    try:
        audit_note(note, runner)
    finally:
        del runner.execute  # the instance attribute goes; the method is back
    reseeded = [spec_id for spec_id in ran if spec_id.endswith("~reseeded")]
    assert reseeded == [f"{note}#1~reseeded"], ran  # block 2 claims nothing: one experiment only


def test_a_note_that_seeds_itself_is_judged(runner: Runner, tmp_path: Path) -> None:
    import torch

    torch.manual_seed(0)
    seeded = str(torch.randn(3))  # what the author's seeded run printed
    note = tmp_path / "seeded.md"
    note.write_text(
        RANDOM.replace("import torch\n", "import torch\ntorch.manual_seed(0)\n").replace(
            "# tensor([0.1, 0.2, 0.3])", f"# {seeded}"
        )
    )
    verdicts = {claim.line: TRUTH[claim.status] for claim in audit_note(note, runner).claims}
    assert verdicts[5] == "true"


@needs_seed
def test_every_line_a_fix_names_is_a_note_line(seed_audit: NoteAudit) -> None:
    note_lines = SEED_NOTE.read_text(encoding="utf-8").splitlines()
    reasons = [fix.reason for block in seed_audit.blocks for fix in block.fixes]
    assert "`loss`, assigned on line 36" in reasons[0]
    assert "loss = L1Loss()" in note_lines[36 - 1]
    named = [int(n) for reason in reasons for n in re.findall(r"on line (\d+)", reason)]
    assert len(named) >= 8
    for line in named:  # each names a line of code inside one of the note's blocks, never a block-relative one
        assert any(b.line < line <= b.line + len(b.code.splitlines()) for b in seed_audit.blocks), line


def test_only_some_blocks_run_and_are_reported_as_within_the_whole_note(runner: Runner, tmp_path: Path) -> None:
    note = tmp_path / "session.md"
    note.write_text(SESSION.format(grad="6., 6."))
    audit = audit_note(note, runner, only=[4])  # what an editor asks for when only block 4 changed
    assert [b.index for b in audit.blocks] == [4]
    assert TRUTH[audit.claims[0].status] == "true"  # blocks 1-3 still ran before it, as cells of the session
    unsaved = SESSION.format(grad="3., 3.")  # the editor's text, not the file's
    assert TRUTH[audit_note(note, runner, text=unsaved, only=[4]).claims[0].status] == "false"


def test_a_session_block_after_a_fixed_one_runs_on_the_fixed_code(runner: Runner, tmp_path: Path) -> None:
    note = tmp_path / "typo.md"
    note.write_text(
        "```python\nimport torch\nw = torch.ones(2, requires_grad=True)\n```\n\n"
        "```python\nloss = (W * 3).sum()\nloss.backward()\n```\n\n"
        "```python\nprint(w.grad)  # tensor([3., 3.])\n```\n"
    )
    audit = audit_note(note, runner)
    first, typo, last = audit.blocks
    assert first.runs_as_written and last.runs_as_written  # the last block waited for block 2's fix
    assert typo.error_as_written is not None and typo.note_line(typo.error_as_written["line"]) == 7
    assert [TRUTH[c.status] for c in last.claims] == ["true"] and last.continues == (1, 2)


SCRIPT_OUTPUT = """\
```python
import torch
t = torch.arange(6).view(2, 3).t()
print(t.is_contiguous())
print(t.shape)
t.view(6)
```

运行结果：

{printed}
{shape}
Traceback (most recent call last):
  File "demo.py", line 5, in <module>
RuntimeError: view size is not compatible with input tensor's size and stride
"""


@pytest.mark.parametrize(
    ("printed", "shape", "truths"),
    [
        ("False", "torch.Size([3, 2])", ["true", "true", "true"]),
        ("True", "torch.Size([3, 2])", ["false", "true", "true"]),  # one print wrong: only its line is false
        ("False", "torch.Size([2, 3])", ["true", "false", "true"]),
    ],
)
def test_a_pasted_script_output_is_judged_print_by_print_and_the_error_too(
    runner: Runner, tmp_path: Path, printed: str, shape: str, truths: list[str]
) -> None:
    note = tmp_path / "script.md"
    note.write_text(SCRIPT_OUTPUT.format(printed=printed, shape=shape), encoding="utf-8")
    claims = audit_note(note, runner).claims
    assert [(c.line, c.kind) for c in claims] == [(11, "printed"), (12, "printed"), (15, "exception")]
    assert [TRUTH[c.status] for c in claims] == truths  # the error's message as written starts today's


def test_what_a_loop_printed_before_the_error_is_judged(runner: Runner, tmp_path: Path) -> None:
    note = tmp_path / "loop.md"
    code = "```python\nimport torch\nfor n in (2, 3):\n    print(torch.ones(n).sum())\n"
    code += "torch.ones(2) + torch.ones(3)\n```\n"
    output = "\nOutput:\n\n```\ntensor(2.)\ntensor(3.)\n"
    output += "RuntimeError: The size of tensor a (2) must match the size of tensor b (3)\n```\n"
    note.write_text(code + output, encoding="utf-8")
    printed, error = audit_note(note, runner).claims
    assert (printed.claimed, TRUTH[printed.status]) == ("tensor(2.)\ntensor(3.)", "true")
    assert TRUTH[error.status] == "true"


@pytest.mark.parametrize(("state", "truth"), [("populated now", "true"), ("still None", "false")])
def test_a_claimed_grad_state_is_checked_on_that_tensor(runner: Runner, tmp_path: Path, state: str, truth: str) -> None:
    note = tmp_path / "state.md"
    code = "import torch\na = torch.tensor(2.0, requires_grad=True)\nb = a * 3\nb.retain_grad()\n(b * b).backward()\n"
    note.write_text(f"```python\n{code}# b.grad is {state}\n```\n", encoding="utf-8")
    (claim,) = audit_note(note, runner).claims
    assert (claim.line, claim.kind, TRUTH[claim.status]) == (7, "gradients", truth)


def test_after_a_fix_only_the_session_blocks_it_can_reach_run_again(
    runner: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    note = tmp_path / "session.md"
    note.write_text(
        "```python\nimport torch\nw = torch.ones(2, requires_grad=True)\nv = torch.zeros(2)\n```\n\n"
        "```python\nloss = (W * 3).sum()\nloss.backward()\n```\n\n"  # the typo W: fixed to w
        "```python\nprint(v + 1)  # tensor([1., 1.])\n```\n\n"  # v only: nothing the fix touched reaches it
        "```python\nprint(w.grad)  # tensor([3., 3.])\n```\n"  # w: block 2 now changes w.grad
    )
    ran: list[str] = []
    execute = runner.execute

    def spy(specs: Any, devices: Any) -> Any:
        ran.extend(spec.code.rsplit("\n", 2)[-2] for spec in specs)
        return execute(specs, devices)

    monkeypatch.setattr(runner, "execute", spy)
    audit = audit_note(note, runner)
    assert ran.count("print(v + 1)  # tensor([1., 1.])") == 1
    assert ran.count("print(w.grad)  # tensor([3., 3.])") == 2
    assert [TRUTH[c.status] for c in audit.claims] == ["true", "true"]


def test_a_claim_about_a_stand_in_dataset_is_unverifiable_and_one_beside_it_is_judged(
    runner: Runner, tmp_path: Path
) -> None:
    note = tmp_path / "mnist.md"
    note.write_text(
        "```python\nimport torch\nfrom torchvision import datasets, transforms\n"
        "train_ds = datasets.MNIST('data', train=True, download=True, transform=transforms.ToTensor())\n"
        "model = torch.nn.Linear(784, 10)\n```\n\n"
        "```python\nprint(len(train_ds))  # 60000\n```\n\n"
        "```python\nprint(sum(p.numel() for p in model.parameters()))  # 7850\n```\n\n"
        "```python\nprint(sum(p.numel() for p in model.parameters()))  # 9999\n```\n",
        encoding="utf-8",
    )
    on_data, params, wrong = audit_note(note, runner).claims
    assert TRUTH[on_data.status] == "unverifiable" and "stand-in for MNIST" in on_data.reason
    assert (TRUTH[params.status], TRUTH[wrong.status]) == ("true", "false")  # not on the data: judged


def test_a_block_left_unparsable_by_an_open_bracket_is_fixed_and_runs_after_what_it_uses(
    runner: Runner, tmp_path: Path
) -> None:
    note = tmp_path / "bracket.md"
    note.write_text(
        "```python\nimport torch\nds = [torch.ones(2)]\nprint(len(ds))  # 1\n```\n\n"
        "```python\nprint(len(ds[0])  # 2\n```\n",
        encoding="utf-8",
    )
    first, second = audit_note(note, runner, timeout=20).blocks
    assert first.runs_as_written
    assert second.fixes and "never closed" in second.fixes[0].reason
    assert second.continues == (1,)
    assert [TRUTH[c.status] for c in second.claims] == ["true"]


@pytest.mark.parametrize(("node", "truth"), [("SumBackward0", "unverifiable"), ("MeanBackward0", "false")])
def test_a_claim_with_an_address_is_false_when_what_surrounds_the_address_is(
    runner: Runner, tmp_path: Path, node: str, truth: str
) -> None:
    note = tmp_path / "address.md"
    code = "import torch\nx = torch.ones(2, requires_grad=True)\n"
    note.write_text(f"```python\n{code}print(x.sum().grad_fn)  # <{node} object at 0x7f3a1c2b5d90>\n```\n")
    (claim,) = audit_note(note, runner).claims
    assert TRUTH[claim.status] == truth


def test_a_name_the_note_never_defines_is_the_authors_and_its_claims_unverifiable(
    runner: Runner, tmp_path: Path
) -> None:
    note = tmp_path / "theirs.md"
    note.write_text("```python\nimport torch\nprint(train_df_targets[:2])  # tensor([2., 0.])\n```\n")
    (claim,) = audit_note(note, runner).claims
    assert TRUTH[claim.status] == "unverifiable" and "never defines" in claim.reason


@pytest.mark.parametrize(
    ("variant", "truth"),
    [
        ("`bn.train(); bn(torch.ones(1, 2))` fails with `ValueError: Expected more than 1 value per channel`", "true"),
        ("`bn.eval(); bn(torch.ones(1, 2))` fails with `ValueError: Expected more than 1 value per channel`", "false"),
    ],
)
def test_a_variant_said_in_prose_runs_after_the_block_and_leaves_the_session_alone(
    runner: Runner, tmp_path: Path, variant: str, truth: str
) -> None:
    note = tmp_path / "variant.md"
    note.write_text(
        "```python\nimport torch\nbn = torch.nn.BatchNorm1d(2)\nbn.eval()\n```\n\n"
        f"In training mode one sample is not enough: {variant}.\n\n"
        "```python\nprint(bn.training)  # False\n```\n",  # the variant's bn.train() was never run in the session
        encoding="utf-8",
    )
    audit = audit_note(note, runner)
    assert [b.source.inline for b in audit.blocks] == ["", "prose", ""]
    said, later = audit.claims
    assert (said.kind, TRUTH[said.status], TRUTH[later.status]) == ("exception", truth, "true")
    assert audit.fixed_text(note.read_text(encoding="utf-8")) == note.read_text(encoding="utf-8")


def test_a_variant_in_a_standalone_note_runs_after_the_block_it_varies(runner: Runner, tmp_path: Path) -> None:
    note = tmp_path / "standalone.md"
    note.write_text(
        "```python\nimport torch\nprint(torch.ones(1))  # tensor([1.])\n```\n\n"
        "```python\nimport torch\nm = torch.ones(2, 3)\nprint(torch.mm(m, m.t()))  # tensor([[3., 3.],\n"
        "#         [3., 3.]])\n```\n\n"
        "Without the transpose, `torch.mm(m, m)` raises `RuntimeError: mat1 and mat2 shapes cannot be multiplied`.\n",
        encoding="utf-8",
    )
    audit = audit_note(note, runner)
    assert audit.blocks[2].continues == (2,)  # the block that binds m (and torch), not every block importing torch
    assert [TRUTH[c.status] for c in audit.claims] == ["true", "true", "true"]


@pytest.mark.parametrize(("message", "truth"), [("an old wording of the error", "drifted"), (None, "false")])
def test_a_caught_errors_message_in_other_words_is_drifted_and_no_error_is_false(
    runner: Runner, tmp_path: Path, message: str | None, truth: str
) -> None:
    note = tmp_path / "caught.md"
    raising = "torch.ones(2).view(3)" if message else "torch.ones(2).view(2)"
    note.write_text(
        f"```python\nimport torch\ntry:\n    {raising}\nexcept RuntimeError as err:\n    print(err)\n```\n\n"
        f"Output:\n\n```\n{message or 'shape is invalid'}\n```\n",
        encoding="utf-8",
    )
    (claim,) = audit_note(note, runner).claims
    assert TRUTH[claim.status] == truth


def test_an_output_printed_on_the_authors_gpu_is_unverifiable_here(runner: Runner, tmp_path: Path) -> None:
    note = tmp_path / "gpu.md"
    code = "import torch\ndevice = 'cuda'\nx = torch.ones(2)\n"
    on_the_device = "print(torch.device(device if torch.ones(1).is_cuda else 'cpu'))"
    note.write_text(
        f"```python\n{code}{on_the_device}  # device(type='cuda', index=0)\nprint(x.sum())  # tensor(3.)\n```\n",
        encoding="utf-8",
    )
    on_gpu, wrong = audit_note(note, runner).claims
    assert TRUTH[on_gpu.status] == "unverifiable" and "GPU" in on_gpu.reason
    assert TRUTH[wrong.status] == "false"  # a claim that names no GPU is still judged


def test_a_chained_block_runs_after_an_earlier_one_that_raises_as_its_author_shows(
    runner: Runner, tmp_path: Path
) -> None:
    note = tmp_path / "chain.md"
    note.write_text(
        "```python\nimport torch\nimport torch.nn as nn\nclass Net(nn.Module):\n    pass\n```\n\n"
        "```python\nimport torch\nrows = [torch.ones(3), torch.ones(2)]\ntorch.stack(rows)  # 报错\n```\n\n"
        "```python\nimport torch\nprint(len(rows))  # 2\n```\n",
        encoding="utf-8",
    )
    audit = audit_note(note, runner)
    assert audit.blocks[2].continues == (2,)
    assert [TRUTH[c.status] for c in audit.claims] == ["true", "true"]


@pytest.mark.parametrize(
    ("said", "truth"), [("`0.3333`", "drifted"), ("`0.3333333432674408`", "true"), ("`0.5`", "false")]
)
def test_what_the_prose_says_an_expression_prints_is_judged_after_the_block(
    runner: Runner, tmp_path: Path, said: str, truth: str
) -> None:
    note = tmp_path / "said.md"
    note.write_text(
        "```python\nimport torch\nloss = torch.tensor(1.0) / 3\nprint(loss)  # tensor(0.3333)\n```\n\n"
        f"And `loss.item()` prints {said}, a Python float.\n",
        encoding="utf-8",
    )
    audit = audit_note(note, runner)
    assert [b.source.inline for b in audit.blocks] == ["", "prose"]
    assert [TRUTH[c.status] for c in audit.claims] == ["true", truth]


@pytest.mark.parametrize(("printed", "truth"), [("torch.Size([1, 3])", "true"), ("torch.Size([3])", "false")])
def test_a_script_shown_in_a_console_fence_is_judged_by_its_run(
    runner: Runner, tmp_path: Path, printed: str, truth: str
) -> None:
    note = tmp_path / "console.md"
    note.write_text(
        "```console\n$ cat bn.py\nimport torch\nbn = torch.nn.BatchNorm1d(3).eval()\n"
        f"print(bn(torch.zeros(1, 3)).shape)\n$ python bn.py\n{printed}\n```\n",
        encoding="utf-8",
    )
    (claim,) = audit_note(note, runner).claims
    assert (claim.line, TRUTH[claim.status]) == (7, truth)


def test_a_notebook_run_out_of_order_is_judged_in_the_kernels_order(runner: Runner, tmp_path: Path) -> None:
    from nbformat import writes
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    def cell(code: str, count: int | None, printed: str | None = None) -> Any:
        made = new_code_cell(code, execution_count=count)
        made.outputs = [new_output("stream", name="stdout", text=printed + "\n")] if printed else []
        return made

    note = tmp_path / "order.ipynb"
    cells = [
        cell("import torch\nw = torch.ones(2, requires_grad=True)", 1),
        cell("(w * w).sum().backward()\nprint(w.grad)", 3, "tensor([4., 4.])"),  # ran after the cell below
        cell("(w * w).sum().backward()", 2),
        cell("print(w.grad)  # tensor([4., 4.])", None),  # never run: judged as if run next, after `In [3]`
    ]
    note.write_text(writes(new_notebook(cells=cells)), encoding="utf-8")
    audit = audit_note(note, runner)
    assert [b.continues for b in audit.blocks] == [(), (1, 3), (1,), (1, 3, 2)]
    assert [TRUTH[c.status] for c in audit.claims] == ["true", "true"]


def test_kernel_order_is_the_pages_when_the_counts_cannot_say() -> None:
    from harness.audit.note_audit import kernel_order
    from harness.notes.claims import CodeBlock

    def block(index: int, count: int | None) -> CodeBlock:
        return CodeBlock(index, index * 10000, "x = 1\n", (), frozenset(), frozenset(), False, index, count)

    assert kernel_order([block(1, 1), block(2, 2), block(3, None)]) is None  # in order
    assert kernel_order([block(1, 2), block(2, 2)]) is None  # a count given twice: a restarted kernel
    assert kernel_order([block(1, 2), block(2, 1), block(3, None)]) == {1: [2], 2: [], 3: [2, 1]}
    # `w` bound in In [3] but used in In [2], below it on the page: the binding cell was run again since.
    binds, uses = replace(block(1, 3), defines=frozenset({"w"})), replace(block(2, 2), uses=frozenset({"w"}))
    assert kernel_order([binds, uses]) is None


def test_a_claim_that_needs_a_module_of_the_authors_is_unverifiable(runner: Runner, tmp_path: Path) -> None:
    note = tmp_path / "own_module.md"
    note.write_text(
        "```python\nimport torch\nfrom my_course_utils import TinyNet\nprint(TinyNet())  # TinyNet()\n```\n",
        encoding="utf-8",
    )
    (claim,) = audit_note(note, runner).claims
    assert TRUTH[claim.status] == "unverifiable" and "my_course_utils" in claim.reason
