"""harness.notes.claims: the claims a note's author wrote, tied to the statement they are about."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from harness.notes.claims import Claim, CodeBlock, read_code_blocks
from harness.notes.document import read_note

NOTES = Path(__file__).parent / "notes"
SEED_NOTE = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_9f602143f38b0ad7.txt"
FORMS = {
    "trailing-comment",
    "next-line-comment",
    "arrow",
    "output-prefix",
    "docstring",
    "repl",
    "error-comment",
    "output-block",
    "gradient-comment",
}


def lines(*rows: str) -> str:
    """A note from its lines, so that a row's position in the call is its line number."""
    return "\n".join(rows) + "\n"


def claims_of(*rows: str) -> list[Claim]:
    return [claim for block in read_code_blocks(lines(*rows)) for claim in block.claims]


def brief(claim: Claim) -> tuple[str, int, str, str, int | None]:
    return claim.kind, claim.line, claim.text, claim.form, claim.statement_line


def python(*code: str) -> list[Claim]:
    """Claims of one python block whose code starts on note line 2 (so code line n is note line n + 1)."""
    return claims_of("```python", *code, "```")


# ---- printed claims ---------------------------------------------------------------------------------------


def test_trailing_comment_after_print() -> None:
    (claim,) = python("import torch", "result = torch.tensor(0.6667)", "print(result)  # tensor(0.6667)")
    assert brief(claim) == ("printed", 4, "tensor(0.6667)", "trailing-comment", 3)
    assert claim.unverifiable is None and claim.exception_type is None and claim.gradient_fact is None


def test_next_line_comment_and_a_tensor_over_several_lines() -> None:
    claims = python(
        "x = torch.eye(2)",
        "print(x)",
        "# tensor([[1., 0.],",
        "#         [0., 1.]])",
        "print(x.sum())",
        "",
        "# tensor(2.)",
    )
    assert [brief(c) for c in claims] == [
        ("printed", 4, "tensor([[1., 0.],\n        [0., 1.]])", "next-line-comment", 2),
        ("printed", 8, "tensor(2.)", "next-line-comment", 5),  # a blank line between still follows the print
    ]


def test_trailing_claim_continued_on_comment_lines() -> None:
    (claim,) = python("print(x)  # tensor([[1., 2.],", "#                 [3., 4.]])")
    assert brief(claim) == ("printed", 2, "tensor([[1., 2.],\n                [3., 4.]])", "trailing-comment", 1)


@pytest.mark.parametrize(
    ("comment", "form", "text"),
    [
        ("#=> tensor(1.)", "arrow", "tensor(1.)"),
        ("# => tensor(1.)", "arrow", "tensor(1.)"),
        ("# -> [1, 2]", "arrow", "[1, 2]"),
        ("# output: hello world", "output-prefix", "hello world"),
        ("# Output: 3", "output-prefix", "3"),
        ("# 输出：tensor(1.)", "output-prefix", "tensor(1.)"),
        ("# 输出: tensor(1.)", "output-prefix", "tensor(1.)"),
        ("# 结果：tensor(1.)", "output-prefix", "tensor(1.)"),
        ("# out: ok", "output-prefix", "ok"),
        ("# prints: Files already downloaded", "output-prefix", "Files already downloaded"),
    ],
)
def test_output_prefixes(comment: str, form: str, text: str) -> None:
    (trailing,) = python("x = 1", f"print(x)  {comment}")
    assert brief(trailing) == ("printed", 3, text, form, 2)
    (next_line,) = python("x = 1", "print(x)", comment)
    assert brief(next_line) == ("printed", 4, text, form, 2)


def test_prefix_alone_takes_the_lines_below() -> None:
    (claim,) = python("print(x)", "# 输出：", "# tensor([1, 2])", "#", "# 下一步")
    assert brief(claim) == ("printed", 4, "tensor([1, 2])", "output-prefix", 1)


def test_docstring_after_print() -> None:
    claims = python(
        "import torch",
        "print(torch.ones(2))",
        "'''",
        "tensor([1., 1.])",
        "'''",
        "print(1)",
        '"""2"""',
        "x = 1",
        '"""not a claim: not after a print"""',
    )
    assert [brief(c) for c in claims] == [
        ("printed", 5, "tensor([1., 1.])", "docstring", 2),
        ("printed", 8, "2", "docstring", 6),
    ]


def test_repl_expressions() -> None:
    claims = python(
        "import torch",
        "x = torch.ones(2, 3)",
        "x.shape",
        "# torch.Size([2, 3])",
        "x.dtype  # torch.float32",
        "x.sum()",
        "# 还是一个tensor",
        "x.mean()  # => tensor(1.)",
    )
    assert [brief(c) for c in claims] == [
        ("printed", 5, "torch.Size([2, 3])", "repl", 3),
        ("printed", 6, "torch.float32", "repl", 5),
        ("printed", 9, "tensor(1.)", "arrow", 8),  # a prefix says how it was written
    ]


def test_several_prints_each_with_its_claim() -> None:
    claims = python(
        "a = 1",
        "print(a)  # 1",
        "print(a + 1)",
        "# 2",
        "print(a + 2)  #=> 3",
        "print(a + 3)",
        "# 输出：4",
        "b = a; print(b)  # 1",
    )
    assert [(c.line, c.text, c.statement_line) for c in claims] == [
        (3, "1", 2),
        (5, "2", 3),
        (6, "3", 5),
        (8, "4", 6),
        (9, "1", 8),  # `b = a; print(b)`: the print, not the assignment, shares the line
    ]
    assert claims[3] == Claim("printed", 8, "4", "output-prefix", 6)


def test_a_loops_prints_are_one_claim() -> None:
    (claim,) = python("for i in range(3):", "    print(i)", "# 0", "# 1", "# 2")
    assert brief(claim) == ("printed", 4, "0\n1\n2", "next-line-comment", 2)


def test_multi_line_print_statement() -> None:
    (claim,) = python("print(", "    torch.ones(2)", ")  # tensor([1., 1.])")
    assert brief(claim) == ("printed", 4, "tensor([1., 1.])", "trailing-comment", 1)


def test_none_is_a_value() -> None:
    (claim,) = python("print(w.grad)  # None")
    assert claim.text == "None"


@pytest.mark.parametrize(
    "comment",
    [
        "# 打印结果",
        "# 还是一个tensor",
        "# print the result",
        "# 设置reduction参数",
        "# 神经网络输出值",
        "# 可以debug查看weight下的grad",
        "# TODO: fix this",
        "# 1. 导入库",
        "# Step 2",
        "# shape is (N, C)",
        "# x",
        "# ---------",
        "# =========",
        "# 注意：下面用的是 mean",
    ],
)
def test_prose_comments_are_not_claims(comment: str) -> None:
    assert python("print(x)", comment) == []
    assert python(f"print(x)  {comment}") == []
    assert python(comment, "print(x)") == []


def test_values_not_after_a_print_or_expression_are_not_claims() -> None:
    # A value beside an assignment is what the name holds (a tensor's repr, here); on the lines below, and a bare
    # number beside one, it is not a claim.
    claims = python("# tensor(1.)", "x = torch.tensor([0.1, 0.2])  # tensor([0.1000, 0.2000])", "y = 3  # 3", "# 3")
    assert [brief(claim) for claim in claims] == [("printed", 3, "tensor([0.1000, 0.2000])", "trailing-comment", 2)]


def test_one_printed_claim_per_comment_run() -> None:
    (claim,) = python("print(a)  # tensor(1.)", "# tensor(2.)")
    assert claim.text == "tensor(1.)"


def test_hash_inside_strings_is_not_a_comment() -> None:
    claims = python(
        'print("# tensor(1.)")', "print('a # b')  # 'a # b'", 's = """', "# 3", '"""', "print(s)  # '\\n# 3\\n'"
    )
    assert [(c.line, c.text) for c in claims] == [(3, "'a # b'"), (7, "'\\n# 3\\n'")]


# ---- exceptions -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("comment", "kind", "message", "text"),
    [
        (
            "# 会报错：RuntimeError: Can only calculate the mean",
            "RuntimeError",
            "Can only calculate the mean",
            "RuntimeError: Can only calculate the mean",
        ),
        ("# 报错: TypeError: bad operand", "TypeError", "bad operand", "TypeError: bad operand"),
        ("# 报错：ValueError", "ValueError", None, "ValueError"),
        ("# raises RuntimeError", "RuntimeError", None, "raises RuntimeError"),
        ("# raises RuntimeError: boom", "RuntimeError", "boom", "raises RuntimeError: boom"),
        ("# Error: shapes do not match", None, "shapes do not match", "shapes do not match"),
        ("# -> RuntimeError: boom", "RuntimeError", "boom", "RuntimeError: boom"),
        ("# RuntimeError: message here", "RuntimeError", "message here", "RuntimeError: message here"),
        ("# this raises ValueError", "ValueError", None, "this raises ValueError"),
        ("# throws a TypeError", "TypeError", None, "throws a TypeError"),
        ("# raises an error", None, None, "raises an error"),
        ("# 这里会报错", None, None, "这里会报错"),
        ("# 会抛出 IndexError", "IndexError", None, "会抛出 IndexError"),
        ("# Exception: custom", "Exception", "custom", "Exception: custom"),
        ("# torch.cuda.OutOfMemoryError: CUDA out of memory", "OutOfMemoryError", "CUDA out of memory", None),
        ("# UserWarning: deprecated", "UserWarning", "deprecated", "UserWarning: deprecated"),
    ],
)
def test_error_comments(comment: str, kind: str | None, message: str | None, text: str | None) -> None:
    expected = text if text is not None else comment[2:]
    (trailing,) = python("x = 1", f"result = loss(a, b)  {comment}")
    assert brief(trailing) == ("exception", 3, expected, "error-comment", 2)
    assert (trailing.exception_type, trailing.exception_message) == (kind, message)
    (next_line,) = python("x = 1", "result = loss(a, b)", comment)
    assert brief(next_line) == ("exception", 4, expected, "error-comment", 2)
    (alone,) = python(comment, "result = loss(a, b)")
    assert brief(alone) == ("exception", 2, expected, "error-comment", None)


@pytest.mark.parametrize(
    "comment", ["# 这里不会报错", "# does not raise", "# doesn't raise an error", "# no error here"]
)
def test_negated_errors_are_not_claims(comment: str) -> None:
    assert python("y = f(x)", comment) == []


def test_error_after_print_in_a_later_line_of_the_run() -> None:
    claims = python("print(result)", "# 注意：", "# 会报错：RuntimeError: bad")
    assert [brief(c) for c in claims] == [("exception", 4, "RuntimeError: bad", "error-comment", 1)]


# ---- gradients ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("comment", "fact"),
    [
        ("# 一开始grad的值应该为None", "before_none"),
        ("# before backward the grad is None", "before_none"),
        ("# initially, weight.grad is None", "before_none"),
        ("# 每一次运行都会对grad值进行更新", "after_set"),
        ("# every run updates grad", "after_set"),
        ("# each backward() accumulates into .grad", "after_set"),
        ("# after loss.backward() the grad is not None", "after_set"),
        ("# 如果没有result_loss.backward()，则不会对grad进行更新", "without_backward_none"),
        ("# without loss.backward() grad is not updated", "without_backward_none"),
        ("# 可以dubug查看变量列表下tudui--model1--_modules--'0'--weight--grad", None),
        ("# weight下拉中的data是指weight值", None),
        ("# zero the grad before backward", None),
        ("# the grad is not None initially", None),
    ],
)
def test_gradient_facts(comment: str, fact: str | None) -> None:
    claims = python("loss.backward()", "print('ok')", comment)
    if fact is None:
        assert claims == []
        return
    (claim,) = claims
    assert brief(claim) == ("gradients", 4, comment[2:], "gradient-comment", None)
    assert claim.gradient_fact == fact


# ---- output fences -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("between", "fence", "content", "text"),
    [
        ([""], "```", ["tensor(0.6667)"], "tensor(0.6667)"),
        (["", "Output:", ""], "```text", ["tensor([1, 2])"], "tensor([1, 2])"),
        (["", "输出：", ""], "```", ["tensor(2.)"], "tensor(2.)"),
        (["", "结果", ""], "```output", ["ok", "done"], "ok\ndone"),
        (["", "It prints:", ""], "```console", ["tensor(27.)"], "tensor(27.)"),
        (["", "**运行结果：**", ""], "```plain", ["loss = tensor(0.5)"], "loss = tensor(0.5)"),
        ([""], "```python", ["tensor([[3., 0.],", "        [0., 3.]])"], "tensor([[3., 0.],\n        [0., 3.]])"),
        (["", "Output:", ""], "```py", ["3", "True", "torch.Size([2])"], "3\nTrue\ntorch.Size([2])"),
    ],
)
def test_output_blocks(between: list[str], fence: str, content: list[str], text: str) -> None:
    rows = ["```python", "x = 1", "print(x)", "```", *between, fence, *content, "```", "", "after"]
    (block,) = read_code_blocks(lines(*rows))
    (claim,) = block.claims
    first = 4 + len(between) + 2  # the output fence's first content line
    assert brief(claim) == ("printed", first, text, "output-block", None)
    assert (block.index, block.line, block.code) == (1, 1, "x = 1\nprint(x)\n")


def test_output_block_line_skips_leading_blank_lines() -> None:
    (claim,) = claims_of("```python", "print(1)", "```", "```", "", "1", "```")
    assert (claim.line, claim.text) == (6, "1")


@pytest.mark.parametrize(
    ("between", "fence", "content"),
    [
        ([""], "```python", ["y = 2", "print(y)"]),  # code, not output
        ([""], "```python", ["x = tensor(1.)"]),  # an assignment
        ([""], "```python", ["x"]),  # a name is not a printed value
        (["", "Now a longer paragraph that explains the next step of the notebook in some detail.", ""], "```", ["2"]),
        (["", "## Next section", ""], "```", ["2"]),
        (["", "Install it:", ""], "```", ["2"]),  # prose that does not speak of output
        ([""], "```bash", ["pip install torch"]),
        ([""], "```", ["import torch", "print(1)"]),
        ([""], "```", ["   "]),
    ],
)
def test_fences_that_are_not_output(between: list[str], fence: str, content: list[str]) -> None:
    rows = ["```python", "x = 1", "```", *between, fence, *content, "```"]
    found = read_code_blocks(lines(*rows))
    assert all(b.claims == () for b in found)
    code = fence == "```python" or "import torch" in content  # an unlabelled fence of torch code is code
    assert len(found) == (2 if code else 1)


def test_only_the_fence_right_after_code_is_output() -> None:
    found = read_code_blocks(lines("```python", "print(1)", "```", "```", "1", "```", "```", "2", "```"))
    (block,) = found
    assert [c.text for c in block.claims] == ["1"]
    text_first = read_code_blocks(lines("```text", "1", "```", "```", "2", "```"))
    assert text_first == []


def test_output_blocks_are_not_code_blocks_and_indices_skip_them() -> None:
    found = read_code_blocks(
        lines("```python", "print(1)", "```", "```python", "1", "```", "```python", "y = 2", "print(y)  # 2", "```")
    )
    assert [(b.index, b.line) for b in found] == [(1, 1), (2, 7)]
    assert [c.form for c in found[0].claims] == ["output-block"]


# ---- unverifiable ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statement", "reason"),
    [
        ("print(f)  # <function f at 0x7f96a8c3b2e0>", "memory address 0x7f96a8c3b2e0"),
        ("print(p)  # 输出：/Users/alice/data/CIFAR10", "/Users/alice"),
        ("print(p)  # '/home/bob/models/net.pt'", "/home/bob"),
        ("print(p)  # 'C:\\\\Users\\\\me\\\\data'", "C:\\"),
        ("print(p)  # output: D:\\data\\cifar", "D:\\"),
        ("print(p)  # '/kaggle/input/titanic/train.csv'", "/kaggle/"),
        ("print(p)  # 输出：/content/drive/MyDrive/data.pt", "/content/"),
        ("load(p)  # FileNotFoundError: No such file or directory: '/Users/a/b.pth'", "/Users/a"),
    ],
)
def test_unverifiable_claims_are_kept_with_a_reason(statement: str, reason: str) -> None:
    (claim,) = python(statement)
    assert claim.unverifiable is not None and reason in claim.unverifiable


@pytest.mark.parametrize(
    "statement",
    ["print(hex(16))  # '0x10'", "print(p)  # 'data/cifar'", "print(r)  # 2/3", "print(p)  # 'data/content/a'"],
)
def test_ordinary_claims_are_verifiable(statement: str) -> None:
    assert all(c.unverifiable is None for c in python(statement))


# ---- names ------------------------------------------------------------------------------------------------


def block_of(*code: str) -> CodeBlock:
    (block,) = read_code_blocks(lines("```python", *code, "```"))
    return block


def test_defines_and_uses() -> None:
    block = block_of(
        "import torch",
        "import torch.nn.functional as F",
        "from torch import nn",
        "from os import path as p",
        "x = torch.ones(2)",
        "a, (b, *c) = 1, (2, 3, 4)",
        "y += 1",
        "for i in range(3):",
        "    total = i",
        "with open(filename) as fh:",
        "    pass",
        "def f(n=default):",
        "    local = n + g + x",
        "    return local",
        "class K(Base):",
        "    attr = x",
        "    other = attr",
        "lam = lambda q: q + free_in_lambda",
        "sq = [k * k for k in range(3) if k > m]",
        "(w := 5)",
        "try:",
        "    pass",
        "except ValueError as err:",
        "    pass",
        "print(len(x), __name__, __file__)",
        "z = later_name",
        "later_name = 1",
        "if x is not None:",
        "    inside_if = 1",
    )
    assert block.defines == {
        "torch", "F", "nn", "p", "x", "a", "b", "c", "y", "i", "total", "fh", "f", "K", "lam", "sq", "w", "err", "z",
        "later_name", "inside_if",
    }  # fmt: skip
    assert block.uses == {"y", "filename", "default", "g", "Base", "free_in_lambda", "m", "later_name"}


def test_function_bodies_see_names_bound_after_the_def() -> None:
    block = block_of("def run():", "    return model(data)", "model = make()", "data = load()", "run()")
    assert block.uses == {"make", "load"}
    assert block.defines == {"run", "model", "data"}


def test_names_of_code_that_does_not_parse_are_empty_but_claims_are_read() -> None:
    text = lines(
        "```python",
        "import torch",
        "x = torch.ones(2",
        "print(x.sum())  # tensor(2.)",
        "if True",
        "    print(1)",
        "# 1",
        "```",
    )
    (block,) = read_code_blocks(text)
    assert (block.defines, block.uses) == (frozenset(), frozenset())
    assert [brief(c) for c in block.claims] == [
        ("printed", 4, "tensor(2.)", "trailing-comment", 3),
        ("printed", 7, "1", "next-line-comment", 5),
    ]


def test_claims_are_read_when_tokenize_fails() -> None:
    claims = python("print(1)  # 1", 's = """never closed', "# not a comment, but who knows")
    assert [brief(c) for c in claims] == [("printed", 2, "1", "trailing-comment", 1)]


# ---- randomness --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "unseeded"),
    [
        ("x = torch.rand(2)", True),
        ("torch.manual_seed(0)\nx = torch.rand(2)", False),
        ("x = torch.rand(2)\ntorch.manual_seed(0)", True),
        ("x = torch.randn(2, 3)", True),
        ("x = torch.randint(0, 10, (3,))", True),
        ("x = torch.randperm(4)", True),
        ("x = torch.randn_like(y)", True),
        ("w = torch.empty(3).normal_()", True),
        ("t.uniform_(0, 1)", True),
        ("t.random_(0, 10)", True),
        ("nn.init.kaiming_normal_(layer.weight)", True),
        ("import numpy as np\na = np.random.randn(3)", True),
        ("import numpy\na = numpy.random.rand(3)", True),
        ("np.random.seed(0)\na = np.random.randn(3)", False),
        ("rng = np.random.default_rng(0)\nv = rng.normal()", False),
        ("rng = np.random.default_rng()", True),
        ("import random\nrandom.shuffle(items)", True),
        ("import random\nrandom.seed(1)\nrandom.shuffle(items)", False),
        ("layer = nn.Linear(2, 3)", True),
        ("conv = Conv2d(3, 32, 5)", True),
        ("loader = DataLoader(ds, shuffle=True)", True),
        ("loader = DataLoader(ds, shuffle=False)", False),
        ("crop = transforms.RandomCrop(10)", True),
        ("x = torch.ones(2)\nprint(x)", False),
        ("x = torch.rand(2", True),  # does not parse: the text is searched
        ("torch.manual_seed(0)\nx = torch.rand(2", False),
    ],
)
def test_random_unseeded(code: str, unseeded: bool) -> None:
    assert block_of(*code.split("\n")).random_unseeded is unseeded


# ---- the corpus ------------------------------------------------------------------------------------------

EXPECTED = sorted(NOTES.glob("*.expected.json"))


def _note_for(expected: Path) -> Path:
    stem = expected.name.removesuffix(".expected.json")
    (note,) = [p for p in NOTES.iterdir() if p.stem == stem and not p.name.endswith(".json")]
    return note


@pytest.mark.parametrize("expected", EXPECTED, ids=[p.name.removesuffix(".expected.json") for p in EXPECTED])
def test_corpus_claims_match_expected(expected: Path) -> None:
    rows = json.loads(expected.read_text())
    found = [claim for block in read_code_blocks(read_note(_note_for(expected))) for claim in block.claims]
    keys = ("line", "kind", "form", "text", "statement_line")
    assert [{k: getattr(c, k) for k in keys} for c in found] == [{k: row[k] for k in keys} for row in rows]
    truths = [row["truth"] for row in rows]
    assert set(truths) <= {"true", "false", "drifted", "unverifiable"}
    # An unverifiable claim is one the reader marks so (an address, a path) or one about unseeded randomness.
    for claim, truth in zip(found, truths, strict=True):
        if claim.unverifiable:
            assert truth == "unverifiable"


def test_every_corpus_note_has_its_expected_claims() -> None:
    notes = [p for p in NOTES.iterdir() if p.is_file() and not p.name.endswith(".expected.json")]  # real/: its own test
    assert {p.stem for p in notes} == {p.name.removesuffix(".expected.json") for p in EXPECTED}
    assert len([p for p in notes if not p.stem.startswith("hostile")]) >= 6


def test_corpus_covers_every_form_kind_and_truth() -> None:
    rows = [row for path in EXPECTED for row in json.loads(path.read_text())]
    assert {row["form"] for row in rows} == FORMS
    assert {row["kind"] for row in rows} == {"printed", "exception", "gradients"}
    assert {row["truth"] for row in rows} == {"true", "false", "drifted", "unverifiable"}
    blocks = {p.stem: read_code_blocks(read_note(p)) for p in NOTES.glob("*.md")}
    assert any(b.random_unseeded for found in blocks.values() for b in found)
    # Notebook style: a block uses a name that only a block two or more places earlier defines.
    tensors = blocks["en_tensors"]
    assert "x" in tensors[0].defines and "x" in tensors[2].uses and "x" not in tensors[1].defines


# ---- hostile input -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "```python",
        "```python\n" + "(" * 5000 + "\n```",
        "```python\n" + "x = " + "-" * 5000 + "1\n```",
        "```python\n" + "if x:\n" * 200 + "  pass\n```",
        "```python\n\x00\x01print(1)  # 1\n```",
        "```python\n\tx = 1\n  y = 2  # 2\n```",
        "```python\nprint(1)  # 1\n```\n```\n\x00\n```",
        "```python\n'''\n# tensor(1.)\n```",
        "```python\nprint(x)\n# " + "[" * 3000 + "\n```",
        "```python\nprint(x)\n" + "# tensor([1,\n" * 3000 + "```",
        "```python\nprint(x)  # 输出：\n```",
    ],
)
def test_hostile_code_does_not_crash(text: str) -> None:
    for block in read_code_blocks(text):
        assert all(1 <= claim.line <= text.count("\n") + 1 for claim in block.claims)


def test_random_fragments_do_not_crash() -> None:
    fragments = [
        "```python\n", "```\n", "````py\n", "~~~python3\n", "> ", "- ", "    ", "!!! note\n", "print(x)", "  # ",
        "tensor(1.)", "#=> ", "# 输出：", "'''", '"""', "(", ")", "[", "\n", "\n\n", "会报错：RuntimeError: x",
        "grad None 一开始", "x.shape", "x = 1", "0x7f96a8c3b2e0", "/Users/a", "\t", "\x00", "\ufffd", "\r\n", "Output:",
        ">>> ", "... ", "In [1]: ", "Out[1]: ", "> tensor(1.)", "    tensor(2.)", "Variable containing:",
        "[torch.FloatTensor of size 2]", "Traceback (most recent call last):", "RuntimeError: x", "这样写会报错",
        "!!! danger\n", "  # y =", "# True, since ", "'''[output]:", "import torch\n", '{"cells": [], "nbformat": 4}',
    ]  # fmt: skip
    rng = random.Random(7)
    for _ in range(600):
        text = "".join(rng.choice(fragments) for _ in range(rng.randrange(1, 60)))
        for block in read_code_blocks(text):
            assert block.index >= 1 and all(claim.line >= 1 for claim in block.claims)


def test_hostile_files() -> None:
    assert read_code_blocks(read_note(NOTES / "hostile_no_python.md")) == []
    (block,) = read_code_blocks(read_note(NOTES / "hostile_binary.bin"))
    assert block.code == "print(1 + 1)  # 2\n"
    unclosed = read_code_blocks(read_note(NOTES / "hostile_unclosed_fence.md"))
    assert unclosed[-1].code.endswith("## A heading that is now inside the code block\n")


# How fast is measured in benchmarks/read_notes.py (a timed unit test fails on a busy machine, not on slow code).
def test_five_megabyte_note_is_read_whole() -> None:
    unit = "\n\n".join(p.read_text() for p in sorted(NOTES.glob("*.md")) if "unclosed" not in p.name) + "\n\n"
    text = (unit * (5_000_000 // len(unit) + 1))[:5_000_000]
    found = read_code_blocks(text)
    assert len(found) > 1000 and sum(len(b.claims) for b in found) > 1000


def test_five_megabyte_note_of_distinct_blocks_is_read_whole() -> None:
    prose = "这一段解释上面的代码在做什么，以及为什么 loss 会变小。" * 12
    cells = [
        f"## 第{i}节\n\n{prose}\n\n```python\nimport torch\n"
        f"x{i} = torch.ones({i % 5 + 1})\nprint(x{i}.sum())  # tensor({i % 5 + 1}.)\n```\n\n"
        for i in range(6000)
    ]
    text = "".join(cells)
    text = (text * (5_000_000 // len(text) + 1))[:5_000_000]
    found = read_code_blocks(text)
    assert len(found) > 5000


# ---- the seed note -----------------------------------------------------------------------------------------


@pytest.mark.skipif(not SEED_NOTE.exists(), reason="the seed note is not in ../shared/seed")
def test_seed_note_claims() -> None:
    found = read_code_blocks(read_note(SEED_NOTE))
    claims = {claim.line: (block, claim) for block in found for claim in block.claims}

    block, error = claims[40]
    assert (error.kind, error.exception_type, error.form) == ("exception", "RuntimeError", "error-comment")
    assert error.exception_message == "Can only calculate the mean of floating types. Got Long instead."
    assert block.code.split("\n")[error.statement_line - 1 if error.statement_line else 0] == "print(result)"

    for line, text, statement in [(57, "tensor(0.6667)", 56), (75, "tensor(2.)", 74), (129, "tensor(1.1019)", 128)]:
        block, claim = claims[line]
        assert (claim.kind, claim.text, claim.form) == ("printed", text, "next-line-comment")
        assert claim.statement_line == statement - block.line  # the print's line, counted in the block
        assert block.code.split("\n")[statement - block.line - 1].startswith("print(")

    facts = {line: claims[line][1].gradient_fact for line in (258, 259, 260)}
    assert facts == {258: "before_none", 259: "after_set", 260: "without_backward_none"}
    assert all(claims[line][1].form == "gradient-comment" for line in facts)

    assert sorted(claims) == [40, 57, 75, 129, 258, 259, 260]  # prose (lines 61, 123, 124, 256, 257) is not claimed


# ---- annotated claims: the value is the claim, the rest its annotation --------------------------------------


@pytest.mark.parametrize(
    ("statement", "text", "annotation"),
    [
        ("print(x)  # tensor([1.])  # matches x = torch.ones(1)", "tensor([1.])", "matches x = torch.ones(1)"),
        ("print(a.requires_grad)  # True, since requires_grad defaults to False", "True", "since"),
        ("print(x.shape)  # torch.Size([2, 3])  -- > [N, C]", "torch.Size([2, 3])", "-- > [N, C]"),
        ("print(z.requires_grad)  # False，因为 x 不需要梯度", "False", "因为 x 不需要梯度"),
        ("print(m)  # tensor([1.5, 3.5])  第一行平均是1.5", "tensor([1.5, 3.5])", "第一行平均是1.5"),
        ("print(s)  # 2 (the sum)", "2", "(the sum)"),
        ("print(y.grad)  # y.grad: tensor([1.])", "tensor([1.])", "y.grad"),
        ("print(m @ v)  # m @ v: tensor([3., 7.])", "tensor([3., 7.])", "m @ v"),
        ("print(loss)  # loss = tensor(0.5)", "tensor(0.5)", "loss"),
        ("print(r)  # => tensor(2.)  (1+1)", "tensor(2.)", "(1+1)"),
    ],
)
def test_annotated_values(statement: str, text: str, annotation: str) -> None:
    (claim,) = python(statement)
    assert (claim.kind, claim.line, claim.text, claim.statement_line) == ("printed", 2, text, 1)
    assert annotation in claim.annotation


@pytest.mark.parametrize(
    "comment",
    [
        "# 1. 导入库",  # a step number then prose: a bare number takes no CJK word as its annotation
        "# 1 is the batch size",
        "# 2D tensor here",
        "# True positives are counted below",
        "# shape: (N, C)",  # a name, but what follows is no value
        "# 注意：下面用的是 mean",
        "# x = the input",
    ],
)
def test_prose_that_starts_like_a_value_is_not_a_claim(comment: str) -> None:
    assert python("print(x)", comment) == []
    assert python(f"print(x)  {comment}") == []
    assert python("x = 1", comment, "print(x)") == []


def test_named_claim_with_the_value_on_the_lines_below() -> None:
    (claim,) = python("print(y)", "# y =", "# tensor([[2., 3.],", "#         [2., 3.]])")
    assert brief(claim) == ("printed", 4, "tensor([[2., 3.],\n        [2., 3.]])", "next-line-comment", 1)
    assert claim.annotation == "y"
    assert python("print(y)", "# y =", "# the doubled input") == []


def test_claim_written_above_its_print() -> None:
    claims = python(
        "a = torch.ones(2)",
        "# False, because requires_grad is False by default",
        "print(a.requires_grad)",
        "print(a.sum())  # tensor(2.)",
        "# True, since the sum is positive",
        "print(a.sum() > 0)",
    )
    assert [(c.line, c.text, c.form, c.statement_line) for c in claims] == [
        (3, "False", "comment-above", 3),
        (5, "tensor(2.)", "trailing-comment", 4),
        (6, "True", "comment-above", 6),  # the print above has its own claim already
    ]


@pytest.mark.parametrize("comment", ["# 3", "# 2.5", "# 打印 a", "# Step 2", "# shape is (N, C)"])
def test_a_bare_number_or_prose_above_a_print_is_not_a_claim(comment: str) -> None:
    assert python("a = torch.ones(2)", comment, "print(a.sum())") == []


def test_header_and_working_around_a_claimed_output() -> None:
    claims = python(
        "print(m)",
        "'''[output]:",
        "tensor(1.)",
        "'''",
        "print(m)",
        "# 输出：",
        "# tensor(1.)",
        "# (1+0+2)/3 = 1.0000",
        "print(m)",
        "# tensor(1.)",
        "# (1+0+2)/3 = 1.0000",
    )
    assert [(c.line, c.text, c.annotation) for c in claims] == [
        (4, "tensor(1.)", "[output]:"),
        (8, "tensor(1.)", "(1+0+2)/3 = 1.0000"),
        (11, "tensor(1.)", ""),  # the working line is a comment of its own, not part of the claim
    ]


def test_strings_of_several_values_keep_every_line() -> None:
    (claim,) = python("for i in range(2):", "    print(i)", "'''", "Out: 0", "1", "'''")
    assert claim.text == "Out: 0\n1"  # a line that is no header, and no working: kept
    (loop,) = python("print(a)", "'''", "0", "1", "'''")
    assert (loop.text, loop.annotation) == ("0\n1", "")


def test_old_prints_over_comment_lines_are_one_claim() -> None:
    claims = python(
        "print(x.grad)",
        "# Variable containing:",
        "#  3  3",
        "#  3  3",
        "# [torch.FloatTensor of size 2x2]",
        "print(y)",
        "# ",
        "#  12",
        "# [torch.FloatTensor of size 1]",
    )
    assert [(c.line, c.text) for c in claims] == [
        (3, "Variable containing:\n 3  3\n 3  3\n[torch.FloatTensor of size 2x2]"),
        (9, " 12\n[torch.FloatTensor of size 1]"),
    ]


# ---- outputs after the block: nbconvert, labels, quotes, tracebacks -----------------------------------------


def test_nbconvert_indented_output_after_the_fence() -> None:
    (block,) = read_code_blocks(lines("```python", "x", "```", "", "", "", "    tensor([1., 2.])", "    True", ""))
    (claim,) = block.claims
    assert brief(claim) == ("printed", 7, "tensor([1., 2.])\nTrue", "indented-output", None)


def test_an_indented_block_after_prose_or_holding_code_is_not_output() -> None:
    prose = lines("```python", "x", "```", "", "Now some explanation of the step.", "", "    tensor([1.])")
    assert read_code_blocks(prose)[0].claims == ()
    code = lines("```python", "x = 1", "```", "", "    y = torch.ones(2)", "    z = y * 2")
    assert read_code_blocks(code)[0].claims == ()


@pytest.mark.parametrize("label", ["Out[2]:", "Out[ ]:", "输出：", "Output:", "运行结果："])
def test_labelled_unlabelled_fence_is_output(label: str) -> None:
    (block,) = read_code_blocks(lines("```python", "print(x)", "```", "", label, "", "```", "tensor(3.)", "```"))
    assert [(c.line, c.text, c.form) for c in block.claims] == [(8, "tensor(3.)", "output-block")]


def test_quoted_output() -> None:
    (block,) = read_code_blocks(lines("```python", "print(x)", "```", "", "It prints:", "", "> tensor(0.6667)"))
    assert [(c.line, c.text, c.form) for c in block.claims] == [(7, "tensor(0.6667)", "quoted-output")]
    (prefixed,) = read_code_blocks(lines("```python", "print(x)", "```", "", "> Output: tensor(2.)"))
    assert [c.text for c in prefixed.claims] == ["tensor(2.)"]
    (two,) = read_code_blocks(lines("```python", "print(x)", "```", "", "> tensor(1.)", "> tensor(2.)"))
    assert [(c.line, c.text) for c in two.claims] == [(5, "tensor(1.)\ntensor(2.)")]


@pytest.mark.parametrize("quote", ["> Note: the default reduction is mean.", "> 注意：这里用的是 mean", "> x"])
def test_a_quote_of_prose_is_not_output(quote: str) -> None:
    (block,) = read_code_blocks(lines("```python", "print(x)", "```", "", quote))
    assert block.claims == ()


def test_tracebacks_in_outputs_are_exception_claims() -> None:
    nbconvert = lines(
        "```python",  # 1
        "a + b",
        "```",
        "",
        "    ---------------------------------------------------------------------------",  # 5
        "",
        "    RuntimeError                              Traceback (most recent call last)",
        "",
        "    Cell In[5], line 1",
        "    ----> 1 a + b",
        "",
        "",
        "    RuntimeError: The size of tensor a (3) must match the size of tensor b (2)",  # 13
    )
    (claim,) = read_code_blocks(nbconvert)[0].claims
    assert (claim.kind, claim.line, claim.form, claim.exception_type) == (
        "exception",
        13,
        "indented-output",
        "RuntimeError",
    )
    assert claim.exception_message == "The size of tensor a (3) must match the size of tensor b (2)"
    fence = lines("```python", "x.view(2, 2)", "```", "", "```", "RuntimeError: shape '[2, 2]' is invalid", "```")
    (error,) = read_code_blocks(fence)[0].claims
    assert (error.kind, error.line, error.exception_type) == ("exception", 6, "RuntimeError")
    # what was printed, then the error's last line (the author cut the traceback): two claims
    printed, error = read_code_blocks(lines("```python", "x", "```", "", "```", "ok", "ValueError: bad", "```"))[
        0
    ].claims
    assert (printed.kind, printed.text, printed.before_error, error.kind, error.line) == (
        "printed",
        "ok",
        True,
        "exception",
        7,
    )
    # code that catches the error prints its line itself: printed output
    catching = lines("```python", "try:", "    x", "except ValueError as e:", "    print('ValueError:', e)", "```")
    (printed,) = read_code_blocks(catching + "\n" + lines("```", "ok", "ValueError: bad", "```"))[0].claims
    assert (printed.kind, printed.text) == ("printed", "ok\nValueError: bad")


# ---- errors claimed in the prose right after a block ---------------------------------------------------------


@pytest.mark.parametrize(
    ("prose", "kind", "message"),
    [
        ("这样写会报错，因为 y 不是标量。", None, None),
        ("运行这段代码会报错：`RuntimeError: grad can be implicitly created only for scalar outputs`",
         "RuntimeError", "grad can be implicitly created only for scalar outputs"),
        ("This raises an error.", None, None),
        ("This raises a `RuntimeError`: the graph is freed.", "RuntimeError", None),  # prose after the colon
        ("It raises RuntimeError: the graph is freed.", "RuntimeError", None),
        ("This gives an error: `IndexError: index 5 is out of bounds`.", "IndexError", "index 5 is out of bounds"),
    ],
)  # fmt: skip
def test_error_claimed_in_prose_after_the_block(prose: str, kind: str | None, message: str | None) -> None:
    (block,) = read_code_blocks(lines("```python", "y.backward()", "```", "", prose))
    (claim,) = block.claims
    assert (claim.kind, claim.line, claim.form, claim.statement_line) == ("exception", 5, "error-prose", None)
    assert (claim.exception_type, claim.exception_message) == (kind, message)


def test_error_claimed_in_an_admonition_after_the_block() -> None:
    text = lines("```python", "y.backward()", "```", "", "!!! danger", "    This raises a `RuntimeError`.")
    (claim,) = read_code_blocks(text)[0].claims
    assert (claim.line, claim.exception_type) == (6, "RuntimeError")


@pytest.mark.parametrize(
    "prose",
    [
        "如果不加 .float() 就会报错。",  # a condition: not the block as written
        "否则会报错。",
        "If you forget `.float()`, this raises an error.",
        "This does not raise an error, because x requires grad.",
        "这样写不会报错。",
        "The derivative of the sigmoid at zero is 0.25.",
        "A long paragraph " + "that goes on " * 30 + "and finally says it raises an error.",
    ],
)
def test_prose_that_is_no_error_claim(prose: str) -> None:
    (block,) = read_code_blocks(lines("```python", "y.backward()", "```", "", prose))
    assert block.claims == ()


def test_only_the_paragraph_right_after_the_block_claims_an_error() -> None:
    text = lines("```python", "y.backward()", "```", "", "First a word on shapes.", "", "This raises an error.")
    assert read_code_blocks(text)[0].claims == ()
    claimed = lines("```python", "y.backward()  # 报错", "```", "", "这样写会报错。")  # claimed once, in the code
    assert [c.form for c in read_code_blocks(claimed)[0].claims] == ["error-comment"]


# ---- code in unlabelled fences ---------------------------------------------------------------------------------


def test_unlabelled_fence_of_torch_code_is_a_block() -> None:
    text = lines(
        "```",
        "import torch",
        "x = torch.ones(2)",
        "x.sum()  # tensor(2.)",
        "```",
        "",
        "```",
        "y = torch.zeros(1)",
        "```",
    )
    found = read_code_blocks(text)
    assert [(b.index, b.line) for b in found] == [(1, 1), (2, 7)]
    assert [c.text for c in found[0].claims] == ["tensor(2.)"]


@pytest.mark.parametrize(
    "content",
    [
        ["pip install torch"],
        ["[N, C] -> [N, 1, C]"],
        ["x = 1", "print(x)"],
        ["torch.Size([2, 3])"],
        ["tensor([1., 2.])"],
    ],
)
def test_unlabelled_fences_that_are_not_torch_code(content: list[str]) -> None:
    assert read_code_blocks(lines("Some text.", "", "```", *content, "```")) == []


# ---- REPL transcripts, read as doctest reads them -----------------------------------------------------------------


def test_pycon_transcript() -> None:
    text = lines(
        "```pycon",  # 1
        ">>> import torch",
        ">>> t = torch.arange(3)",
        ">>> t.sum()",
        "tensor(3)",  # 5
        ">>> for i in range(2):",
        "...     print(i)",
        "...",
        "0",
        "1",  # 10
        ">>> t[5]",
        "Traceback (most recent call last):",
        '  File "<stdin>", line 1, in <module>',
        "IndexError: index 5 is out of bounds for dimension 0 with size 3",  # 14
        "```",
    )
    (block,) = read_code_blocks(text)
    assert block.transcript
    # The code keeps the transcript's lines: code line n is note line n + 1, outputs are blank lines.
    assert block.code.split("\n")[:8] == ["import torch", "t = torch.arange(3)", "t.sum()", "", "for i in range(2):",
                                          "    print(i)", "", ""]  # fmt: skip
    assert [(c.kind, c.line, c.text, c.form, c.statement_line) for c in block.claims] == [
        ("printed", 5, "tensor(3)", "doctest", 3),
        ("printed", 9, "0\n1", "doctest", 6),  # a loop's prints are all on one line: that line's outputs
        ("exception", 14, "IndexError: index 5 is out of bounds for dimension 0 with size 3", "doctest", 10),
    ]
    assert block.claims[2].exception_type == "IndexError"
    assert "x" not in block.uses and "t" in block.defines


def test_a_transcript_loop_printing_from_two_lines_claims_the_whole_output() -> None:
    text = lines(
        "```pycon",
        ">>> for i in range(2):",
        "...     print(i)",
        "...     print(-i)",
        "...",
        "0",  # 6
        "0",
        "1",
        "-1",
        "```",
    )
    (block,) = read_code_blocks(text)
    assert [(c.line, c.statement_line) for c in block.claims] == [(6, None)]


def test_prompts_in_a_python_or_unlabelled_fence_are_a_transcript() -> None:
    for fence in ("```python", "```"):
        (block,) = read_code_blocks(lines(fence, ">>> import torch", ">>> torch.ones(1)", "tensor([1.])", "```"))
        assert block.transcript and [(c.line, c.text) for c in block.claims] == [(4, "tensor([1.])")]


def test_a_block_that_only_mentions_prompts_is_no_transcript() -> None:
    (block,) = read_code_blocks(lines("```python", "x = 1", "# >>> x", "# 1", "```"))
    assert not block.transcript and block.code == "x = 1\n# >>> x\n# 1\n"
    (example,) = read_code_blocks(lines("```pycon", ">>> x = 1", "", "prose after a blank line", "```"))
    assert example.claims == ()  # doctest: a blank line ends the example, what follows is no output


def test_ipython_transcript() -> None:
    text = lines(
        "```ipython",  # 1
        "In [1]: import torch",
        "",
        "In [2]: x = torch.ones(2)",
        "",
        "In [3]: x.sum()",  # 6
        "Out[3]: tensor(2.)",
        "",
        "In [4]: for i in range(2):",
        "   ...:     print(i)",
        "   ...:",
        "0",  # 12
        "1",
        "```",
    )
    (block,) = read_code_blocks(text)
    assert block.transcript and block.code.split("\n")[8] == "    print(i)"
    assert [(c.line, c.text, c.statement_line) for c in block.claims] == [(7, "tensor(2.)", 5), (12, "0\n1", 9)]
    # an `In [1]:` label above a fence is prose, and a fence of plain code with the word `In` is code
    (plain,) = read_code_blocks(lines("In [1]:", "", "```python", "In = 1", "print(In)  # 1", "```"))
    assert not plain.transcript and [c.text for c in plain.claims] == ["1"]


@pytest.mark.parametrize(
    ("statement", "unverifiable"),
    [
        ("print(id(a))  # 2112716404344", True),
        ("print(time.time() - start)  # 0.52", True),
        ("print(len(ids))  # 3", False),  # `ids` is a name, not id()
        ("print(a.id)  # 7", False),
    ],
)
def test_values_of_addresses_and_clocks_are_unverifiable(statement: str, unverifiable: bool) -> None:
    (claim,) = python(statement)
    assert (claim.unverifiable is not None) is unverifiable


@pytest.mark.parametrize(
    ("comment", "text"),
    [
        ("# 输出 tensor([1., 2.])", "tensor([1., 2.])"),
        ("# 结果为 2", "2"),
        ("#> tensor(1.)", "tensor(1.)"),
        ("# prints 3", "3"),
    ],
)
def test_output_words_without_a_colon_before_a_value(comment: str, text: str) -> None:
    (claim,) = python(f"print(x)  {comment}")
    assert (claim.text, claim.form) == (text, "output-prefix")


@pytest.mark.parametrize(
    "comment", ["# 输出 x 的形状", "# output layer", "# > see the next block", "# prints the loss"]
)
def test_output_words_before_prose_are_not_claims(comment: str) -> None:
    assert python(f"print(x)  {comment}") == []


@pytest.mark.parametrize("prose", ["下面这段代码会报错：", "The next cell raises a `RuntimeError`:", "以下写法会报错"])
def test_an_error_announced_before_a_block_is_claimed_for_that_block(prose: str) -> None:
    first, second = read_code_blocks(
        lines("```python", "x = 1", "```", "", prose, "", "```python", "y.backward()", "```")
    )
    assert first.claims == ()  # prose after the first block, but it speaks of the one below
    (claim,) = second.claims
    assert (claim.kind, claim.line, claim.form) == ("exception", 5, "error-prose")


def test_prose_before_a_block_that_does_not_announce_it_claims_nothing() -> None:
    text = lines(
        "Backward raises an error when the output is not a scalar.", "", "```python", "y.sum().backward()", "```"
    )
    assert read_code_blocks(text)[0].claims == ()  # a general remark, not "the next block raises"


def test_error_words_label_only_a_traceback() -> None:
    traceback = lines("```python", "x.view(2, 2)", "```", "", "运行后报错：", "", "```", "RuntimeError: shape", "```")
    assert [c.kind for c in read_code_blocks(traceback)[0].claims] == ["exception"]
    value = lines("```python", "print(x)", "```", "", "Errors:", "", "```", "tensor(1.)", "```")
    assert read_code_blocks(value)[0].claims == ()


def test_a_python_fence_of_a_method_call_is_code_not_output() -> None:
    found = read_code_blocks(lines("```python", "y = x.sum()", "```", "", "```python", "y.backward()", "```"))
    assert [(b.line, b.code, b.claims) for b in found] == [(1, "y = x.sum()\n", ()), (5, "y.backward()\n", ())]


# ---- outputs written as a plain paragraph, a MyST directive, an Obsidian callout, a folded <details> --------


def _outputs(text: str) -> list[tuple[str, int, str, str]]:
    return [(c.kind, c.line, c.text, c.form) for block in read_code_blocks(text) for c in block.claims]


def test_a_paragraph_after_an_output_label_is_the_output_with_its_padding() -> None:
    text = lines(
        "```python",
        "print(torch.eye(2))",
        "```",
        "",
        "运行结果：",  # 5
        "",
        "tensor([[1., 0.],",  # 7
        "        [0., 1.]])",
    )
    assert _outputs(text) == [("printed", 7, "tensor([[1., 0.],\n        [0., 1.]])", "paragraph-output")]


def test_a_paragraph_is_output_only_after_a_label_and_only_when_it_reads_as_printed() -> None:
    code = lines("```python", "print(torch.ones(1))", "```", "")
    assert _outputs(code + "\n" + lines("tensor([1.])")) == []  # no label: a value in prose is the author's
    assert _outputs(code + "\n" + lines("结果：", "", "可以看到全是 1。")) == []  # prose after the label
    assert _outputs(code + "\n" + lines("Output:", "", "We can see it is one.")) == []
    assert len(_outputs(code + "\n" + lines("Output:", "", "tensor([1.])"))) == 1


def test_a_pasted_script_output_holds_what_was_printed_then_the_error() -> None:
    text = lines(
        "```python",
        "print(t.is_contiguous())",
        "print(t.view(6))",
        "```",
        "",
        "运行结果：",
        "",
        "False",  # 8
        "Traceback (most recent call last):",
        '  File "demo.py", line 2, in <module>',
        "RuntimeError: view size is not compatible",  # 11
    )
    (block,) = read_code_blocks(text)
    printed, error = block.claims
    assert (printed.kind, printed.line, printed.text, printed.before_error) == ("printed", 8, "False", True)
    assert (error.kind, error.line, error.lines, error.exception_type) == ("exception", 11, (9, 11), "RuntimeError")


def test_myst_code_cells_and_code_blocks_with_options() -> None:
    text = lines(
        "```{code-cell} ipython3",
        ":tags: [hide-input]",
        "x = torch.ones(2)",
        "x.sum()",  # 4
        "```",
        "",
        "```{code-block} text",
        ":caption: output",
        "tensor(2.)",  # 9
        "```",
        "",
        "```{note}",
        "x.sum() is a tensor",
        "```",
    )
    (block,) = read_code_blocks(text)
    assert block.code == "\nx = torch.ones(2)\nx.sum()\n"  # the option line blanked: lines stay note lines
    assert [(c.line, c.text, c.form) for c in block.claims] == [(9, "tensor(2.)", "output-block")]


def test_an_obsidian_callout_titled_output_holds_the_output() -> None:
    text = lines(
        "```python",
        "print(x.grad)",
        "```",
        "",
        "> [!note] Output",
        "> `tensor([2., 4.])`",  # 6
        "",
        "```python",
        "x.grad.zero_()",
        "```",
        "",
        "> [!tip] Remember",
        "> zero the gradients before each step",
    )
    first, second = read_code_blocks(text)
    assert [(c.line, c.text, c.form) for c in first.claims] == [(6, "tensor([2., 4.])", "quoted-output")]
    assert second.claims == ()  # a callout of prose is not output


def test_an_output_folded_in_details_is_the_output() -> None:
    text = lines("```python", "print(x.shape)", "```", "", "<details>", "<summary>Output</summary>", "", "```text")  # 8
    text += "\n" + lines("torch.Size([2])", "```", "", "</details>")
    assert _outputs(text) == [("printed", 10, "torch.Size([2])", "output-block")]


# ---- an output block split among the prints that wrote it ----------------------------------------------------


def test_each_print_owns_its_lines_of_the_output_block() -> None:
    text = lines(
        "```python",
        "print(a.shape)",  # block line 1
        "print(m)",  # 2
        "m.weight.shape",  # 3: shown by Jupyter
        "```",
        "",
        "```text",
        "torch.Size([4, 2])",  # 8
        "Linear(",  # 9
        "  in_features=2, out_features=1, bias=True",
        ")",
        "torch.Size([1, 2])",  # 12
        "```",
    )
    (block,) = read_code_blocks(text)
    assert [(c.line, c.statement_line, c.text.split("\n")[0]) for c in block.claims] == [
        (8, 1, "torch.Size([4, 2])"),
        (9, 2, "Linear("),
        (12, 3, "torch.Size([1, 2])"),
    ]


def test_an_output_stays_whole_when_its_lines_do_not_pair_with_the_prints() -> None:
    loop = lines("```python", "for i in range(2):", "    print(i)", "print('done')", "```", "", "```")
    loop += "\n" + lines("0", "1", "done", "```")
    assert [c.text for c in read_code_blocks(loop)[0].claims] == ["0\n1\ndone"]
    fewer = lines("```python", "print(a)", "print(b)", "```", "", "```", "1", "2", "3", "```")
    assert [c.text for c in read_code_blocks(fewer)[0].claims] == ["1\n2\n3"]


def test_printed_ids_and_clock_readings_are_unverifiable() -> None:
    text = lines(
        "```python",
        "print(id(a), id(b))",
        "print(a.data_ptr() == b.data_ptr())",
        "print(f'took {time.perf_counter() - t0:.2f} s')",
        "print(x.id)",  # an attribute named id is no id() call
        "```",
        "",
        "```",
        "2158493126720 2158493127232",
        "True",
        "took 0.42 s",
        "7",
        "```",
    )
    (block,) = read_code_blocks(text)
    assert [(c.text, bool(c.unverifiable)) for c in block.claims] == [
        ("2158493126720 2158493127232", True),
        ("True", False),
        ("took 0.42 s", True),
        ("7", False),
    ]
    assert "changes on every run" in (block.claims[0].unverifiable or "")


def test_prose_about_an_error_after_an_output_that_shows_none_is_about_a_variant() -> None:
    text = lines("```python", "print(a.view(2, -1).shape)", "```", "", "运行结果：", "", "torch.Size([2, 6])", "")
    text += "\n" + lines("（注意：写两个 -1 会报错。）")
    assert [c.kind for c in read_code_blocks(text)[0].claims] == ["printed"]


def test_what_i_get_labels_the_output_below_it() -> None:
    code = lines("```python", "print(w.grad)", "```", "", "But what I get is:", "", "```")
    assert _outputs(code + "\n" + lines("tensor([1.])", "```")) == [("printed", 9, "tensor([1.])", "output-block")]
    session = lines("```python", "x = 1", "```", "", "Printed, we get:", "", "```pycon", ">>> x", "1", "```")
    assert len(read_code_blocks(session)) == 2  # a REPL session is code, not output


def test_what_the_author_says_a_print_should_show_is_a_claim() -> None:
    text = lines("```python", "print(w.grad)  # should be tensor([-0.2000])", "print(v)  # 应该是 tensor(1.)", "```")
    assert [(c.line, c.text) for c in read_code_blocks(text)[0].claims] == [(2, "tensor([-0.2000])"), (3, "tensor(1.)")]


def test_a_comment_on_one_tensors_grad_state_is_a_gradient_claim_about_it() -> None:
    text = lines(
        "```python",
        "c.backward()",
        "# b.grad is populated now, not None",  # 3
        "print(b.grad)",
        "# w.grad 为 None",  # 5
        "```",
    )
    claims = read_code_blocks(text)[0].claims
    assert [(c.kind, c.line, c.gradient_fact, c.subject) for c in claims] == [
        ("gradients", 3, "is_set", "b"),
        ("gradients", 5, "is_none", "w"),
    ]
    later = lines("```python", "# w.grad is None here", "loss.backward()", "```")
    assert read_code_blocks(later)[0].claims == ()  # backward after it: the state it names is gone by the end


def test_an_error_written_under_an_output_prefix_is_an_exception_claim() -> None:
    text = lines(
        "```python", "ce(logits, labels.float())", "# 输出：", "# RuntimeError: expected scalar type Long", "```"
    )
    (claim,) = read_code_blocks(text)[0].claims
    assert (claim.kind, claim.line, claim.exception_type) == ("exception", 4, "RuntimeError")
    assert claim.exception_message == "expected scalar type Long"


def test_prose_about_an_error_that_ends_in_a_colon_speaks_of_the_block_after_it() -> None:
    first = lines("```python", "x = torch.ones(2)", "```", "", "下标越界也会报错（只有两个元素）：", "")
    (a, b) = read_code_blocks(first + "\n" + lines("```python", "x[5]", "```"))
    assert a.claims == ()
    assert [(c.kind, c.form) for c in b.claims] == [("exception", "error-prose")]
    # the error sentence comes first, a colon ends the next one: the error is the block above's
    told = lines("```python", "x[5]", "```", "", "This one raises an error too. The other way round is fine:", "")
    (a, b) = read_code_blocks(told + "\n" + lines("```python", "x[1]", "```"))
    assert [c.kind for c in a.claims] == ["exception"] and b.claims == ()


def test_a_paragraph_that_opens_with_what_the_block_printed_claims_it() -> None:
    code = lines("```python", "big.sum().item()", "```", "")
    assert _outputs(code + "\n" + lines("prints `12.0`.")) == [("printed", 6, "12.0", "prose-output")]
    assert _outputs(code + "\n" + lines("It returns `tensor(12.)` as expected.")) == [
        ("printed", 6, "tensor(12.)", "prose-output")
    ]
    assert _outputs(code + "\n" + lines("输出 `12.0`。")) == [("printed", 6, "12.0", "prose-output")]
    # further into a paragraph, or not a value, it is explanation
    assert _outputs(code + "\n" + lines("Summing all the ones prints `12.0`.")) == []
    assert _outputs(code + "\n" + lines("It returns `a new tensor` each time.")) == []


def test_a_sentence_under_an_output_label_is_prose_even_when_it_starts_with_a_number() -> None:
    code = lines("```python", "print(model)", "```", "", "Output:", "")
    assert _outputs(code + "\n" + lines("3 things stand out in this output.")) == []
    repr_text = lines("Net(", "  (fc): Linear(in_features=2, out_features=1, bias=True)", ")")
    assert [kind for kind, *_ in _outputs(code + "\n" + repr_text)] == ["printed"]


# ---- knitr, sphinx-gallery, blog engines, cheat-sheet tables, notebooks' stored figures ----------------------


def test_knitr_output_lines_lose_their_hash_prefix() -> None:
    text = lines("``` python", "print(a.dtype)", "```", "", "```", "## torch.int64", "```")
    assert _outputs(text) == [("printed", 6, "torch.int64", "output-block")]
    matrix = lines(
        "```python", "torch.full((2, 2), 7)", "```", "", "```", "## tensor([[7, 7],", "##         [7, 7]])", "```"
    )
    assert _outputs(matrix)[0][2] == "tensor([[7, 7],\n        [7, 7]])"


def test_sphinx_gallery_out_labels_the_fence_below() -> None:
    text = lines("```python", "print(x.grad)", "```", "", "Out:", "", "```", "tensor([7., 9.])", "```")
    assert _outputs(text) == [("printed", 8, "tensor([7., 9.])", "output-block")]


def test_jekyll_highlight_tags_are_fences_and_pre_blocks_are_outputs() -> None:
    text = lines(
        "{% highlight python %}",
        "import torch",
        "print(torch.ones(2) * 2)",
        "{% endhighlight %}",
        "",
        '<pre class="output">',
        "tensor([2., 2.], grad_fn=&lt;MulBackward0&gt;)",  # 7
        "</pre>",
    )
    (block,) = read_code_blocks(text)
    assert (block.line, block.code) == (1, "import torch\nprint(torch.ones(2) * 2)\n")
    assert [(c.line, c.text, c.form) for c in block.claims] == [
        (7, "tensor([2., 2.], grad_fn=<MulBackward0>)", "html-output")
    ]
    hugo = lines("{{< highlight python >}}", "x = 1", "{{< / highlight >}}")
    assert [b.code for b in read_code_blocks(hugo)] == ["x = 1\n"]


def test_a_cheat_sheet_table_row_is_an_expression_and_its_claimed_result() -> None:
    text = lines(
        "```python",
        "import torch",
        "x = torch.arange(6).reshape(2, 3)",
        "```",
        "",
        "| expression | result | note |",
        "| --- | --- | --- |",
        "| `x.shape` | `torch.Size([2, 3])` | |",  # 8
        "| `x.view(4, -1)` | `RuntimeError: shape '[4, -1]' is invalid` | 6 is not divisible by 4 |",  # 9
        "| `x \\| 1` | `tensor([[1, 1, 3], [3, 5, 5]])` | an escaped pipe |",  # 10
        "| just prose | more prose | |",
    )
    setup, *rows = read_code_blocks(text)
    assert not setup.inline
    assert [(b.line, b.code, b.inline == "table row") for b in rows] == [
        (7, "x.shape\n", True),
        (8, "x.view(4, -1)\n", True),
        (9, "x | 1\n", True),
    ]
    assert [(c.kind, c.line, c.statement_line, c.form) for b in rows for c in b.claims] == [
        ("printed", 8, 1, "table-row"),
        ("exception", 9, 1, "table-row"),
        ("printed", 10, 1, "table-row"),
    ]
    assert rows[0].uses == {"x"}


def test_a_table_without_expression_and_result_columns_claims_nothing() -> None:
    text = lines("| name | meaning |", "| --- | --- |", "| `lr` | the learning rate |", "| epoch | one pass |")
    assert read_code_blocks(text) == []


def test_prints_that_describe_the_machine_are_unverifiable() -> None:
    text = lines(
        "```python",
        "print(torch.__version__)",
        "device = 'cuda' if torch.cuda.is_available() else 'cpu'",
        "print(device)",
        "print(torch.ones(1))",
        "```",
        "",
        "```",
        "2.3.1+cu121",
        "cuda",
        "tensor([1.])",
        "```",
    )
    claims = read_code_blocks(text)[0].claims
    assert [(c.text, c.unverifiable is not None) for c in claims] == [
        ("2.3.1+cu121", True),
        ("cuda", True),
        ("tensor([1.])", False),
    ]


def test_a_download_log_is_unverifiable() -> None:
    text = lines("```python", "ds = datasets.MNIST('data', download=True)", "```", "", "Output:", "", "```")
    text += "\n" + lines("Downloading https://example.org/train-images-idx3-ubyte.gz", "```")
    (claim,) = read_code_blocks(text)[0].claims
    assert claim.unverifiable is not None and "download log" in claim.unverifiable


# ---- variants written in the prose after a block, callouts in HTML, R's errors, timings ----------------------


def _variants(text: str) -> list[tuple[int, str, int, str | None, str | None]]:
    """(line, code, claim line, type, message) of each variant the prose wrote."""
    return [
        (b.line, b.code, c.line, c.exception_type, c.exception_message)
        for b in read_code_blocks(text)
        if b.inline == "prose"
        for c in b.claims
    ]


def test_code_written_in_prose_with_the_error_it_raises_is_a_variant_block() -> None:
    text = lines(
        "```python",
        "import torch",
        "m = torch.ones(2, 3)",
        "print(m.t().shape)  # torch.Size([3, 2])",
        "```",
        "",
        "Multiplying it by itself, `torch.mm(m, m)`, fails with",
        "`RuntimeError: mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)`.",
    )
    found = read_code_blocks(text)
    assert [b.inline for b in found] == ["", "prose"]
    assert not any(c.kind == "exception" for c in found[0].claims)  # the block above is not said to raise
    message = "mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)"
    assert _variants(text) == [(6, "torch.mm(m, m)\n", 8, "RuntimeError", message)]
    assert found[1].claims[0].lines == (7, 8)


def test_a_variant_in_chinese_prose_takes_the_message_written_after_the_colon() -> None:
    text = lines(
        "```python", "import torch", "u = torch.tensor([1.0, 2.0])", "```", "",
        "> 注意：例如 `torch.dot(torch.tensor([1, 2]), u)` 运行会报错：RuntimeError: dot : expected both vectors to "
        "have same dtype, but found Long and Float",
    )  # fmt: skip
    ((line, code, _, kind, message),) = _variants(text)
    assert (line, code, kind) == (5, "torch.dot(torch.tensor([1, 2]), u)\n", "RuntimeError")
    assert message == "dot : expected both vectors to have same dtype, but found Long and Float"


def test_a_variant_whose_error_is_the_fence_below_its_sentence() -> None:
    text = lines(
        "```python", "import torch", "m = torch.ones(2, 3)", "```", "",
        "如果直接写 `torch.mm(m, m)`，形状不匹配，运行会报错：", "",
        "```", "RuntimeError: mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)", "```",
    )  # fmt: skip
    assert _variants(text) == [
        (5, "torch.mm(m, m)\n", 9, "RuntimeError", "mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)")
    ]
    assert not read_code_blocks(text)[0].claims  # the error fence is not the block's output


@pytest.mark.parametrize(
    "prose",
    [
        "Calling `torch.mm(m, m.t())` works fine.",  # no error said
        "`torch.mm(m, m)` does not raise an error here.",  # negated
        "The name `torch.mm(m, m)` raises eyebrows.",  # a raise word, but no error named
        "`torch.mm(q, q)` raises RuntimeError.",  # q: a name no block defines, prose about other code
        "Note `m.t()`: then `torch.mm(m, m)` raises RuntimeError.",  # the span nearest the error word is the variant
    ],
)
def test_prose_that_is_not_a_variant_with_its_error(prose: str) -> None:
    text = lines("```python", "import torch", "m = torch.ones(2, 3)", "```", "", prose)
    found = _variants(text)
    assert found == [] or [code for _, code, *_ in found] == ["torch.mm(m, m)\n"]
    if "m.t()`: then" not in prose:
        assert found == []


def test_a_callouts_text_inside_html_tags_is_read_as_prose() -> None:
    text = lines(
        "```python", "import torch", "x = torch.ones(2)", "x.view(3)", "```", "",
        "<aside>", "❌ This raises `RuntimeError: shape '[3]' is invalid for input of size 2`.", "", "</aside>",
    )  # fmt: skip
    ((claim,),) = [b.claims for b in read_code_blocks(text)]
    assert (claim.kind, claim.line, claim.exception_type) == ("exception", 8, "RuntimeError")


def test_rs_report_of_a_python_error_in_knitr_output_is_the_error() -> None:
    text = lines(
        "``` python", "torch.tensor([[1, 2], [3]])", "```", "", "```",
        "## Error in py_call_impl(callable, call_args$unnamed, call_args$named): ValueError: expected sequence of "
        "length 2 at dim 1 (got 1)",
        "## Run `reticulate::py_last_error()` for details.", "```",
    )  # fmt: skip
    ((claim,),) = [b.claims for b in read_code_blocks(text)]
    assert (claim.kind, claim.line, claim.exception_type) == ("exception", 6, "ValueError")
    assert claim.exception_message == "expected sequence of length 2 at dim 1 (got 1)"


def test_a_timing_the_author_printed_is_unverifiable() -> None:
    timing = "4.21 µs ± 38.2 ns per loop (mean ± std. dev. of 7 runs, 100,000 loops each)"
    text = lines("```python", "%timeit model(x)", "```", "", "```", timing, "```")
    ((claim,),) = [b.claims for b in read_code_blocks(text)]
    assert claim.unverifiable and "timing" in claim.unverifiable
    wall = lines("```python", "print(x.sum())", "```", "", "```", "CPU times: user 2 ms", "Wall time: 3 ms", "```")
    assert all(c.unverifiable for b in read_code_blocks(wall) for c in b.claims)
    plain = lines("```python", "print(x.sum())", "```", "", "```", "tensor(3.)", "```")
    assert not any(c.unverifiable for b in read_code_blocks(plain) for c in b.claims)


def test_what_a_notebook_cell_printed_before_its_error_is_claimed_as_such() -> None:
    from nbformat import writes
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    cell = new_code_cell("print(1)\nmodel.weights")
    cell.outputs = [
        new_output("stream", name="stdout", text="1\n"),
        new_output("error", ename="AttributeError", evalue="no weights", traceback=["AttributeError: no weights"]),
    ]
    ((block,),) = [read_code_blocks(writes(new_notebook(cells=[cell])))]
    printed, error = block.claims
    assert (printed.kind, printed.before_error, error.kind) == ("printed", True, "exception")
    alone = new_code_cell("print(1)")
    alone.outputs = [new_output("stream", name="stdout", text="1\n")]
    ((only,),) = [b.claims for b in read_code_blocks(writes(new_notebook(cells=[alone])))]
    assert not only.before_error


def test_what_the_prose_says_an_expression_prints_is_a_variant_claim() -> None:
    text = lines(
        "```python", "import torch", "loss = torch.tensor(1.0) / 3", "```", "",
        "After that, `loss.item()` now prints `0.3333` and `loss * 3` gives", "`tensor(1.)`.",
    )  # fmt: skip
    said = [(b.line, b.code, c.kind, c.line, c.text, c.statement_line) for b in _inline(text) for c in b.claims]
    assert said == [(5, "loss.item()\n", "printed", 6, "0.3333", 1)]  # the first span that says a value
    assert read_code_blocks(text)[1].claims[0].lines == (6, 6)


@pytest.mark.parametrize(
    "prose",
    [
        "`loss.item()` no longer prints `0.5`.",  # negated
        "`loss` is `0.3333` in the sense of the loss above.",  # plain "is": prose says what a name stands for
        "`other.item()` prints `0.3333`.",  # a name no block defines
        "`loss.backward()` prints nothing; `loss` is a leaf.",  # no value said
        "`loss = loss * 2` gives `0.6667`.",  # a statement, not an expression
    ],
)
def test_prose_that_says_no_value_of_an_expression(prose: str) -> None:
    text = lines("```python", "import torch", "loss = torch.tensor(1.0) / 3", "```", "", prose)
    assert _inline(text) == []


def _inline(text: str) -> list[CodeBlock]:
    return [b for b in read_code_blocks(text) if b.inline]


def test_a_console_fence_that_shows_a_script_and_runs_it_is_code_with_its_output() -> None:
    text = lines(
        "I saved it as a script:",
        "",
        "```console",
        "$ cat shapes.py",
        "import torch",
        "print(torch.ones(2, 3).shape)",
        "print(torch.ones(4).sum())",
        "$ python3 shapes.py",
        "torch.Size([2, 3])",
        "tensor(4.)",
        "```",
    )
    (block,) = read_code_blocks(text)
    assert block.code.split("\n")[:5] == ["", "import torch", "print(torch.ones(2, 3).shape)",
                                          "print(torch.ones(4).sum())", ""]  # fmt: skip
    assert [(c.line, c.text, c.statement_line, c.form) for c in block.claims] == [
        (9, "torch.Size([2, 3])", 3, "shell-output"),
        (10, "tensor(4.)", 4, "shell-output"),
    ]


def test_a_heredoc_script_and_its_traceback() -> None:
    text = lines(
        "```bash",
        "(venv) $ cat > bad.py <<'EOF'",
        "import torch",
        "torch.ones(2).view(3)",
        "EOF",
        "(venv) $ python bad.py",
        "Traceback (most recent call last):",
        '  File "bad.py", line 2, in <module>',
        "RuntimeError: shape '[3]' is invalid for input of size 2",
        "```",
    )
    ((claim,),) = [b.claims for b in read_code_blocks(text)]
    assert (claim.kind, claim.line, claim.first_line, claim.exception_type) == ("exception", 9, 7, "RuntimeError")


@pytest.mark.parametrize(
    "session",
    [
        ["$ pip install torch", "Successfully installed torch", "$ python train.py", "done"],  # no script shown
        ["$ cat a.py", "print(1)", "$ cat b.py", "print(2)", "$ python a.py", "1"],  # two scripts
        ["$ cat a.py", "print(1)", "$ python other.py", "1"],  # runs another script
        ["$ cat a.py", "this is not python: at all", "$ python a.py", "1"],  # the script does not parse
    ],
)
def test_shell_fences_that_are_not_one_script_and_its_run(session: list[str]) -> None:
    assert read_code_blocks(lines("```console", *session, "```")) == []


def test_a_traceback_in_a_repl_transcript_starts_at_its_note_line() -> None:
    text = lines(
        "Some prose.",
        "",
        "```pycon",
        ">>> import torch",
        ">>> torch.ones(2).view(3)",
        "Traceback (most recent call last):",  # 6
        '  File "<stdin>", line 1, in <module>',
        "RuntimeError: shape '[3]' is invalid for input of size 2",  # 8
        "```",
    )
    ((claim,),) = [b.claims for b in read_code_blocks(text)]
    assert (claim.kind, claim.lines) == ("exception", (6, 8))


@pytest.mark.parametrize(
    ("comment", "value"),
    [
        ("# tensor(7.) again, the grad is overwritten", "tensor(7.)"),  # a word after a value whose brackets close
        ("# True positives are counted below", None),  # a sentence that opens with a bool
        ("# tensor([1.]) tensor([2.])", "tensor([1.]) tensor([2.])"),  # two values, no prose
    ],
)
def test_prose_after_a_value_whose_brackets_close(comment: str, value: str | None) -> None:
    claims = [c for b in read_code_blocks(lines("```python", "print(x)  " + comment, "```")) for c in b.claims]
    assert [c.text for c in claims] == ([value] if value else [])


def test_an_error_named_after_bao_in_the_prose_is_claimed() -> None:
    text = lines("```python", "a = torch.zeros(3)", "a += torch.ones(2, 3)", "```", "", "这样写就会报 RuntimeError。")
    ((claim,),) = [b.claims for b in read_code_blocks(text)]
    assert (claim.kind, claim.exception_type) == ("exception", "RuntimeError")


def test_a_prose_comment_under_a_blank_line_claims_nothing_of_the_code_above() -> None:
    text = lines(
        "```python", "x.sum()  # tensor(3.)", "", "# 改默认类型（慎用）", "# torch.set_default_dtype(torch.half)", "```"
    )
    assert [c.text for b in read_code_blocks(text) for c in b.claims] == ["tensor(3.)"]


def _found(text: str) -> list[tuple[int, str, str, int | None]]:
    return [(c.line, c.kind, c.text, c.statement_line) for b in read_code_blocks(text) for c in b.claims]


def test_hackmd_fences_and_a_shell_fence_that_shows_output() -> None:
    text = lines("```python=", "import torch", "print(torch.ones(2))", "```", "", "```shell", "tensor([1., 1.])", "```")
    assert _found(text) == [(7, "printed", "tensor([1., 1.])", None)]
    commands = lines("```python!", "print(1)", "```", "", "```bash", "pip install torch", "```")
    assert _found(commands) == []  # a shell fence of commands is no output


def test_a_container_fence_line_is_layout_and_the_prose_error_is_on_the_line_below() -> None:
    text = lines(
        "```python",
        "w.backward()",
        "w.backward()",
        "```",
        "",
        ":::danger",
        "第二次 backward 会报错：RuntimeError",
        ":::",
    )
    assert [(line, kind) for line, kind, *_ in _found(text)] == [(7, "exception")]


def test_an_output_the_machine_prints_is_unverifiable() -> None:
    text = lines(
        "```python", "print(torch.cuda.get_device_name(0))", "```", "", "```", "NVIDIA GeForce RTX 3060", "```"
    )
    ((claim,),) = [b.claims for b in read_code_blocks(text)]
    assert claim.unverifiable and "machine" in claim.unverifiable


def test_an_output_comment_block_under_a_blank_line_is_split_among_the_prints() -> None:
    text = lines(
        "```py", "m = torch.ones(2)", "print(m.sum())", "print(m.shape)", "", "# Output:", "# tensor(2.)",
        "# torch.Size([2])", "```",
    )  # fmt: skip
    assert _found(text) == [(7, "printed", "tensor(2.)", 2), (8, "printed", "torch.Size([2])", 3)]


def test_a_quotes_paragraphs_are_the_outputs_of_one_print_each() -> None:
    text = lines("```python", "print(torch.ones(1).dtype)", "print(torch.ones(1).shape)", "```", "",
                 "> torch.float32", ">", "> torch.Size([1])")  # fmt: skip
    assert _found(text) == [(6, "printed", "torch.float32", 1), (8, "printed", "torch.Size([1])", 2)]


def test_running_it_labels_the_output_below() -> None:
    text = lines("```python", "print(torch.ones(1))", "```", "", "Running it:", "", "```", "tensor([1.])", "```")
    assert _found(text) == [(8, "printed", "tensor([1.])", None)]


def test_uninitialised_memory_and_a_rule_said_of_any_case_are_not_claims_of_values() -> None:
    old = lines("```python", "print(torch.Tensor(2, 3))", "```", "", "```", "0.0000e+00  1.5846e+29", "```")
    ((claim,),) = [b.claims for b in read_code_blocks(old)]
    assert claim.unverifiable
    rule = lines("```python", "c = a + b", "```", "", "维度不满足规则的时候会直接报错。")
    assert _found(rule) == []
