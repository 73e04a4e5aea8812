#!/usr/bin/env bash
# The nlp evaluation in one run: our default scorer, the calibrated model (5-fold CV) and
# VADER-Python side by side on the airline and VADER gold sets, plus throughput per core.
#
#   scripts/nlp_eval/run.sh [DATA_DIR]      (default: ../shared/data beside the project)
#
# Needs python3; scripts/nlp_eval/vader_baseline.py installs the `vaderSentiment` package with
# pip when it is missing. The language-detector comparison runs with LANG_COMPARE=1 (it builds
# lingua's models, which adds about 35 MB to that example binary).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
data="${1:-$root/../shared/data}"
cd "$root"
python3 -c 'import vaderSentiment' 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check vaderSentiment
cargo run -q -p nlp --release --example eval -- "$data"
if [ "${LANG_COMPARE:-0}" = 1 ]; then
  echo
  cargo run -q -p nlp --release --features lingua-compare --example lang_compare -- "$data"
fi
