# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# The built programs carry the hardening meson.build asks for,
# read from the ELF files with readelf: PIE, full RELRO (a GNU_RELRO segment
# and BIND_NOW), a stack that is not executable, the stack protector, FORTIFY,
# and no library beyond libc and libcap.
#
# Each hard_* function takes one ELF file, prints what is missing and
# returns 1 if it is; they use nothing from the sandbox, so that they can be
# sourced and tried on a binary built without the flag (see README,
# "Hardening").

# What the helpers and the library may link: nothing else.
HARD_ALLOWED_NEEDED="libc.so.6 libcap.so.2"

hard_pie() { # executables only: a shared object is always DYN
    readelf -hW "$1" | grep -Eq '^ *Type: +DYN ' && return 0
    echo "$1: not PIE: $(readelf -hW "$1" | grep -E '^ *Type:' | tr -s ' ')"
    return 1
}

hard_relro() {
    local ok=0
    readelf -lW "$1" | grep -q ' GNU_RELRO ' || { echo "$1: no GNU_RELRO segment (-z relro)"; ok=1; }
    # Full RELRO: the GOT is made read-only after start-up, which needs every
    # symbol bound at start-up (-z now): BIND_NOW or FLAGS_1 NOW.
    readelf -dW "$1" | grep -Eq '\(BIND_NOW\)|\(FLAGS\) .*BIND_NOW|\(FLAGS_1\) .*\bNOW\b' ||
        { echo "$1: no BIND_NOW (-z now): partial RELRO only"; ok=1; }
    return $ok
}

hard_nx_stack() {
    local s
    s=$(readelf -lW "$1" | grep ' GNU_STACK ')
    [ -n "$s" ] || { echo "$1: no GNU_STACK segment: the stack is executable"; return 1; }
    # The flags are the second-to-last field: RW, or RWE for an executable stack.
    case $(awk '{print $(NF-1)}' <<<"$s") in
    *E) echo "$1: executable stack: $s" && return 1 ;;
    esac
    return 0
}

hard_ssp() {
    readelf --dyn-syms -W "$1" | grep -q ' __stack_chk_fail' && return 0
    echo "$1: no stack protector (__stack_chk_fail not referenced)"
    return 1
}

hard_fortify() {
    # Any __*_chk function but __stack_chk_fail: _FORTIFY_SOURCE's checked calls.
    readelf --dyn-syms -W "$1" | grep -oE ' __[a-z0-9_]+_chk\b' | grep -qv '__stack_chk' &&
        return 0
    echo "$1: no FORTIFY (no __*_chk function referenced)"
    return 1
}

hard_needed() {
    local needed lib ok=0
    needed=$(readelf -dW "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
    echo "$(basename "$1") NEEDED: ${needed:-(none)}"
    for lib in $needed; do
        case " $HARD_ALLOWED_NEEDED " in
        *" $lib "*) ;;
        *) echo "$1: links $lib, beyond $HARD_ALLOWED_NEEDED" && ok=1 ;;
        esac
    done
    return $ok
}

hard_programs() {
    echo "$IDG_BUILD/newuidmap/newuidmap" "$IDG_BUILD/newgidmap/newgidmap" \
        "$IDG_BUILD/getsubids/getsubids" "$IDG_BUILD/subid-add/subid-add" \
        "$IDG_BUILD/subid-doctor/subid-doctor"
}

hard_library() {
    [ -e "$IDG_BUILD/libsubid/libsubid.so.4" ] && echo "$IDG_BUILD/libsubid/libsubid.so.4"
}

# Runs check $1 over files; a failure message per file.
hard_each() {
    local check=$1 f out
    shift
    for f in "$@"; do
        [ -f "$f" ] || { fail "$f was not built"; continue; }
        out=$("$check" "$f") || fail "$out"
    done
}

# A sanitizer build links its runtime and drops FORTIFY (meson.build):
# only the release build is judged on those.
hard_sanitized() {
    python3 - "$IDG_BUILD/meson-info/intro-buildoptions.json" <<'PY'
import json, sys
opts = {o["name"]: o["value"] for o in json.load(open(sys.argv[1]))}
sys.exit(0 if opts.get("b_sanitize", "none") not in ("none", []) else 1)
PY
}

t_hardening_pie() {
    # shellcheck disable=SC2046
    hard_each hard_pie $(hard_programs)
}

t_hardening_full_relro() {
    # shellcheck disable=SC2046
    hard_each hard_relro $(hard_programs) $(hard_library)
}

t_hardening_nx_stack() {
    # shellcheck disable=SC2046
    hard_each hard_nx_stack $(hard_programs) $(hard_library)
}

t_hardening_stack_protector() {
    # shellcheck disable=SC2046
    hard_each hard_ssp $(hard_programs) $(hard_library)
}

t_hardening_fortify() {
    if hard_sanitized; then
        echo "sanitizer build: FORTIFY is off by design (meson.build); not judged"
        return
    fi
    # shellcheck disable=SC2046
    hard_each hard_fortify $(hard_programs) $(hard_library)
}

t_hardening_needed_libc_libcap_only() {
    if hard_sanitized; then
        echo "sanitizer build: the sanitizer runtimes are linked; not judged"
        return
    fi
    local f out
    for f in $(hard_programs) $(hard_library); do
        out=$(hard_needed "$f") || fail "$out"
        echo "$out" | head -1
    done
}
