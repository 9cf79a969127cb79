"""Fixes: each rule on blocks written like a PyTorch course note, and each fix proven by running the fixed code.

The exception dicts come from really running the code (in one warm subprocess that imports torch once),
built the way the harness's child builds them, so the tests reflect what suggest_fix will actually see.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from harness.audit.code_index import unused_names
from harness.audit.edits import Edit, apply_edits
from harness.audit.fixes import Fix, suggest_fix

# Runs each block in a fresh namespace and answers with the exception dict, as the child reports it.
_WORKER = r"""
import contextlib, io, json, sys, traceback
import torch, torchvision  # the child has both imported before the example runs

from harness.sandbox.child import exception_hints as hints  # exactly what the child reports

for request in sys.stdin:
    code = json.loads(request)
    namespace = {"__name__": "__main__"}
    out = io.StringIO()
    exception = None
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            exec(compile(code, "<example>", "exec"), namespace)
    except Exception as exc:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == "<example>"]
        exception = {"type": type(exc).__name__, "mro": [c.__name__ for c in type(exc).__mro__],
                     "message": str(exc), "line": frames[-1].lineno if frames else None, **hints(exc, namespace)}
    print(json.dumps({"exception": exception, "stdout": out.getvalue()}), flush=True)
"""


@dataclass(frozen=True)
class Ran:
    exception: dict[str, Any] | None
    stdout: str


class Worker:
    def __init__(self, cwd: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=cwd
        )

    def run(self, code: str) -> Ran:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(code) + "\n")
        self.process.stdin.flush()
        reply = json.loads(self.process.stdout.readline())
        return Ran(reply["exception"], reply["stdout"])

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    running = Worker(tmp_path_factory.mktemp("examples"))  # whatever an example writes lands in a scratch folder
    yield running
    running.close()


def block(code: str) -> str:
    return textwrap.dedent(code).lstrip("\n")


def fix_until_it_runs(worker: Worker, code: str, rounds: int = 10) -> tuple[str, list[Fix], Ran]:
    """What the harness does: run, explain, fix, run again, since one bug hides the next."""
    fixes: list[Fix] = []
    for _ in range(rounds):
        ran = worker.run(code)
        if ran.exception is None:
            return code, fixes, ran
        fix = suggest_fix(code, ran.exception)
        assert fix is not None, f"no fix for {ran.exception['type']}: {ran.exception['message']}\n{code}"
        fixes.append(fix)
        fixed = apply_edits(code, fix.edits)
        assert fixed != code
        code = fixed
    raise AssertionError(f"still failing after {rounds} fixes:\n{code}")


def first_fix(worker: Worker, code: str) -> tuple[dict[str, Any], Fix | None]:
    ran = worker.run(code)
    assert ran.exception is not None
    return ran.exception, suggest_fix(code, ran.exception)


L1LOSS = block(
    """
    import torch
    from torch.nn import L1Loss

    inputs = torch.tensor([1, 2, 3], dtype=torch.float32)
    targets = torch.tensor([1, 2, 5], dtype=torch.float32)

    inputs = torch.reshape(inputs, (1, 1, 1, 3))
    targets = torch.reshape(targets, (1, 1, 1, 3))

    loss = L1Loss()
    result = Loss(inputs, targets)
    print(result)
    """
)

# The network of a course note, with the note's typos; a list stands in for the CIFAR10 DataLoader.
CNN = block(
    """
    # 加入叫交叉熵损失
    from torch import nn
    from torch.nn import Conv2d, MaxPool2d, Flatten, Linear, Sequential, Flatten, Linear
    from torchvision import SummaryWriter

    dataloader = [(torch.ones(1, 3, 32, 32), torch.tensor([3]))]

    class Tudui(nn.Module):
        def __init__(self):
            super(Tudui, self).__init__()
            self.modle1 = Sequential(
                Conv2d(3, 32, 5, padding=2),
                MaxPool2d(2),
                Conv2d(32, 32, 5, padding=2),
                MaxPool2d(2),
                Conv2d(32, 64, 5, padding=2),
                MaxPool2d(2),
                Flatten(),
                Linear(1024, 64),
                Linear(64, 10)
            )

        def forward(self, x):
            x = self.model1(x)
            return x

    loss = nn.CrossEntrophyLoss()
    tudui = Tudui()
    for data in dataloader:
        img, targets = data
        ouutputs = tudui(imgs)
        result_loss = loss(outputs, targets)
        print("loss:", result_loss.item())
    """
)


# -- rule 1: a misspelled name ---------------------------------------------------------------------------------------


def test_case_only_difference_fixes_the_use(worker: Worker) -> None:
    exception, fix = first_fix(worker, L1LOSS)
    assert exception["name"] == "Loss" and exception["line"] == 11
    assert fix is not None
    assert fix.cause == "NameError: name 'Loss' is not defined"
    assert fix.edits == (Edit(11, "Loss", "loss"),)
    assert "`loss`, assigned on line 10, differs only in case" in fix.reason
    fixed, _, ran = fix_until_it_runs(worker, L1LOSS)
    assert "result = loss(inputs, targets)" in fixed and "L1Loss()" in fixed  # `L1Loss` contains `Loss`: untouched
    assert ran.stdout.strip() == "tensor(0.6667)"


def test_rename_touches_tokens_not_strings_or_comments(worker: Worker) -> None:
    code = block(
        """
        from torch.nn import L1Loss
        import torch
        loss = L1Loss()
        print("Loss:", Loss(torch.ones(3), torch.zeros(3)))  # Loss of ones vs zeros
        """
    )
    _, fix = first_fix(worker, code)
    assert fix is not None
    fixed = apply_edits(code, fix.edits)
    assert fixed.splitlines()[3] == 'print("Loss:", loss(torch.ones(3), torch.zeros(3)))  # Loss of ones vs zeros'
    assert worker.run(fixed).stdout == "Loss: tensor(1.)\n"


def test_tie_renames_the_assignment_and_reports_both_lines(worker: Worker) -> None:
    code = block(
        """
        import torch
        batches = [(torch.ones(2, 3), torch.tensor([0, 1]))]
        model = torch.nn.Linear(3, 2)
        for data in batches:
            img, targets = data
            outputs = model(imgs)
            print(outputs.shape)
        """
    )
    exception, fix = first_fix(worker, code)
    assert exception["name"] == "imgs"
    assert fix is not None
    assert fix.edits == (Edit(5, "img", "imgs"),)
    assert "line 6" in fix.reason and "line 5" in fix.reason
    _, _, ran = fix_until_it_runs(worker, code)
    assert ran.stdout == "torch.Size([2, 2])\n"


def test_the_rarer_spelling_is_renamed(worker: Worker) -> None:
    used_more = block(
        """
        import torch
        ouutputs = torch.ones(2) * 3
        print(outputs)
        print(outputs.sum())
        """
    )
    _, fix = first_fix(worker, used_more)
    assert fix is not None
    assert fix.edits == (Edit(2, "ouutputs", "outputs"),)  # 1 assignment vs 2 uses: the assignment was mistyped
    assigned_more = block(
        """
        import torch
        ouutputs = torch.ones(2) * 3
        print(ouutputs.sum())
        print(outputs)
        """
    )
    _, fix = first_fix(worker, assigned_more)
    assert fix is not None
    assert fix.edits == (Edit(4, "outputs", "ouutputs"),)  # the name used twice is the one the author meant
    assert worker.run(apply_edits(assigned_more, fix.edits)).exception is None


def test_a_name_bound_only_later_is_no_near_match(worker: Worker) -> None:
    code = block(
        """
        from PIL import Image
        print(imgs)
        img = Image.new("RGB", (4, 4))
        """
    )
    _, fix = first_fix(worker, code)
    assert fix is None  # `img` does not exist yet where `imgs` fails: renaming would not run either


def test_builtins_stand_in_only_by_case(worker: Worker) -> None:
    _, fix = first_fix(worker, "import torch\nprint(torch.ones(2) + inputs)\n")
    assert fix is None  # `inputs` is not a typo of the builtin `input`
    _, fix = first_fix(worker, "Print('hello')\n")
    assert fix is not None and fix.edits == (Edit(1, "Print", "print"),)


# -- rule 2: a missing import ----------------------------------------------------------------------------------------


def test_missing_import_torch_is_inserted_after_the_leading_imports(worker: Worker) -> None:
    code = block(
        """
        # 搭建一个简单的网络
        from torch import nn

        x = torch.ones(2, 3)
        print(nn.Linear(3, 1)(x).shape)
        """
    )
    exception, fix = first_fix(worker, code)
    assert exception["name"] == "torch"
    assert fix is not None
    assert fix.edits == (Edit(3, "", "import torch", insert=True),)
    assert "line 4" in fix.reason
    fixed = apply_edits(code, fix.edits)
    assert fixed.splitlines()[:3] == ["# 搭建一个简单的网络", "from torch import nn", "import torch"]
    assert worker.run(fixed).stdout == "torch.Size([2, 1])\n"


def test_a_well_known_module_wins_over_an_edit_distance_match(worker: Worker) -> None:
    code = "torchs = [1, 2]\nprint(torch.tensor(torchs))\n"
    _, fix = first_fix(worker, code)
    assert fix is not None
    assert fix.edits == (Edit(1, "", "import torch", insert=True),)
    assert worker.run(apply_edits(code, fix.edits)).stdout == "tensor([1, 2])\n"


def test_a_well_known_class_wins_over_a_case_match_which_becomes_the_alternative(worker: Worker) -> None:
    code = block(
        """
        import torch
        dataset = [torch.ones(2)] * 3

        class Pairs(Dataset):
            def __len__(self):
                return 3
        print(len(Pairs()))
        """
    )
    _, fix = first_fix(worker, code)
    assert fix is not None
    assert fix.edits == (Edit(2, "", "from torch.utils.data import Dataset", insert=True),)
    assert fix.alternative is not None and "`dataset`" in fix.alternative
    assert worker.run(apply_edits(code, fix.edits)).stdout == "3\n"


@pytest.mark.parametrize(
    ("name", "statement"),
    [
        ("torchvision", "import torchvision"),
        ("nn", "from torch import nn"),
        ("F", "import torch.nn.functional as F"),
        ("np", "import numpy as np"),
        ("plt", "import matplotlib.pyplot as plt"),
        ("DataLoader", "from torch.utils.data import DataLoader"),
        ("transforms", "from torchvision import transforms"),
        ("optim", "from torch import optim"),
        ("SummaryWriter", "from torch.utils.tensorboard import SummaryWriter"),
        ("Image", "from PIL import Image"),
        ("math", "import math"),
        ("json", "import json"),
    ],
)
def test_well_known_names_get_their_usual_import(name: str, statement: str) -> None:
    code = f"import torch\nx = {name}\n"
    exception = {"type": "NameError", "mro": ["NameError"], "message": f"name '{name}' is not defined", "line": 2}
    fix = suggest_fix(code, {**exception, "name": name, "candidates": ["torch", "x", "print"]})
    assert fix is not None and fix.edits == (Edit(2, "", statement, insert=True),)


def test_homes_name_the_module_that_defines_a_name(worker: Worker) -> None:
    code = "import torch\nlayer = Conv2d(3, 8, 3)\nprint(layer.out_channels)\n"
    exception, fix = first_fix(worker, code)
    assert "torch.nn" in exception["homes"]
    assert fix is not None and fix.edits == (Edit(2, "", "from torch.nn import Conv2d", insert=True),)
    assert worker.run(apply_edits(code, fix.edits)).stdout == "8\n"


def test_an_imported_stdlib_module_used_as_a_module(worker: Worker) -> None:
    code = "import torch\nprint(statistics.mean([1, 2, 3]))\n"
    _, fix = first_fix(worker, code)
    assert fix is not None and fix.edits == (Edit(2, "", "import statistics", insert=True),)
    assert worker.run(apply_edits(code, fix.edits)).stdout == "2\n"


# -- rule 3: a misspelled attribute ----------------------------------------------------------------------------------


def test_attribute_tie_renames_the_assignment(worker: Worker) -> None:
    code = block(
        """
        import torch
        from torch import nn

        class Tudui(nn.Module):
            def __init__(self):
                super().__init__()
                self.modle1 = nn.Sequential(nn.Flatten(), nn.Linear(12, 2))

            def forward(self, x):
                return self.model1(x)

        print(Tudui()(torch.ones(1, 3, 4)).shape)
        """
    )
    exception, fix = first_fix(worker, code)
    assert exception["name"] == "model1" and exception["owner"] == "Tudui" and "modle1" in exception["candidates"]
    assert fix is not None
    assert fix.edits == (Edit(7, "modle1", "model1"),)
    assert "line 10" in fix.reason and "line 7" in fix.reason
    assert worker.run(apply_edits(code, fix.edits)).stdout == "torch.Size([1, 2])\n"


def test_a_module_attribute_is_fixed_at_the_use(worker: Worker) -> None:
    code = "import torch\nfrom torch import nn\nloss = nn.CrossEntrophyLoss()\nprint(loss)\n"
    exception, fix = first_fix(worker, code)
    assert exception["owner"] == "module 'torch.nn'"
    assert fix is not None and fix.edits == (Edit(3, "CrossEntrophyLoss", "CrossEntropyLoss"),)
    assert worker.run(apply_edits(code, fix.edits)).stdout == "CrossEntropyLoss()\n"


def test_a_short_name_with_two_letters_swapped_is_fixed(worker: Worker) -> None:
    code = "import torch\nw = torch.ones(2, requires_grad=True)\nopt = torch.optim.SDG([w], lr=0.1)\nprint(opt)\n"
    _, fix = first_fix(worker, code)
    assert fix is not None and fix.edits == (Edit(3, "SDG", "SGD"),)


def test_an_inherited_method_is_fixed_at_the_use(worker: Worker) -> None:
    code = "import torch\nmodel = torch.nn.Linear(2, 2)\nprint(sum(p.numel() for p in model.paramters()))\n"
    _, fix = first_fix(worker, code)
    assert fix is not None and fix.edits == (Edit(3, "paramters", "parameters"),)
    assert worker.run(apply_edits(code, fix.edits)).stdout == "6\n"


def test_attribute_without_dir_falls_back_to_what_the_block_assigns() -> None:
    code = block(
        """
        class Net:
            def __init__(self):
                self.modle1 = 1

            def run(self):
                return self.model1
        """
    )
    exception = {
        "type": "AttributeError",
        "mro": ["AttributeError", "Exception"],
        "message": "'Net' object has no attribute 'model1'",
        "line": 6,
    }
    fix = suggest_fix(code, exception)
    assert fix is not None and fix.edits == (Edit(3, "modle1", "model1"),)


# -- rule 4: an import from the wrong module, a misspelled module ----------------------------------------------------


def test_unused_summarywriter_from_torchvision_is_dropped(worker: Worker) -> None:
    code = "import torch\nfrom torchvision import SummaryWriter\nprint(torch.ones(1))\n"
    exception, fix = first_fix(worker, code)
    assert exception["type"] == "ImportError"
    assert fix is not None
    assert fix.edits == (Edit(2, "from torchvision import SummaryWriter", ""),)
    assert fix.alternative == "import it from torch.utils.tensorboard (needs the tensorboard package)"
    fixed = apply_edits(code, fix.edits)
    assert fixed == "import torch\nprint(torch.ones(1))\n"
    assert worker.run(fixed).exception is None


def test_unused_name_is_dropped_from_a_multi_name_import(worker: Worker) -> None:
    code = "from torchvision import SummaryWriter, transforms\nprint(transforms.ToTensor())\n"
    _, fix = first_fix(worker, code)
    assert fix is not None
    fixed = apply_edits(code, fix.edits)
    assert fixed.splitlines()[0] == "from torchvision import transforms"
    assert worker.run(fixed).stdout == "ToTensor()\n"


def test_used_summarywriter_is_imported_from_its_home(worker: Worker) -> None:
    code = block(
        """
        import torchvision
        from torchvision import SummaryWriter, transforms

        writer = SummaryWriter("logs")
        """
    )
    exception, fix = first_fix(worker, code)
    assert fix is not None and fix.alternative is None
    fixed = apply_edits(code, fix.edits)
    assert fixed.splitlines()[1:3] == [
        "from torchvision import transforms",
        "from torch.utils.tensorboard import SummaryWriter",
    ]
    after = worker.run(fixed).exception
    assert exception["message"].startswith("cannot import name 'SummaryWriter' from 'torchvision'")
    # The import from torchvision is gone. The fixed import is reached: with tensorboard installed it runs;
    # without it (as in this project's environment) it stops at torch.utils.tensorboard's own `import tensorboard`.
    if importlib.util.find_spec("tensorboard") is not None:
        assert after is None
    else:
        assert after is not None
        assert (after["type"], after["message"], after["line"]) == (
            "ModuleNotFoundError",
            "No module named 'tensorboard'",
            3,
        )


def test_misspelled_name_in_an_import_follows_its_uses(worker: Worker) -> None:
    code = "from torch.nn import CrossEntrophyLoss\nloss = CrossEntrophyLoss()\nprint(loss)\n"
    _, fix = first_fix(worker, code)
    assert fix is not None
    fixed = apply_edits(code, fix.edits)
    assert fixed == "from torch.nn import CrossEntropyLoss\nloss = CrossEntropyLoss()\nprint(loss)\n"
    assert worker.run(fixed).exception is None


def test_misspelled_module(worker: Worker) -> None:
    code = "import torchvison\nprint(torchvison.transforms.ToTensor())\n"
    exception, fix = first_fix(worker, code)
    assert exception["type"] == "ModuleNotFoundError"
    assert fix is not None
    assert apply_edits(code, fix.edits) == "import torchvision\nprint(torchvision.transforms.ToTensor())\n"
    aliased = "from torchvison import transforms as T\nprint(T.ToTensor())\n"
    _, fix = first_fix(worker, aliased)
    assert fix is not None
    fixed = apply_edits(aliased, fix.edits)
    assert fixed.startswith("from torchvision import transforms as T\n")
    assert worker.run(fixed).stdout == "ToTensor()\n"


def test_a_package_that_is_not_installed_is_no_typo(worker: Worker) -> None:
    _, fix = first_fix(worker, "import tensorboardX\n")
    assert fix is None


# -- the whole note block: several bugs, one behind the other --------------------------------------------------------


def test_course_network_is_fixed_bug_by_bug_until_it_runs(worker: Worker) -> None:
    fixed, fixes, ran = fix_until_it_runs(worker, CNN)
    causes = [fix.cause.split(":")[0] for fix in fixes]
    assert causes == ["ImportError", "NameError", "AttributeError", "NameError", "AttributeError", "NameError"]
    lines = fixed.splitlines()
    # Rule 5: the duplicated names in an import are harmless and stay as written.
    assert "from torch.nn import Conv2d, MaxPool2d, Flatten, Linear, Sequential, Flatten, Linear" in lines
    assert "from torchvision import SummaryWriter" not in fixed
    assert lines[3] == "import torch"
    for expected in (
        "        self.model1 = Sequential(",
        "loss = nn.CrossEntropyLoss()",
        "    imgs, targets = data",
        "    outputs = tudui(imgs)",
        "    result_loss = loss(outputs, targets)",
    ):
        assert expected in lines
    assert ran.stdout.startswith("loss: ")


def test_duplicate_names_survive_dropping_another_name() -> None:
    code = "from torch.nn import Flatten, Linear, SummaryWriter, Flatten, Linear\nFlatten()\n"
    exception = {
        "type": "ImportError",
        "mro": ["ImportError", "Exception"],
        "message": "cannot import name 'SummaryWriter' from 'torch.nn'",
        "line": 1,
        "name": "SummaryWriter",
        "owner": "torch.nn",
        "candidates": ["Flatten", "Linear"],
        "homes": [],
    }
    fix = suggest_fix(code, exception)
    assert fix is not None
    assert apply_edits(code, fix.edits).splitlines()[0] == "from torch.nn import Flatten, Linear, Flatten, Linear"


# -- rule 6: no guessing ---------------------------------------------------------------------------------------------


def test_no_fix_for_other_errors(worker: Worker) -> None:
    _, fix = first_fix(worker, "import torch\nx = torch.ones(2)\nprint(1 / 0)\n")
    assert fix is None
    _, fix = first_fix(worker, "import torch\nprint(torch.ones(2) + weights_from_the_last_chapter)\n")
    assert fix is None


def test_no_fix_when_the_name_is_assigned_after_its_use(worker: Worker) -> None:
    _, fix = first_fix(worker, "total = 0\nfor i in range(3):\n    totl = totl + i\n")
    assert fix is None  # `totl` is assigned in the block: used before assignment, not a typo of `total`


def test_no_fix_for_a_name_an_earlier_block_defines() -> None:
    code = "print(model)\n"
    exception = {"type": "NameError", "mro": ["NameError"], "message": "name 'model' is not defined", "line": 1}
    assert suggest_fix(code, {**exception, "name": "model", "candidates": ["print"]}, {"model": 2}) is None


def test_two_equally_near_names_are_ambiguous() -> None:
    code = "img1 = 1\nimg2 = 2\nprint(img3)\n"
    exception = {"type": "NameError", "mro": ["NameError"], "message": "name 'img3' is not defined", "line": 3}
    assert suggest_fix(code, exception) is None


# -- apply_edits and unused_names ------------------------------------------------------------------------------------


def test_apply_edits_numbers_by_the_original_lines() -> None:
    code = "a = 1\nb = 2\nc = 3\n"
    edits = [
        Edit(1, "", "import torch", insert=True),
        Edit(2, "b = 2", ""),
        Edit(3, "3", "4"),
        Edit(4, "", "print(c)", insert=True),
    ]
    assert apply_edits(code, edits) == "import torch\na = 1\nc = 4\nprint(c)\n"


def test_apply_edits_keeps_every_other_byte() -> None:
    assert apply_edits("x = 1\r\ny = 2", [Edit(2, "2", "3")]) == "x = 1\r\ny = 3"
    assert apply_edits("x = 1\r\ny = 2", [Edit(3, "", "z = 4", insert=True)]) == "x = 1\r\ny = 2\r\nz = 4"
    assert apply_edits("x = 1\n\n", [Edit(1, "1", "2")]) == "x = 2\n\n"
    assert apply_edits("", [Edit(1, "", "import torch", insert=True)]) == "import torch\n"


def test_apply_edits_refuses_text_that_is_not_on_its_line() -> None:
    with pytest.raises(ValueError, match="line 2"):
        apply_edits("a = 1\nb = 2\n", [Edit(2, "a", "c")])
    with pytest.raises(ValueError, match="outside"):
        apply_edits("a = 1\n", [Edit(3, "a", "c")])


def test_unused_names() -> None:
    code = block(
        """
        import torch
        from torchvision import SummaryWriter, transforms
        from torch.nn import Flatten, Linear, Flatten
        x = torch.ones(2)
        y = Flatten()
        total = 0
        total += 1
        def helper():
            return transforms
        """
    )
    assert unused_names(code) == {"SummaryWriter", "Linear", "x", "y", "helper"}


def test_dropping_keeps_the_code_valid(worker: Worker) -> None:
    parenthesised = "from torchvision import (\n    transforms,\n    SummaryWriter,\n)\nprint(transforms.ToTensor())\n"
    _, fix = first_fix(worker, parenthesised)
    assert fix is not None and fix.edits == (Edit(3, "    SummaryWriter,", ""),)
    assert worker.run(apply_edits(parenthesised, fix.edits)).stdout == "ToTensor()\n"
    in_a_suite = "if __name__ == '__main__':\n    from torchvision import SummaryWriter\nprint('ok')\n"
    _, fix = first_fix(worker, in_a_suite)
    assert fix is not None
    fixed = apply_edits(in_a_suite, fix.edits)
    assert fixed.splitlines()[1] == "    pass"  # an emptied `if` needs a statement
    assert worker.run(fixed).stdout == "ok\n"


def test_an_aliased_name_moves_with_its_alias(worker: Worker) -> None:
    code = "from torchvision import SummaryWriter as SW\nwriter = SW\n"
    _, fix = first_fix(worker, code)
    assert fix is not None
    assert apply_edits(code, fix.edits) == "from torch.utils.tensorboard import SummaryWriter as SW\nwriter = SW\n"
