"""Protocol: the records that cross the fork, as JSON. Runner -> worker -> child, and back to the checks.

Both sides import these types: the parent (runs, judge) and the example's process (sandbox). They are
TypedDicts because every one of them is written by `json.dumps` on one side and read by `json.loads` on
the other; a TypedDict is exactly a JSON object whose keys are known. Pure Python: no torch here.

    Runner --RunRequest(Job)--> worker --fork--> child: observe(job) -> observation.json, timing.json
    Runner <--------------------- Done(observation, timing, fault) ---- worker
    conclude(spec, Done, reference Observation) -> Outcome (harness.judge.verdict)
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

# -- parent -> worker ---------------------------------------------------------------------------


class TimingRequest(TypedDict):
    """The spec's [timing] table (harness.specs.model.TimingSettings), as the child needs it."""

    enabled: bool
    warmup: int
    min_run_time: float


class GradientRequest(TypedDict):
    modules: list[str]  # module expressions to report on; "" means every module the example built
    without_backward: bool  # also run the example again with backward() made a no-op


class Job(TypedDict):
    """One example on one device."""

    id: str  # unique within a worker's life: "<n>:<spec id>@<device>"
    kind: Literal["example"]
    device: str
    code: str
    seed: int
    threads: int
    timeout: float  # seconds for the correctness run, and again for the timing phase
    memory_mb: int
    max_output: int  # characters of stdout kept
    data_root: str
    samples: int  # at most this many samples per dataset
    values: list[str]  # expressions to evaluate in the example's namespace afterwards
    gradients: GradientRequest | None
    timing: TimingRequest | None  # None: do not time
    expects_exception: bool  # a spec that claims an exception is timed even though it raises
    own_code_from: int | None  # notebook style: the line where the block's own code starts, after earlier blocks
    captures: list[int]  # lines whose statement's output a claim is about
    display_last: bool  # notebook cell: the value of the last expression statement is shown after what it printed
    sandbox: bool  # confine the example (harness.runs.confinement): for other people's notes


class ProbeJob(TypedDict):
    """Ask a child (never the worker itself) whether CUDA is there."""

    id: str
    kind: Literal["probe"]
    device: Literal["cpu"]
    timeout: float
    memory_mb: int


class RunRequest(TypedDict):
    op: Literal["run"]
    job: Job | ProbeJob


class ShutdownRequest(TypedDict):
    op: Literal["shutdown"]


Request = RunRequest | ShutdownRequest


# -- child -> worker (files in the example's scratch folder) ---------------------------------------

# Room the worker's child claims (fallocate) before the example runs; observation.json is written into it, so an
# example that fills the scratch filesystem cannot stop any example from reporting.
OBSERVATION_RESERVED = "observation.reserved"
# What the child's sandbox held (harness.runs.confinement.Protections.describe), written before the example runs.
SANDBOX_REPORT = "sandbox.txt"


class ExceptionHints(TypedDict):
    """What a fix needs to know about an exception (harness.audit.fixes reads these)."""

    name: str | None  # the missing name (NameError, AttributeError, ImportError)
    owner: str | None  # what lacked it: "module 'torch.nn'", a type name, a module name
    candidates: list[str]  # the names that were there instead
    homes: list[str]  # public torch modules that define `name`


class ExceptionInfo(ExceptionHints):
    """An exception the example raised, described without pickling it."""

    type: str
    mro: list[str]  # class names, the exception's own first
    message: str
    line: int | None  # line of the example's code, when a frame of it is on the traceback
    traceback: str
    # The top-level statement that raised (the outermost frame of the example's code): every statement before
    # it ran to the end. None when nothing ran (a SyntaxError) or no frame of the example is on the traceback.
    top_line: int | None


class NumberSummary(TypedDict):
    type: Literal["number"]
    value: float  # int and bool values too (JSON keeps them as such)
    python_type: str


class TensorSummary(TypedDict):
    type: Literal["tensor"]
    shape: list[int]
    dtype: str  # "torch.float32"
    device: str  # "cpu", "cuda:0"
    values: list[float] | None  # flattened; None when the tensor is too big to carry
    finite: bool
    min: float | None  # None for an empty tensor
    max: float | None
    requires_grad: bool
    repr: str


class ObjectSummary(TypedDict):
    type: Literal["object"]
    repr: str
    python_type: str


ValueSummary = NumberSummary | TensorSummary | ObjectSummary


class Evaluated(TypedDict):
    ok: Literal[True]
    summary: ValueSummary


class NotEvaluated(TypedDict):
    ok: Literal[False]
    error: str  # "NameError: name 'loss' is not defined"


Evaluation = Evaluated | NotEvaluated


class Histogram(TypedDict):
    edges: list[float]
    counts: list[float]


class ParamGradient(TypedDict):
    """One parameter's gradient, as harness.sandbox.gradients.GradientProbe records it."""

    name: str
    shape: list[int]
    none_before: bool | None  # None when backward() was never called
    none_after: bool
    backward_calls: int
    accumulated_calls: int
    fresh_calls: int
    mismatched_calls: int
    norms_per_call: list[float]  # ||.grad|| after each backward() that reached it: growth shows accumulation
    device: str
    finite: bool | None
    norm: float | None
    mean_abs: float | None
    max_abs: float | None
    histogram: Histogram | None
    kernels: list[Any] | None  # a few 2-D kernel slices of a conv weight's gradient
    grad_shape: list[int] | None


class ModuleGradients(TypedDict, total=False):
    """The parameters of one module expression, or why the expression could not be evaluated: one of the two.

    (total=False, not NotRequired[...]: under postponed annotations Python 3.11 counts NotRequired keys as
    required at run time, and tests/test_protocol.py reads the keys at run time.)"""

    params: list[ParamGradient]
    error: str


class WithoutBackward(TypedDict):
    """The example run again with backward() a no-op: which parameters got a .grad anyway."""

    suppressed_calls: int
    parameters: int
    with_grad: list[str]
    exception: ExceptionInfo | None


class GradientReport(TypedDict):
    backward_calls: int
    modules: dict[str, ModuleGradients]  # by module expression ("" for every module)
    without_backward: WithoutBackward | None
    autograd_graph: str  # DOT text of the graph the first backward() walked; "" when too big or none


class DatasetInfo(TypedDict):
    """A dataset the example built: the real one from the data root, or a stand-in of the same shape."""

    name: str
    source: Literal["real", "stand-in"]
    root: str
    train: bool
    samples: int
    description: str


class Observation(TypedDict):
    """What the correctness run of one example observed (observation.json). The checks read only this."""

    stdout: str  # what the example printed, capped at the job's max_output
    stdout_dropped: int  # characters printed past the cap
    exception: ExceptionInfo | None
    values: dict[str, Evaluation]  # by expression
    captures: dict[str, list[str]]  # by statement line (a string, as JSON keys are): what that statement printed
    own_output_from: int  # notebook style: where the block's own output starts in stdout
    gradients: GradientReport | None
    devices_seen: list[str]  # device types the example's tensors and models were on
    datasets: list[DatasetInfo]
    duration_s: float


class TimingPayload(TypedDict):
    """torch.utils.benchmark's measurement of the example, whole, per call."""

    median_s: float
    iqr_s: float
    mean_s: float
    repeats: int
    number_per_repeat: int
    warmup: int
    threads: int
    samples_s: list[float]  # seconds per call of each repeat (Measurement.times), raw, for significance tests


class TimingFile(TypedDict):
    """timing.json: the measurement, or why there is none."""

    timing: TimingPayload | None
    error: str | None


class ProbeReport(TypedDict):
    cuda: bool
    cuda_devices: list[str]
    cuda_version: str | None


# -- worker -> parent ----------------------------------------------------------------------------

# timeout, memory, cancelled: the worker killed the example; crash: its process died on its own;
# harness: noteproof's own code failed inside the example's process (a bug in noteproof, not in the example).
Fault = Literal["timeout", "memory", "cancelled", "crash", "harness"]


class Ready(TypedDict):
    """The worker's first message, once torch is imported."""

    op: Literal["ready"]
    pid: int
    import_s: float
    torch: str
    torchvision: str
    python: str
    cuda_build: str | None


class Done(TypedDict):
    """One job finished, whatever happened to it."""

    op: Literal["done"]
    id: str
    wall_s: float
    observation: Observation | None  # None when the process ended before the correctness run finished
    timing: TimingFile | None
    probe: ProbeReport | None
    fault: Fault | None
    fault_message: str
    fault_line: int | None  # for a crash: the example's line it died at, from faulthandler's dump, where known
    sandbox: str  # the protections that were in force (SANDBOX_REPORT), as the row says them; "" when not asked
    native_output: str  # the head of what C code wrote to the process's stdout/stderr
    harness_traceback: str  # for a harness fault: noteproof's own traceback; "" otherwise


Reply = Ready | Done
