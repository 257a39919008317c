#!/usr/bin/env bash
# Run the .test study (both datasets: simulated 2b and real EEGMMIDB S001) on the
# local one-node SLURM cluster (.ci/slurm.sh) through config/profiles/slurm, and
# compare its result JSONs/CSVs with a local run of the same study (provenance aside).
#
#   .ci/slurm_study.sh [REFERENCE_DIR] [DATASET ...]
#
# REFERENCE_DIR: a finished local run to compare with (default .test, which
# `make test` has just run); when it has no results, the study is run locally
# first. DATASET: restrict the study to these datasets (default: all of .test's).
# On an idle 2-core machine the whole study takes a few minutes under SLURM; on a
# shared one every job's Python start and status polling make it much slower.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
reference="${1:-.test}"
shift || true
datasets="$*"
work="${EEGXAI_SLURM_WORK:-$(mktemp -d /tmp/eegxai-slurm-study.XXXXXX)}"
snakemake=("$repo/.venv/bin/snakemake" --snakefile "$repo/workflow/Snakefile")

.ci/slurm.sh start
eval "$(.ci/slurm.sh env)"

# the .test study (EEG part), optionally restricted to some datasets
mkdir -p "$work/config"
"$repo/.venv/bin/python" - "$repo/.test/config/config.yaml" "$work/config/config.yaml" $datasets <<'PY'
import sys, yaml
config = yaml.safe_load(open(sys.argv[1]))
keep = sys.argv[3:] or list(config["datasets"])
config["datasets"] = {name: config["datasets"][name] for name in keep}
yaml.safe_dump(config, open(sys.argv[2], "w"), sort_keys=False)
PY

if ! ls "$reference"/results/metrics/*/*/*.json >/dev/null 2>&1; then
    reference="$work-local"
    echo "slurm_study: local reference run in $reference"
    mkdir -p "$reference"
    "${snakemake[@]}" --cores 2 --directory "$reference" \
        --configfile "$work/config/config.yaml" --quiet
fi

echo "slurm_study: SLURM run in $work"
start=$(date +%s)
if ! "${snakemake[@]}" --profile config/profiles/slurm --slurm-no-account \
        --slurm-init-seconds-before-status-checks 5 \
        --directory "$work" --configfile "$work/config/config.yaml"; then
    echo "slurm_study: FAILED. SLURM job logs:" >&2
    find "$work/logs/slurm" -name '*.log' -newermt "@$start" -print >&2 || true
    exit 1
fi
echo "slurm_study: SLURM run took $(( $(date +%s) - start )) s"

# a rerun submits nothing: everything is complete
if ! "${snakemake[@]}" --profile config/profiles/slurm --slurm-no-account \
        --directory "$work" --configfile "$work/config/config.yaml" -n 2>&1 \
        | grep -q "Nothing to be done"; then
    echo "slurm_study: a rerun after success would resubmit jobs" >&2
    exit 1
fi

# every result of the SLURM run (JSON, CSV) must equal the local run's (float32
# rounding allowed: other thread counts may sum in another order)
"$repo/.venv/bin/python" benchmarks/compare_results.py "$work" "$reference" --rtol 1e-6
