#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# run-fuzz.sh HARNESS SEEDS SECONDS: fuzz from a scratch copy of the seed
# corpus for SECONDS; exit non-zero on a crash, leak or mismatch (trap).
set -euo pipefail
exe=$(realpath "$1") seeds=$2 secs=$3  # meson passes the harness relative to the build
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
cp -r "$seeds"/. "$work/corpus/" 2>/dev/null || true
cd "$work"
# UBSan only prints by default: a finding must stop the run and fail it.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
"$exe" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$work/" corpus
