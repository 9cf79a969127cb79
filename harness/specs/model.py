"""Spec: the data file that says what one note example must do.

A spec is TOML, validated by the pydantic models below; the same models publish the JSON
Schema that editors use to complete and check spec files (``noteproof schema``).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from typing_extensions import TypeAliasType

Device = Literal["cpu", "cuda"]
DEVICES: tuple[Device, ...] = ("cpu", "cuda")
# A named recursive alias, the form pydantic can turn into a schema (PEP 695 syntax needs Python 3.12).
NestedNumbers = TypeAliasType("NestedNumbers", "int | float | list[NestedNumbers]")


class _Strict(BaseModel):
    # Unknown keys are errors: a typo such as `atoll` must not silently loosen a check.
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Claimed(_Strict):
    claim: str | None = Field(None, description="The claim as the note words it, shown as 'expected'.")
    line: int | None = Field(None, ge=1, description="Line of the claim in the note.")


class ValueExpectation(_Claimed):
    """An expression evaluated in the example's namespace after it ran, compared with tolerance."""

    kind: Literal["value"]
    expr: str = Field(description="Python expression, e.g. `result`.")
    equals: NestedNumbers = Field(description="A number, or nested lists for a tensor of that shape.")
    atol: float = Field(1e-4, ge=0)
    rtol: float = Field(0.0, ge=0)


class PrintedExpectation(_Claimed):
    """A printed line (or lines) compared with numeric tolerance: `tensor(2.)` agrees with `tensor(2.0000)`."""

    kind: Literal["printed"]
    text: str = Field(description="What the note says was printed, e.g. `tensor(0.6667)`.")
    output_line: int | None = Field(
        None, description="1-based line of the output to compare (negative counts from the end); any line when unset."
    )
    statement: int | None = Field(
        None,
        ge=1,
        description="Line of the example's code whose output is meant: a print, or a bare expression shown REPL style.",
    )
    before_error: bool = Field(
        False,
        description="The text is what the example printed before it raised: its output shows prints, then a traceback.",
    )
    atol: float = Field(0.0, ge=0)
    rtol: float = Field(0.0, ge=0)


class ExceptionExpectation(_Claimed):
    """The example raises. A changed message with the right type is 'drifted'."""

    kind: Literal["exception"]
    type: str = Field(description="Exception class name, e.g. `RuntimeError`; subclasses match.")
    match: str | None = Field(None, description="Regular expression today's message must match.")
    claimed: str | None = Field(None, description="The message the note claims; a different message is drift.")

    @model_validator(mode="after")
    def _valid_regex(self) -> ExceptionExpectation:
        if self.match is not None:
            try:
                re.compile(self.match)
            except re.error as exc:
                raise ValueError(f"match is not a valid regular expression: {exc}") from exc
        return self


class GradientsExpectation(_Claimed):
    """Facts about `.grad` of the parameters of the modules the example builds."""

    kind: Literal["gradients"]
    module: str | None = Field(
        None, description="Expression naming the module; every module the example built when unset."
    )
    before_backward: Literal["none"] | None = Field(
        None, description="'none': every .grad is None before the first backward()."
    )
    after_backward: Literal["finite", "none"] | None = Field(
        None, description="'finite': a finite tensor of the parameter's shape after backward(); 'none': still None."
    )
    accumulates: bool | None = Field(
        None, description="true: each later backward() adds to .grad (no zero_grad); false: .grad is fresh each time."
    )
    without_backward: Literal["none"] | None = Field(
        None, description="'none': run again with backward() suppressed, and every .grad stays None."
    )

    @model_validator(mode="after")
    def _claims_something(self) -> GradientsExpectation:
        facts = (self.before_backward, self.after_backward, self.accumulates, self.without_backward)
        if all(fact is None for fact in facts):
            raise ValueError(
                "a gradients expectation needs at least one of"
                " before_backward, after_backward, accumulates, without_backward"
            )
        return self


class TensorExpectation(_Claimed):
    """Shape, dtype and bounds of a tensor (or number) the example leaves in its namespace."""

    kind: Literal["tensor"]
    expr: str
    shape: list[int] | None = None
    dtype: str | None = Field(None, description="e.g. `float32` or `torch.int64`.")
    min: float | None = Field(None, description="Every element >= min.")
    max: float | None = Field(None, description="Every element <= max.")
    gt: float | None = Field(None, description="Every element > gt.")
    lt: float | None = Field(None, description="Every element < lt.")
    finite: bool | None = None

    @model_validator(mode="after")
    def _claims_something(self) -> TensorExpectation:
        if all(v is None for v in (self.shape, self.dtype, self.min, self.max, self.gt, self.lt, self.finite)):
            raise ValueError("a tensor expectation needs at least one of shape, dtype, min, max, gt, lt, finite")
        return self


Expectation = Annotated[
    ValueExpectation | PrintedExpectation | ExceptionExpectation | GradientsExpectation | TensorExpectation,
    Field(discriminator="kind"),
]


_CELL = (
    "Notebook: the code cell's number, 1-based among all the notebook's cells as Jupyter shows them"
    " (markdown cells count); stands for `line`."
)


class BlockRef(_Strict):
    line: int | None = Field(None, ge=1, description="Line of an earlier block's opening fence in the same note.")
    cell: int | None = Field(None, ge=1, description=_CELL)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")

    @model_validator(mode="after")
    def _one_place(self) -> BlockRef:
        if (self.line is None) == (self.cell is None):
            raise ValueError("give the earlier block's `line` (markdown) or `cell` (notebook), one of them")
        return self


class Example(_Strict):
    """The code: inline, or a python block of a markdown note or a notebook's code cell (pinned by its hash)."""

    code: str | None = Field(None, description="The example's code. When unset, the block of `note` at `line` runs.")
    note: str | None = Field(None, description="The note the example comes from, relative to this spec file.")
    line: int | None = Field(None, ge=1, description="Line of the block's opening fence in the note.")
    cell: int | None = Field(None, ge=1, description=_CELL)
    sha256: str | None = Field(
        None, pattern=r"^[0-9a-f]{64}$", description="Hash of the block's code; an edited note is reported, not run."
    )
    display_last: bool = Field(
        False,
        description="Notebook cell: the value of the last expression statement is shown (its repr, nothing for None)"
        " after what the code printed, as Jupyter does.",
    )
    continues: list[BlockRef] = Field(
        default_factory=list,
        description="Earlier blocks of the note that run first, in order (notebook style); in a notebook each runs"
        " as a cell, so one that raises stops only itself, as in the kernel. `statement` lines stay the block's own.",
    )

    @model_validator(mode="after")
    def _has_code(self) -> Example:
        if self.line is not None and self.cell is not None:
            raise ValueError("give `line` (markdown) or `cell` (notebook), not both")
        place = self.line if self.cell is None else self.cell
        if self.code is None and (self.note is None or place is None or self.sha256 is None):
            raise ValueError(
                "give `code`, or `note`, `line` and `sha256` to run a block of a note (a notebook's `cell` for `line`)"
            )
        if (self.note is None) != (place is None):
            raise ValueError("`note` and `line` go together (`cell` for `line` in a notebook)")
        return self


class Data(_Strict):
    root: str | None = Field(
        None,
        description="Where real datasets live, relative to this spec file;"
        " default $NOTEPROOF_DATA or ~/.noteproof/data.",
    )
    samples: int = Field(8, ge=1, le=100_000, description="At most this many samples per dataset (real or stand-in).")


class TimingSettings(_Strict):
    enabled: bool = True
    warmup: int = Field(1, ge=0, le=100)
    min_run_time: float = Field(0.2, gt=0, le=60, description="Seconds of measurement per example and device.")


class Spec(_Strict):
    """One note example and what it must do."""

    id: str | None = Field(None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", description="Defaults to the file name.")
    title: str = ""
    example: Example
    expect: list[Expectation] = Field(min_length=1)
    devices: list[Device] = Field(default_factory=lambda: list(DEVICES), min_length=1)
    timeout: float = Field(60.0, gt=0, le=3600, description="Seconds before the example's process is killed.")
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Seeds random, numpy and torch (numpy takes 32 bits).")
    threads: int = Field(1, ge=1, le=256)
    memory_mb: int = Field(4096, ge=64, le=1 << 20, description="Memory the example may use beyond the warm worker's.")
    max_output: int = Field(
        1_000_000, ge=1_000, description="Characters of output kept; the rest is counted, not stored."
    )
    data: Data = Field(default_factory=Data)
    timing: TimingSettings = Field(default_factory=TimingSettings)


def json_schema() -> dict[str, object]:
    schema = Spec.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://noteproof.dev/spec.schema.json"
    return schema
