# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# valgrind memcheck over the tools: getsubids, subid-add, newuidmap and
# newgidmap run their ordinary paths under memcheck, which fails a case with
# exit status 99 on an invalid read or write, a use of uninitialised memory,
# or a definite leak. Each case also checks that the tool still did its job.
#
# A setuid binary loses its setuid bit under valgrind, so the helpers run
# here as root from a copy without it (mode 0755), against a user namespace
# of root's: root holds CAP_SETUID and CAP_SETGID, so the copy goes through
# the whole path (posture, the sources, the target checks, the decision, the
# write and the audit line); with `passwd: compat` the sources are read by
# the reader child, which valgrind follows.
#
# Needs valgrind and a build without sanitizers (memcheck cannot run an ASan
# binary); skips (77) otherwise, saying why.

if ! command -v valgrind >/dev/null 2>&1; then
    echo "SKIP: valgrind is not installed (scripts/deps installs it)"
    exit 77
fi
if meson introspect "$IDG_BUILD" --buildoptions 2>/dev/null |
    python3 -c 'import json, sys
o = {x["name"]: x["value"] for x in json.load(sys.stdin)}
v = o.get("b_sanitize", "none")  # a string, or a list in newer meson
v = [x for x in (v if isinstance(v, list) else v.split(",")) if x not in ("none", "")]
sys.exit(0 if v else 1)'; then
    echo "SKIP: $IDG_BUILD is a sanitizer build; memcheck needs a plain one"
    exit 77
fi

VG_RC=99
vg_setup() {
    install -o root -g root -m 0755 "$IDG_BUILD/newuidmap/newuidmap" "$T/bin/vg-newuidmap" &&
        install -o root -g root -m 0755 "$IDG_BUILD/newgidmap/newgidmap" "$T/bin/vg-newgidmap" &&
        install -o root -g root -m 0755 "$IDG_BUILD/subid-add/subid-add" "$T/bin/vg-subid-add"
}
vg_setup || echo "    FAIL: cannot install the copies of the tools"
GS=$IDG_BUILD/getsubids/getsubids
SA=$T/bin/vg-subid-add
NUM=$T/bin/vg-newuidmap
NGM=$T/bin/vg-newgidmap

# vg CMD...: run CMD as root under memcheck; sets RC, OUT, ERR. valgrind's
# own report goes to a file per process, shown when the case fails.
vg() {
    rm -f "$T"/vg.log.*
    valgrind --error-exitcode=$VG_RC --leak-check=full --errors-for-leak-kinds=definite \
        --track-fds=no -q --trace-children=yes --log-file="$T/vg.log.%p" \
        "$@" >"$T/out" 2>"$T/err"
    RC=$?
    OUT=$(cat "$T/out")
    # shellcheck disable=SC2034 # read by lib.sh's expect_* functions
    ERR=$(cat "$T/err")
}

# expect_clean: valgrind found nothing (not exit 99, and an empty report).
# valgrind 3.19 does not know the nsfs ioctls NS_GET_PARENT (0xb702, returns
# an fd) and NS_GET_OWNER_UID (0xb704, writes a uid_t that target.c sets
# beforehand) and warns about each in three lines; those are left out.
expect_clean() {
    local f report=""
    for f in "$T"/vg.log.*; do
        [ -s "$f" ] || continue
        report+=$(grep -vE 'Warning: noted but unhandled ioctl 0xb70[24] |This could cause spurious value errors|See README_MISSING_SYSCALL_OR_IOCTL' "$f")
    done
    [ "$RC" != $VG_RC ] || fail "valgrind reported errors (exit $VG_RC): $report"
    [ -z "$report" ] || fail "valgrind report: $report"
}

expect_out_has() {
    grep -qF -- "$1" <<<"$OUT" || fail "stdout lacks '$1'; stdout: $OUT"
}

# root_target: root's process in a new user namespace; sets TARGET.
root_target() {
    unshare --user sleep 600 &
    TARGET=$!
    wait_for "process $TARGET to enter a new user namespace" in_new_userns "$TARGET"
}

# Files that the subid-add cases edit, saved for each case.
SA_KEEP=$T/vg.keep
mkdir -p "$SA_KEEP"
cp /etc/login.defs "$SA_KEEP/"
sa_reset() {
    cp "$SA_KEEP/login.defs" /etc/login.defs
    rm -f /etc/subuid- /etc/subgid- /etc/subuid.lock /etc/subgid.lock
}

t_getsubids_listed_user() {
    vg "$GS" "$U1N"
    expect_clean
    expect_rc 0
    expect_out_has "0: $U1N 200000 65536"
}

t_getsubids_unknown_user() {
    vg "$GS" idg-nobody-here
    expect_clean
    [ "$RC" != 0 ] || fail "getsubids succeeded for an unknown user"
}

t_getsubids_g_with_id_permission() {
    mkdir -p /etc/id_permission
    printf '%s\n' "$U1N:300000:10" >/etc/id_permission/gids
    vg "$GS" -g "$U1N"
    expect_clean
    expect_rc 0
    expect_out_has "$U1N 200000 65536"
    expect_out_has "$U1N 300000 10"
}

t_getsubids_bad_usage() {
    vg "$GS" -x
    expect_clean
    [ "$RC" != 0 ] || fail "getsubids accepted -x"
}

t_subid_add_add_then_idempotent() {
    sa_reset
    vg "$SA" "$U3N"
    expect_clean
    expect_rc 0
    grep -qx "$U3N:100000:65536" /etc/subuid || fail "subuid lacks $U3N: $(cat /etc/subuid)"
    grep -qx "$U3N:100000:65536" /etc/subgid || fail "subgid lacks $U3N: $(cat /etc/subgid)"
    cp /etc/subuid "$T/subuid.before"
    vg "$SA" "$U3N"
    expect_clean
    expect_rc 0
    cmp -s /etc/subuid "$T/subuid.before" || fail "a second add changed /etc/subuid"
}

t_subid_add_remove() {
    sa_reset
    vg "$SA" --remove "$U1N"
    expect_clean
    expect_rc 0
    ! grep -q "^$U1N:" /etc/subuid || fail "$U1N still in subuid: $(cat /etc/subuid)"
    grep -qx "$U2N:400000:65536" /etc/subuid || fail "$U2N lost from subuid"
}

t_subid_add_check_with_problems() {
    sa_reset
    printf '%s\n' "$U1N:200000:65536" "$U1N:x:1" "$U2N:210000:10" "$U1N:0:5" >/etc/subuid
    vg "$SA" --check
    expect_clean
    expect_rc 1
    expect_out_has "/etc/subuid:2:"
    expect_out_has "/etc/subuid:3:"
}

t_subid_add_dry_run() {
    sa_reset
    cp /etc/subuid "$T/subuid.before"
    vg "$SA" --dry-run "$U3N"
    expect_clean
    expect_rc 0
    expect_out_has "would add $U3N:100000:65536"
    cmp -s /etc/subuid "$T/subuid.before" || fail "--dry-run changed /etc/subuid"
}

t_subid_add_bad_input() {
    sa_reset
    cp /etc/subuid "$T/subuid.before"
    vg "$SA" --count 0x10 "$U3N"
    expect_clean
    [ "$RC" != 0 ] || fail "subid-add accepted --count 0x10"
    vg "$SA" idg-nobody-here
    expect_clean
    [ "$RC" != 0 ] || fail "subid-add accepted an unknown user"
    cmp -s /etc/subuid "$T/subuid.before" || fail "bad input changed /etc/subuid"
}

t_newuidmap_root_full_path() {
    printf '%s\n' "root:100000:65536" >>/etc/subuid
    syslog_start
    root_target
    vg "$NUM" "$TARGET" 0 0 1 1 100000 65536
    expect_clean
    expect_rc 0
    expect_no_err
    expect_map "$TARGET" uid "0 0 1
1 100000 65536"
    syslog_expect "newuidmap"
}

# passwd names a module first: NSS and the sources are asked in the reader
# child, which valgrind follows; its records are checked by the parent.
t_newuidmap_root_through_reader_child() {
    printf '%s\n' "passwd: compat" "group: files" "subid: files" >/etc/nsswitch.conf
    printf '%s\n' "root:100000:65536" >>/etc/subuid
    root_target
    vg "$NUM" "$TARGET" 0 0 1 1 100000 65536
    expect_clean
    [ "$(ls "$T"/vg.log.* | wc -l)" -ge 2 ] || fail "valgrind saw no reader child"
    expect_rc 0
    expect_no_err
    expect_map "$TARGET" uid "0 0 1
1 100000 65536"
}

t_newuidmap_refusal() {
    root_target
    vg "$NUM" "$TARGET" 0 900000 10
    expect_clean
    expect_refused "$TARGET" uid "not"
}

t_newgidmap_own_gid_denies_setgroups() {
    root_target
    vg "$NGM" "$TARGET" 0 0 1
    expect_clean
    expect_rc 0
    expect_map "$TARGET" gid "0 0 1"
    [ "$(cat "/proc/$TARGET/setgroups")" = deny ] || fail "setgroups is not 'deny'"
}

t_newgidmap_range() {
    printf '%s\n' "root:100000:65536" >>/etc/subgid
    root_target
    vg "$NGM" "$TARGET" 0 0 1 1 100000 65536
    expect_clean
    expect_rc 0
    expect_map "$TARGET" gid "0 0 1
1 100000 65536"
}
