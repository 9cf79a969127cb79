#!/usr/bin/env bash
# The CUDA checks, for a lent GPU machine (the `device` tool). Installs nothing from the internet: it uses
# the machine's own python3 with torch and torchvision, and wheels carried in .whl/. Fetch those here first
# (the machine runs Python 3.12):
#   echo /.whl/ >> .git/info/exclude
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
#     --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 -d .whl \
#     pydantic pydantic-core annotated-types typing-inspection \
#     nbformat fastjsonschema jsonschema jsonschema-specifications referencing rpds-py attrs jupyter-core \
#     traitlets platformdirs pytest-benchmark py-cpuinfo2
# then: run(command="bash benchmarks/gpu_check.sh", timeout_s=540)
# It runs, in order: the CUDA tests; the shipped specs on cpu and cuda; `noteproof bench --device all` on the
# shipped and the learner specs; the pytest-benchmark CUDA items (synchronised, and the test that shows an
# unsynchronised one reads too fast). The table comes last. Logs and JSON go to $OUT.
set -uo pipefail
OUT=${OUT:-/tmp/noteproof-gpu}
mkdir -p "$OUT"
venv=/tmp/noteproof-venv
python3 -m venv --system-site-packages "$venv"
"$venv/bin/pip" install -q --no-index --find-links .whl pydantic nbformat 2>&1 | tail -2
"$venv/bin/pip" install -q --no-index --find-links .whl pytest-benchmark 2>&1 | tail -2  # optional: step 4
"$venv/bin/pip" install -q --no-deps --no-build-isolation -e . 2>&1 | tail -2
py="$venv/bin/python"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
"$py" -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"

echo "== 1. CUDA tests"
"$py" -m pytest -p no:cacheprovider -q -rs -m cuda tests/ 2>&1 | tee "$OUT/cuda-tests.log" | tail -6

echo "== 2. noteproof run specs --device all"
"$py" -m harness run specs --device all --json "$OUT/gpu-run.json" --history "$OUT/gpu.sqlite" >"$OUT/gpu-run.txt" 2>&1
echo "noteproof run exit: $?"

echo "== 3. noteproof bench specs benchmarks/specs --device all"
started=$SECONDS
COLUMNS=220 "$py" -m harness bench specs benchmarks/specs --device all --json "$OUT/gpu-bench.json" \
    --history "$OUT/gpu.sqlite" --save gpu >"$OUT/gpu-bench.txt" 2>&1
echo "noteproof bench exit: $? in $((SECONDS - started)) s"

echo "== 4. pytest benchmarks/ --benchmark-only -m cuda"
if "$py" -c "import pytest_benchmark" 2>/dev/null; then
    "$py" -m pytest -p no:cacheprovider -q -rs benchmarks/ --benchmark-only -m cuda \
        --benchmark-json "$OUT/pytest-benchmark.json" 2>&1 | tee "$OUT/pytest-benchmark.log" | tail -4
else
    echo "pytest-benchmark is not installed (no wheel in .whl/): skipped"
fi

echo "== table"
"$py" - "$OUT/gpu-run.json" "$OUT/gpu-bench.json" <<'PY'
import json, sys


def ms(value):
    return f"{value * 1e3:9.3f}" if value else "        -"


def us(value):
    return f"{value * 1e6:11.1f}" if value else "          -"


run = {(r["id"], r["device"]): r for r in json.load(open(sys.argv[1]))["results"]}
try:
    bench = json.load(open(sys.argv[2]))["bench"]
except (OSError, KeyError, ValueError):
    bench = []
print(f"{'example':24} {'device':6} {'run':8} {'bench':8} {'median ms':>9} {'IQR ms':>9} {'per call µs':>11} "
      f"{'images/s':>9} {'speed-up':>8}  run checks")
seen = set()
for b in bench:
    key = (b["id"], b["device"])
    seen.add(key)
    r = run.get(key)
    checks = ", ".join(f"{c['kind']}:{c['status']}" for c in r["checks"]) if r else ""
    speedup = f"{b['cuda_speedup']:7.2f}x" if b["cuda_speedup"] else "        "
    images = f"{b['images_per_s']:9.0f}" if b["images_per_s"] else "        -"
    print(f"{b['id']:24} {b['device']:6} {r['status'] if r else '-':8} {b['status']:8} {ms(b['median_s'])} "
          f"{ms(b['iqr_s'])} {us(b['per_call_s'])} {images} {speedup}  {checks}")
for key, r in run.items():
    if key not in seen:
        checks = ", ".join(f"{c['kind']}:{c['status']}" for c in r["checks"])
        print(f"{r['id']:24} {r['device']:6} {r['status']:8} {'-':8} {ms(r['timing']['median_s'])}  {checks}")
PY
