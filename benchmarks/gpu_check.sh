#!/usr/bin/env bash
# The CUDA checks, for a lent GPU machine (the `device` tool). Installs nothing from the internet: it uses
# the machine's own python3 with torch and torchvision, and pydantic wheels carried in .whl/. Fetch those
# here first (the machine runs Python 3.12):
#   echo /.whl/ >> .git/info/exclude
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
#     --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 -d .whl \
#     pydantic pydantic-core annotated-types typing-inspection
# then: run(command="bash benchmarks/gpu_check.sh", timeout_s=420)
set -uo pipefail
OUT=${OUT:-/tmp/noteproof-gpu}
mkdir -p "$OUT"
venv=/tmp/noteproof-venv
python3 -m venv --system-site-packages "$venv"
"$venv/bin/pip" install -q --no-index --find-links .whl pydantic 2>&1 | tail -2
"$venv/bin/pip" install -q --no-deps --no-build-isolation -e . 2>&1 | tail -2
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
"$venv/bin/python" -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"
"$venv/bin/python" -m pytest -p no:cacheprovider -q -rs -m cuda tests/ 2>&1 | tee "$OUT/cuda-tests.log" | tail -6
"$venv/bin/python" -m harness run specs --device all --json "$OUT/gpu-run.json" --history "$OUT/gpu.sqlite" \
    >"$OUT/gpu-run.txt" 2>&1
echo "noteproof run exit: $?"
"$venv/bin/python" - "$OUT/gpu-run.json" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
print(f"{'example':18} {'device':6} {'status':8} {'median':>10}  checks")
for r in data["results"]:
    median = r["timing"]["median_s"]
    checks = ", ".join(f"{c['kind']}:{c['status']}" for c in r["checks"])
    print(f"{r['id']:18} {r['device']:6} {r['status']:8} {median * 1e3 if median else float('nan'):>8.3f}ms  {checks}")
PY
