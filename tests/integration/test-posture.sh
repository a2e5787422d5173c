# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# The running helper, observed from outside through /proc/PID/status: the
# privileged process holds only its one capability, none effective, with the
# caller's ids; NSS and the source files are read by a child holding none.

# field SNAPSHOT FIELD: the value of "FIELD:" in a copy of /proc/PID/status,
# its blanks folded to single spaces.
field() {
    awk -v f="$2:" '$1 == f {$1 = ""; sub(/^ /, ""); print}' <<<"$1"
}

# Start newuidmap/newgidmap in the background against a huge subuid/subgid, so
# that its reader child lives long enough to be looked at; sets HELPER and
# READER (pids) and HSTAT and RSTAT (their status, read at the same moment).
observe() { # PROG FILE
    # 20 million lines whose first byte matches the caller's name: slow to scan.
    { echo "$U1N:200000:65536"; yes "idgtx:1:1" | head -n 20000000; } >"$2"
    target $U1
    setpriv --reuid=$U1 --regid=$U1 --clear-groups -- "$BIN/$1" "$TARGET" 0 200000 10 &
    HELPER=$!
    READER=""
    local i
    for ((i = 0; i < 5000; i++)); do
        READER=$(cat "/proc/$HELPER/task/$HELPER/children" 2>/dev/null)
        READER=${READER%% *}
        if [ -n "$READER" ]; then
            RSTAT=$(cat "/proc/$READER/status" 2>/dev/null)
            HSTAT=$(cat "/proc/$HELPER/status" 2>/dev/null)
            [ -n "$RSTAT" ] && [ -n "$HSTAT" ] && return 0
        fi
    done
    fail "never saw the reader child of $1"
    return 1
}

check_privileged() { # CAPMASK
    local f
    [ "$(field "$HSTAT" Uid)" = "$U1 $U1 $U1 $U1" ] || fail "helper uids: $(field "$HSTAT" Uid)"
    [ "$(field "$HSTAT" Gid)" = "$U1 $U1 $U1 $U1" ] || fail "helper gids: $(field "$HSTAT" Gid)"
    [ "$(field "$HSTAT" CapPrm)" = "$1" ] || fail "helper CapPrm $(field "$HSTAT" CapPrm), expected $1"
    for f in CapEff CapInh CapBnd CapAmb; do
        [ "$(field "$HSTAT" $f)" = 0000000000000000 ] || fail "helper $f is $(field "$HSTAT" $f)"
    done
    [ "$(field "$HSTAT" NoNewPrivs)" = 1 ] || fail "helper NoNewPrivs $(field "$HSTAT" NoNewPrivs)"
}

check_reader() {
    local f
    for f in CapPrm CapEff CapInh CapBnd CapAmb; do
        [ "$(field "$RSTAT" $f)" = 0000000000000000 ] ||
            fail "reader child $f is $(field "$RSTAT" $f), expected none"
    done
    [ "$(field "$RSTAT" Uid)" = "$U1 $U1 $U1 $U1" ] || fail "reader uids: $(field "$RSTAT" Uid)"
}

t_newuidmap_posture_and_unprivileged_reader() {
    observe newuidmap /etc/subuid || return
    # CAP_SETUID (bit 7) only; CAP_SETFCAP was dropped since host 0 is not mapped.
    check_privileged 0000000000000080
    check_reader
    wait "$HELPER" || fail "newuidmap failed"
    expect_map "$TARGET" uid "0 200000 10"
}

t_newgidmap_posture_and_unprivileged_reader() {
    observe newgidmap /etc/subgid || return
    # CAP_SETGID (bit 6) only.
    check_privileged 0000000000000040
    check_reader
    wait "$HELPER" || fail "newgidmap failed"
    expect_map "$TARGET" gid "0 200000 10"
}
