"""harness.notes.claims: the claims a note's author wrote, tied to the statement they are about."""

from __future__ import annotations

import json
import random
import time
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
    assert python("# tensor(1.)", "x = torch.tensor([0.1, 0.2])  # tensor([0.1000, 0.2000])", "y = 3", "# 3") == []


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
    assert len(found) == (2 if fence == "```python" else 1)


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
        ("load(p)  # FileNotFoundError: No such file or directory: '/Users/a/b.pth'", "/Users/a"),
    ],
)
def test_unverifiable_claims_are_kept_with_a_reason(statement: str, reason: str) -> None:
    (claim,) = python(statement)
    assert claim.unverifiable is not None and reason in claim.unverifiable


@pytest.mark.parametrize("statement", ["print(hex(16))  # '0x10'", "print(p)  # 'data/cifar'", "print(r)  # 2/3"])
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
    notes = [p for p in NOTES.iterdir() if not p.name.endswith(".expected.json")]
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
    ]  # fmt: skip
    rng = random.Random(7)
    for _ in range(300):
        text = "".join(rng.choice(fragments) for _ in range(rng.randrange(1, 60)))
        for block in read_code_blocks(text):
            assert block.index >= 1 and all(claim.line >= 1 for claim in block.claims)


def test_hostile_files() -> None:
    assert read_code_blocks(read_note(NOTES / "hostile_no_python.md")) == []
    (block,) = read_code_blocks(read_note(NOTES / "hostile_binary.bin"))
    assert block.code == "print(1 + 1)  # 2\n"
    unclosed = read_code_blocks(read_note(NOTES / "hostile_unclosed_fence.md"))
    assert unclosed[-1].code.endswith("## A heading that is now inside the code block\n")


def test_five_megabyte_note_is_read_quickly() -> None:
    unit = "\n\n".join(p.read_text() for p in sorted(NOTES.glob("*.md")) if "unclosed" not in p.name) + "\n\n"
    text = (unit * (5_000_000 // len(unit) + 1))[:5_000_000]
    start = time.perf_counter()
    found = read_code_blocks(text)
    elapsed = time.perf_counter() - start
    assert elapsed < 5, f"{elapsed:.1f} s"
    assert len(found) > 1000 and sum(len(b.claims) for b in found) > 1000


def test_five_megabyte_note_of_distinct_blocks_is_read_quickly() -> None:
    prose = "这一段解释上面的代码在做什么，以及为什么 loss 会变小。" * 12
    cells = [
        f"## 第{i}节\n\n{prose}\n\n```python\nimport torch\n"
        f"x{i} = torch.ones({i % 5 + 1})\nprint(x{i}.sum())  # tensor({i % 5 + 1}.)\n```\n\n"
        for i in range(6000)
    ]
    text = "".join(cells)
    text = (text * (5_000_000 // len(text) + 1))[:5_000_000]
    start = time.perf_counter()
    found = read_code_blocks(text)
    elapsed = time.perf_counter() - start
    assert elapsed < 5, f"{elapsed:.1f} s"
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
