"""Claims: what a note's author wrote that their code printed, raised, or did to the gradients.

`read_code_blocks` walks a note's parts (document.py) and returns its python blocks, each with its claims. Where
the claims are written decides who reads them: comments and strings inside the code (comments.py), an output
after the code (a fence, nbconvert's indented block, a quote, a pasted paragraph, a traceback: outputs.py), the
prose right after a block ("this raises an error", "这样写会报错", a variant written inline: prose.py), a cheat
sheet's table row (tables.py), a REPL transcript read as doctest reads it (transcript.py), a shell session
(shell.py), a ``.ipynb``'s stored outputs (notebook.py). Authors annotate a value (``# True, since ...``,
``# y.grad: tensor([1.])``): the value is the claim and the rest its ``annotation`` (annotations.py).

Here: which parts are blocks, an output split among the prints that wrote it, and a notebook's cells. Pure
Python: no torch import, since this runs where torch is never loaded.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import replace

from harness.notes.answers import with_answers
from harness.notes.comments import (
    CHANGING,
    bracket_depth,
    changing_reason,
    comment_claims,
    guess_statements,
    mark_changing,
    read_statements,
    statement_role,
    string_claims,
)
from harness.notes.document import Block, parts
from harness.notes.names import block_names, random_unseeded
from harness.notes.notebook import Cell, is_notebook, read_notebook, without_magics
from harness.notes.outputs import (
    IN_PROMPT,
    OUTPUT_FORMS,
    bullets_by_statement,
    catches_errors,
    is_code_part,
    is_output,
    output_claims,
    shell_script,
)
from harness.notes.prose import read_variant, shown_result, with_prose_error, with_prose_output
from harness.notes.records import (
    Claim,
    ClaimKind,
    CodeBlock,
    GradientFact,
    InlineKind,
    has_address,
    new_claim,
    parse_code,
    read_traceback,
    unverifiable_reason,
    with_claims,
)
from harness.notes.shell import script_name, script_run
from harness.notes.tables import row_block
from harness.notes.transcript import Example, is_transcript, raised_at, read_transcript

__all__ = ["Claim", "ClaimKind", "CodeBlock", "GradientFact", "has_address", "read_code_blocks"]


def read_code_blocks(text: str, *, source: str = "note") -> list[CodeBlock]:
    """The note's python blocks with their claims; an output after a block is a claim, not a block.

    `text` may be a notebook's JSON (``read_note`` of a ``.ipynb``); `source` names it in errors."""
    if is_notebook(text):
        return _notebook_blocks(read_notebook(text, source))
    found_parts = parts(text)
    if not found_parts:
        return []
    note_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")  # markdown-it's line numbering
    found: list[CodeBlock] = []
    ends: list[int] = []  # each block's last note line, its output included
    analysed: dict[tuple[str, str], tuple[str, bool, _Analysis]] = {}  # notes repeat blocks: read each once
    previous: Block | None = None  # the part just before, when it was a python code block
    again = False  # `previous` has shown an output already: another must be labelled as one
    prompt_end: int | None = None  # the last line of an `In [3]:` prompt pasted as a paragraph, just before
    waiting: tuple[Block, str] | None = None  # a paragraph's variant whose error the fence below it shows
    in_variants: set[int] = set()  # the note lines of paragraphs that speak of a variant, not of the block above
    scripts: dict[str, int] = {}  # a script's file name -> its block's index in `found`
    running: tuple[int, int] | None = None  # (block index, last line) of `$ python q1.py` whose output is below
    for part in found_parts:
        if part.kind == "fence" and (run := _script_run(part, scripts)) is not None:
            index, ran = run
            if ran is None:
                running = (index, part.end)
            else:
                found[index] = with_claims(found[index], _run_claims(found[index].code, ran))
            previous = None
            continue
        if running is not None and part.kind == "fence" and part.line - running[1] <= 2 and not is_code_part(part):
            found[running[0]] = with_claims(found[running[0]], _run_claims(found[running[0]].code, part))
            running = None
            continue
        running = None
        if waiting is not None and (variant := shown_result(*waiting, part, len(found) + 1)) is not None:
            found.append(variant)
            ends.append(part.end)
            waiting = None
            continue
        waiting = None
        if previous is not None and found and is_output(previous, part, note_lines, again=again):
            code = found[-1].code
            output = _changing_output(code, _by_statement(code, output_claims(part, catches=catches_errors(code))))
            if again and any(claim.kind == "exception" for claim in output):  # the error after what it printed
                shown = tuple(
                    replace(c, before_error=True) if c.kind == "printed" and c.form in OUTPUT_FORMS.values() else c
                    for c in found[-1].claims
                )
                found[-1] = replace(found[-1], claims=shown)
            found[-1] = with_claims(found[-1], output)
            ends[-1] = part.end
            # An outliner's bullets (a quote's paragraphs) under the code: the next may hold the next print's output.
            # After a fence, another labelled one may show the same output again ("旧版本输出：", "新版本输出：").
            previous, again = replace(previous, end=part.end), part.kind not in ("item", "quote")
            continue
        pasted = part.kind == "paragraph" and is_code_part(part)  # code pasted as a plain paragraph (OneNote, Word)
        if part.kind in ("paragraph", "item", "quote") and not pasted:
            said = read_variant(part, found, len(found) + 1)
            if isinstance(said, CodeBlock):
                found.append(said)
                ends.append(part.end)
            elif said is not None:
                waiting = (part, said)
            if said is not None:
                in_variants.update(range(part.line, part.end + 1))
                previous = None  # what follows is not the output of the code above
                continue
        if part.kind in ("paragraph", "item") and not pasted:  # prose: a label above an output, or text around
            prompt_end = part.end if IN_PROMPT.fullmatch(part.code.strip()) else None
            continue
        previous = None
        if part.kind == "row":
            if (row := row_block(part, len(found) + 1)) is not None:
                found.append(row)
                ends.append(part.end)
            continue
        if not is_code_part(part, prompted=prompt_end is not None and part.line - prompt_end <= 2):
            continue
        previous, again = part, False
        for piece, top, inline, end in _pieces(part):
            if (piece.language, piece.code) not in analysed:
                analysed[piece.language, piece.code] = _analyse_part(piece)
            code, transcript, (claims, defines, uses, random) = analysed[piece.language, piece.code]
            claims = tuple(
                replace(claim, line=claim.line + top, first_line=claim.first_line and claim.first_line + top)
                for claim in claims
            )
            found.append(
                CodeBlock(
                    len(found) + 1, top, code, claims, defines, uses, random, transcript=transcript, inline=inline
                )
            )
            ends.append(end)
            if name := script_name(_line_above(note_lines, piece.line), code):
                scripts[name] = len(found) - 1
    belows = [block.code for block in found[1:]] + [""] * bool(found)
    read = [
        block
        if block.inline == "prose"
        else with_prose_error(
            with_prose_output(bullets_by_statement(block), end, note_lines), end, note_lines, in_variants, below
        )
        for block, end, below in zip(found, ends, belows, strict=True)
    ]
    return with_answers(read, note_lines)


def _script_run(part: Block, scripts: dict[str, int]) -> tuple[int, Block | None] | None:
    """(the index of the script a fence runs, the output the fence shows under its command or None) when the fence
    is `$ python q1.py` of a script shown earlier in the note (a homework README, a gist)."""
    run = script_run(part.language, part.code)
    if run is None or run[0] not in scripts:
        return None
    name, offset, output = run
    return scripts[name], Block(part.line + offset, "", output, part.end) if output.strip() else None


def _run_claims(code: str, output: Block) -> list[Claim]:
    """What a script's run printed, shown away from the script: split among its prints (a script displays no
    last expression)."""
    claims = [replace(c, form="shell-output") for c in output_claims(output, catches=catches_errors(code))]
    return _changing_output(code, _by_statement(code, claims, displayed=False))


def _line_above(note_lines: Sequence[str], line: int) -> str:
    """The last line holding text in the three above note line `line` (a fence's opening line)."""
    above = [text for text in note_lines[max(0, line - 4) : line - 1] if text.strip()]
    return above[-1] if above else ""


# The line a warning is shown on: `/path/to/torch/_tensor.py:1128: UserWarning: The .grad attribute ...`.
_WARNING_LINE = re.compile(r"(?:.*?:\d+:\s*)?(\w*Warning:\s*\S.*)")


def _stderr_claims(line: int, text: str) -> list[Claim]:
    """What a cell wrote to stderr: each warning it shows is claimed (where it was raised is the author's
    machine's: only its category and message count); a progress bar or a download log is the author's run's."""
    located = [_WARNING_LINE.fullmatch(shown.strip()) for shown in text.split("\n")]
    if not any(located) and (reason := unverifiable_reason(text)) is not None:
        return [replace(new_claim("printed", line, text.strip(), "notebook-stderr", None), unverifiable=reason)]
    return [
        new_claim("printed", line + number, warning.group(1), "notebook-stderr", None)
        for number, warning in enumerate(located)
        if warning is not None
    ]


# VS Code's and Spyder's cell markers: a fence that holds several cells (`#%% 第1题`) is a notebook session.
_CELL_MARKER = re.compile(r"#\s*%%(?!%)")


def _pieces(part: Block) -> list[tuple[Block, int, InlineKind, int]]:
    """The blocks a code part holds: (the part to read, the line above its code, its inline kind, its last line).

    An indented block's line is its first code line, while a block's `line` is the line above its code. A fence
    split by cell markers gives a block per cell, each run as the kernel runs cells: an error in one stops only
    it; such cells, like indented code, have no fence of their own to write a fix into."""
    if part.kind == "indented":
        return [(part, part.line - 1, "indented block", part.end)]
    if part.kind == "paragraph":
        return [(part, part.line - 1, "code paragraph", part.end)]
    if part.kind == "pre":
        return [(part, part.line, "pre block", part.end)]
    lines = part.code.split("\n")
    if is_transcript(part.code):  # a REPL session goes on after an example that raised: so do its pieces
        starts = [0, *raised_at(part.code)]
        if len(starts) < 2:
            return [(part, part.line, "", part.end)]
    else:
        starts = [n for n, line in enumerate(lines) if _CELL_MARKER.match(line.strip())]
        if len(starts) < 2 or not part.is_python:
            return [(part, part.line, "", part.end)]
    starts = ([0] if starts[0] and any(line.strip() for line in lines[: starts[0]]) else []) + starts
    pieces: list[tuple[Block, int, InlineKind, int]] = []
    for first, after in zip(starts, [*starts[1:], len(lines)], strict=True):
        text = "\n".join(lines[first:after]).rstrip("\n") + "\n"
        end = part.line + after if after < len(lines) else part.end
        pieces.append((replace(part, line=part.line + first, code=text, end=end), part.line + first, "cell", end))
    return pieces


_Analysis = tuple[tuple[Claim, ...], frozenset[str], frozenset[str], bool]


def _analyse(code: str) -> _Analysis:
    """A block's claims (lines counted from its fence), names and randomness."""
    tree = parse_code(code)
    statements, calls = read_statements(tree) if tree is not None else (guess_statements(code), None)
    claims = comment_claims(code, statements) + string_claims(statements)  # lines in the code, for now
    claims += _assert_claims(tree) if tree is not None else []
    claims = [piece for claim in claims for piece in _split_among_prints(code, claim)]
    defines, uses = block_names(tree) if tree is not None else (frozenset[str](), frozenset[str]())
    claims.sort(key=lambda c: c.line)
    return tuple(claims), defines, uses, random_unseeded(code, calls)


def _assert_claims(tree: ast.Module) -> list[Claim]:
    """`assert len(ds) == 10` at the top of a block claims that its condition holds when it runs: judged as the
    claim that the condition evaluates to True (a failing assert raises on that line: the claim is false)."""
    return [
        replace(
            new_claim("printed", node.lineno, "True", "assert", node.lineno),
            annotation=f"assert {ast.unparse(node.test)}",
        )
        for node in tree.body
        if isinstance(node, ast.Assert)
    ]


def _split_among_prints(code: str, claim: Claim) -> list[Claim]:
    """`# Output:` over the lines several prints wrote, read as one claim of the last: split among the prints
    when its values pair one to one with them, as an output block's are."""
    if claim.kind != "printed" or claim.form != "output-prefix" or "\n" not in claim.text:
        return [claim]
    split = _by_statement(code, [replace(claim, statement_line=None)], displayed=False)
    return split if len(split) > 1 else [claim]


def _changing_output(code: str, claims: Sequence[Claim]) -> list[Claim]:
    """A block's output claims, unverifiable where the print that wrote one shows a value no rerun reproduces;
    an output not split among its prints, where any line of the block does."""
    lines = code.split("\n")
    anywhere = next((match for line in lines if (match := CHANGING.search(line))), None)
    found: list[Claim] = []
    for claim in claims:
        if claim.statement_line or anywhere is None or claim.kind != "printed" or claim.unverifiable:
            found.append(mark_changing(claim, lines))
        else:
            found.append(replace(claim, unverifiable=changing_reason(anywhere)))
    return found


def _by_statement(code: str, claims: Sequence[Claim], *, displayed: bool = True) -> list[Claim]:
    """An output block split among the statements that printed it, when each printed one value of its own.

    `print(a.shape)`, `print(b.shape)` and an output of two lines: the first line is the first print's, the
    second the second's, and each is judged alone (one wrong shape is not the whole block wrong). A value ends
    where its brackets close at a line's end; when the values do not pair one to one with the block's top-level
    prints (and a last bare expression that Jupyter displays, unless `displayed` is False: a notebook stores that
    value apart from the stream), the output stays one claim. With a print in a loop or a function, they must pair
    with every print the code holds."""
    tree = parse_code(code) if any(c.kind == "printed" and c.statement_line is None for c in claims) else None
    if tree is None:
        return list(claims)
    body = tree.body
    prints = [n.lineno for n in body if isinstance(n, ast.Expr) and statement_role(n) == "print"]
    nested = sorted(
        n.lineno for n in ast.walk(tree) if isinstance(n, ast.Expr) and statement_role(n) == "print" and n not in body
    )
    if nested:  # a print in a loop or a function: how many lines each printed is known only when values pair one
        # to one with every print there is (the loop's print ran once: `if epoch == 0: print(...)`)
        prints, displayed = sorted(prints + nested), False
    last = body[-1] if body and displayed else None
    shown = [last.lineno] if isinstance(last, ast.Expr) and statement_role(last) == "expression" else []
    split: list[Claim] = []
    for claim in claims:
        values = _values(claim.text) if claim.kind == "printed" and claim.statement_line is None else []
        statements = next((s for s in (prints + shown, prints) if len(s) == len(values) > 1), None)
        if statements is None:
            split.append(claim)
            continue
        for statement, (offset, value) in zip(statements, values, strict=True):
            piece = replace(claim, line=claim.line + offset, text=value, statement_line=statement)
            split.append(replace(piece, unverifiable=unverifiable_reason(value)))
    return split


_CONTAINING = re.compile(r"(?:Parameter|Variable) containing:")
_OLD_SIZE = re.compile(r"\[torch\.[\w.]*Tensor of size [\dx]*(?: \(GPU \d+\))?\]")


def _values(text: str) -> list[tuple[int, str]]:
    """(line offset, text) of each printed value in an output: a value ends where its brackets close at a line's end."""
    found: list[tuple[int, str]] = []
    start, depth = 0, 0
    lines = text.split("\n")
    old_repr = False  # inside an old torch's repr, which ends at its `[torch.FloatTensor of size 2x3]` line
    for number, line in enumerate(lines):
        depth += bracket_depth(line)
        if depth < 0:
            return []
        if _CONTAINING.fullmatch(line.strip()):  # `Parameter containing:` heads the value below it
            old_repr = number + 1 < len(lines) and not lines[number + 1].startswith("tensor(")
            continue
        if old_repr:  # an old repr's rows, up to its size line
            old_repr = _OLD_SIZE.fullmatch(line.strip()) is None
            if old_repr:
                continue
        if depth == 0:
            if number >= start and "\n".join(lines[start : number + 1]).strip():
                found.append((start, "\n".join(lines[start : number + 1]).strip()))
            start = number + 1
    return found if depth == 0 else []


def _analyse_part(part: Block) -> tuple[str, bool, _Analysis]:
    """(the code to run, whether it came from a REPL transcript, its analysis)."""
    text = part.code
    if (session := shell_script(part)) is not None:
        return _analyse_shell_session(*session)
    if not is_transcript(text):
        code = without_magics(text)
        return code, False, _analyse(code)
    code, examples = read_transcript(text)
    claims, defines, uses, random = _analyse(code)
    tree = parse_code(code)
    lines = code.split("\n")
    more = [  # `>>> id(x)`: what an example shows that no rerun reproduces
        mark_changing(claim, lines) for example in examples if (claim := _doctest_claim(example, tree)) is not None
    ]
    return code, True, (tuple(sorted((*claims, *more), key=lambda c: c.line)), defines, uses, random)


def _analyse_shell_session(code: str, runs: Sequence[Example]) -> tuple[str, bool, _Analysis]:
    """A script's claims: its comments', and what each run printed, split among its prints as an output block's
    is (a script displays no last expression)."""
    claims, defines, uses, random = _analyse(code)
    output: list[Claim] = []
    for run in runs:
        shown = Block(run.want_line - 1, "", run.want, kind="fence")  # lines counted from the fence, as the code's
        output += [replace(c, form="shell-output") for c in output_claims(shown, catches=catches_errors(code))]
    output = _changing_output(code, _by_statement(code, output, displayed=False))
    return code, False, (tuple(sorted((*claims, *output), key=lambda c: c.line)), defines, uses, random)


def _doctest_claim(example: Example, tree: ast.Module | None) -> Claim | None:
    if not example.want:
        return None
    lines = example.want.split("\n")
    if lines[-1].strip() == "KeyboardInterrupt":  # stopped by hand (Ctrl-C): the example is not run
        interrupt = new_claim("exception", example.want_line + len(lines) - 1, "KeyboardInterrupt", "doctest",
                              example.line, exception=("KeyboardInterrupt", None))  # fmt: skip
        said = "the author stopped it by hand (Ctrl-C): not run here"
        return replace(interrupt, first_line=example.want_line, unverifiable=said)
    if error := read_traceback(example.want):
        kind, message, line_offset = error
        text = example.want.split("\n")[line_offset].strip()
        claim = new_claim("exception", example.want_line + line_offset, text, "doctest", example.line,
                       exception=(kind, message))  # fmt: skip
        return replace(claim, first_line=example.want_line)  # the traceback is written from its first line
    # Tied to its statement when the example is one expression, or a compound statement (a loop) whose every
    # print is on one line; otherwise its output is the block's.
    statement = None
    node = next((n for n in tree.body if n.lineno == example.line), None) if tree is not None else None
    if isinstance(node, ast.Expr) and example.line == example.end:
        statement = example.line
    elif node is not None and example.end > example.line:
        prints = {
            call.lineno
            for call in ast.walk(node)
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "print"
        }
        statement = prints.pop() if len(prints) == 1 else None
    return new_claim("printed", example.want_line, example.want, "doctest", statement)


# ---- notebooks ----------------------------------------------------------------------------------------------


# What `%time` and `%%time` print around the cell's own output: IPython's, and the author's machine's.
_IPYTHON_TIMES = re.compile(r"^(?:CPU times|Wall time):.*(?:\n|$)", re.M)


def _notebook_blocks(cells: Sequence[Cell]) -> list[CodeBlock]:
    """Each code cell a block; its stored outputs are claims: stdout, the displayed value, the error."""
    found: list[CodeBlock] = []
    for cell in cells:
        claims, defines, uses, random = _analyse(cell.code)
        read = [replace(claim, line=claim.line + cell.line) for claim in claims]
        tree = parse_code(cell.code)
        last = tree.body[-1] if tree is not None and tree.body else None
        shown = last.lineno if isinstance(last, ast.Expr) else None  # Jupyter shows the last expression's value
        raised = any(output.kind == "error" for output in cell.outputs)  # what it printed came before the error
        for output in cell.outputs:
            if output.kind == "error":
                exception = (output.exception_type, output.exception_message)
                read.append(
                    new_claim("exception", output.line, output.text, "notebook-error", None, exception=exception)
                )
            elif output.kind == "stderr":
                read += _stderr_claims(output.line, output.text)
            elif output.kind == "display":  # shown, so claimed; but an image is not compared
                figure = new_claim("printed", output.line, output.text.strip(), "notebook-display", None)
                read.append(replace(figure, unverifiable="a figure the cell drew: images are not compared"))
            elif output.kind == "result" and output.text.strip():
                result = new_claim("printed", output.line, output.text.strip(), "notebook-result", shown)
                # `torch.cuda.get_device_name(0)` shows the author's machine; `torch.__version__ >= '2'` a fact
                compared = isinstance(last, ast.Expr) and isinstance(last.value, ast.Compare)
                read.append(result if compared else mark_changing(result, cell.code.split("\n")))
            elif output.text.strip():  # a stream (IPython's timings left out): split among the cell's prints
                printed = _IPYTHON_TIMES.sub("", output.text).strip() or output.text.strip()
                stream = [
                    replace(new_claim("printed", output.line, printed, "notebook-stream", None), before_error=raised)
                ]
                if cell.shell:  # a shell command's output comes with the stream: no run here reproduces it
                    said = f"printed by `{cell.shell[:40]}`, a shell command on the author's machine"
                    stream = [replace(claim, unverifiable=said) for claim in stream]
                read += _changing_output(cell.code, _by_statement(cell.code, stream, displayed=False))
        # What the markdown above says the cell outputs is a claim of its own, beside what the cell stored.
        read += [new_claim("printed", line, value, "notebook-expected", None) for line, value in cell.expected]
        ordered = tuple(sorted(read, key=lambda c: c.line))
        index = len(found) + 1
        found.append(CodeBlock(index, cell.line, cell.code, ordered, defines, uses, random, cell.number, cell.executed))
    return found
