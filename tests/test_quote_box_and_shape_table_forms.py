"""Forms read from a thirteenth batch of other people's notes: a "Try it" box (a quote holding the code and its
**Result:**), and a cheat sheet's table whose columns are the operation, the code and the output's shape. (Czech,
Hungarian, Thai and Hindi words are among every language's in tests/test_more_note_forms.py.)

Each form has its case where the claim is right and one where it is wrong.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_note_forms import FENCE, verdicts

from harness import Runner

PAIR = [("tensor([2., 2.])", "true"), ("tensor([4., 4.])", "false")]


@pytest.mark.parametrize(("value", "truth"), PAIR)
def test_a_quoted_try_it_box_holds_the_code_and_its_result(
    runner: Runner, tmp_path: Path, value: str, truth: str
) -> None:
    rows = ("> **Try it:**", ">", "> ```python", "> import torch", "> torch.ones(2) * 2", "> ```", ">")
    assert verdicts(runner, tmp_path, *rows, f"> **Result:** `{value}`") == {8: truth}


@pytest.mark.parametrize(("shape", "truth"), [("[1, 2, 3]", "true"), ("[2, 1, 3]", "false")])
@pytest.mark.parametrize("header", ["| 操作 | 代码 | 输出形状 |", "| operation | code | output shape |"])
def test_a_table_column_of_output_shapes_claims_the_codes_shape(
    runner: Runner, tmp_path: Path, header: str, shape: str, truth: str
) -> None:
    rows = ("```python", "import torch", "x = torch.zeros(2, 3)", FENCE, "", header, "|---|---|---|")
    assert verdicts(runner, tmp_path, *rows, f"| add a leading dim | `x.unsqueeze(0)` | `{shape}` |") == {8: truth}
