#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Proof that each check of test-hardening.sh can fail: rebuild newuidmap
# (the same compile and link commands ninja runs) in a scratch copy of a
# build directory with one protection removed at a time, and run the check
# that guards it on the result. Every mutant must be caught; the unchanged
# rebuild must pass every check. Nothing in BUILD_DIR is written.
#   tests/integration/hardening-mutants.sh BUILD_DIR
set -uo pipefail
build=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
# The copy sits next to the build, so that its ../ paths reach the sources;
# each mutant starts from a fresh copy.
scratch=$(mktemp -d "$(dirname "$build")/build-hardening-mutants.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
. "$(dirname "$0")/test-hardening.sh"

# mutant NAME CHECK SED-EXPRESSION: rebuild with the commands edited.
status=0
mutant() {
    local name=$1 check=$2 expr=$3 dir=$scratch out
    rm -rf "$dir" && cp -a "$build" "$dir"
    (cd "$dir" && ninja -t commands newuidmap/newuidmap | sed -e "$expr" | sh -e) \
        >"$dir/mutant.log" 2>&1 || { echo "FAIL $name: rebuild failed: $(tail -3 "$dir/mutant.log")"; status=1; return; }
    if [ "$name" = unchanged ]; then
        for c in hard_pie hard_relro hard_nx_stack hard_ssp hard_fortify hard_needed; do
            out=$("$c" "$dir/newuidmap/newuidmap") ||
                { echo "FAIL unchanged: $c rejects it: $out"; status=1; }
        done
        echo "ok   unchanged rebuild passes every check"
    elif out=$("$check" "$dir/newuidmap/newuidmap"); then
        echo "FAIL $name: $check did not notice"
        status=1
    else
        echo "ok   $name: $check says: $(tail -1 <<<"$out")"
    fi
}

mutant unchanged - 's/^//'
mutant no-pie hard_pie 's/ -pie / -no-pie /; s/ -fPIE / -fno-PIE /'
mutant no-z-now hard_relro 's/ -Wl,-z,now / /'
mutant no-z-relro hard_relro 's/ -Wl,-z,relro / -Wl,-z,norelro /; s/ -Wl,-z,now / /'
mutant exec-stack hard_nx_stack 's/ -Wl,-z,noexecstack / -Wl,-z,execstack /'
mutant no-stack-protector hard_ssp 's/ -fstack-protector-strong / -fno-stack-protector /'
mutant no-fortify hard_fortify 's/ -D_FORTIFY_SOURCE=3 / /'
mutant extra-library hard_needed 's/ -Wl,--end-group/ -Wl,--end-group -Wl,--no-as-needed -lm/'
exit $status
