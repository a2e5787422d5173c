# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# newgidmap, and its setgroups rule (CVE-2018-7169): a gid map that only the
# caller's own gid granted must come with setgroups "deny", or the namespace
# could drop supplementary groups that deny it access to files.

t_own_gid_only_denies_setgroups() {
    target $U1
    [ "$(cat "/proc/$TARGET/setgroups")" = allow ] || fail "setgroups not 'allow' before the test"
    run $U1 "$BIN/newgidmap" "$TARGET" 0 $U1 1
    expect_rc 0
    expect_map "$TARGET" gid "0 $U1 1"
    [ "$(cat "/proc/$TARGET/setgroups")" = deny ] || fail "setgroups is not 'deny' after an own-gid map"
}

t_subgid_range_keeps_setgroups() {
    target $U1
    run $U1 "$BIN/newgidmap" "$TARGET" 0 $U1 1 1 200000 65536
    expect_rc 0
    expect_map "$TARGET" gid "0 $U1 1
1 200000 65536"
    [ "$(cat "/proc/$TARGET/setgroups")" = allow ] || fail "setgroups was changed although subgid granted a range"
}

t_refusal_leaves_setgroups_alone() {
    target $U1
    run $U1 "$BIN/newgidmap" "$TARGET" 0 $U1 1 1 400000 10
    expect_refused "$TARGET" gid "gid range 1-10 -> 400000-400009 is not allotted to $U1N (uid $U1); $U1N has 200000-265535 in /etc/subgid:2"
    [ "$(cat "/proc/$TARGET/setgroups")" = allow ] || fail "setgroups was changed by a refused call"
}

t_gid_id_permission() {
    mkdir -p /etc/id_permission
    printf '%s\n' "$U1:800000:100" >/etc/id_permission/gids
    chmod 0644 /etc/id_permission/gids
    target $U1
    run $U1 "$BIN/newgidmap" "$TARGET" 0 800000 100
    expect_rc 0
    expect_map "$TARGET" gid "0 800000 100"
    [ "$(cat "/proc/$TARGET/setgroups")" = allow ] || fail "id_permission grant must keep setgroups"
}

t_gid_of_another_group_refused() {
    target $U1
    run $U1 "$BIN/newgidmap" "$TARGET" 0 $U2 1
    expect_refused "$TARGET" gid "gid range 0-0 -> $U2-$U2 is not allotted to $U1N"
}

t_refuses_target_with_another_gid() {
    # The target runs with the caller's uid but another gid.
    setpriv --reuid=$U1 --regid=$U2 --clear-groups -- unshare --user sleep 600 &
    TARGET=$!
    wait_for "process $TARGET to enter a new user namespace" in_new_userns "$TARGET"
    run $U1 "$BIN/newgidmap" "$TARGET" 0 $U1 1
    expect_refused "$TARGET" gid "process $TARGET runs with gid $U2, not your gid $U1"
}

t_gid_world_writable_subgid() {
    chmod 0646 /etc/subgid
    target $U1
    run $U1 "$BIN/newgidmap" "$TARGET" 0 200000 10
    expect_refused "$TARGET" gid "/etc/subgid is writable by group or others (mode 0646)"
}

t_gid_file_capabilities() {
    file_caps newgidmap cap_setgid gid
}

# A process whose main thread exited while another thread runs: its gid map
# and its setgroups "deny" are written through the running thread (issue
# 12, item 7).
t_gid_main_thread_exited_other_threads_run() {
    thread_target $U1
    run $U1 "$BIN/newgidmap" "$TARGET" 0 $U1 1
    expect_rc 0
    expect_no_err
    expect_map "$TARGET" gid "0 $U1 1"
    [ "$(cat "/proc/$TARGET/setgroups")" = deny ] || fail "setgroups is not 'deny' after an own-gid map"
}
