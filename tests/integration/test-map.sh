# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# newuidmap against real user namespaces: what it grants, what it refuses,
# and that a refusal leaves the map unwritten.

t_own_id_and_allotted_range() {
    target $U1
    run $U1 "$BIN/newuidmap" "$TARGET" 0 $U1 1 1 200000 65536
    expect_rc 0
    expect_no_err
    expect_map "$TARGET" uid "0 $U1 1
1 200000 65536"
}

t_several_ranges_and_adjacent_allotments() {
    printf '%s\n' "$U1N:200000:1000" "$U1N:201000:1000" "$U1N:300000:10" >/etc/subuid
    target $U1
    # 200000-201999 spans two adjacent lines; 300000 is a third.
    run $U1 "$BIN/newuidmap" "$TARGET" 0 200000 2000 5000 300000 10 9999 $U1 1
    expect_rc 0
    expect_map "$TARGET" uid "0 200000 2000
5000 300000 10
9999 $U1 1"
}

t_numeric_owner() {
    printf '%s\n' "$U1:500000:100" >/etc/subuid
    target $U1
    run $U1 "$BIN/newuidmap" "$TARGET" 0 500000 100
    expect_rc 0
    expect_map "$TARGET" uid "0 500000 100"
}

t_id_permission() {
    mkdir -p /etc/id_permission
    printf '%s\n' "$U1:700000:65536" >/etc/id_permission/uids
    chmod 0644 /etc/id_permission/uids
    target $U1
    run $U1 "$BIN/newuidmap" "$TARGET" 0 700000 65536
    expect_rc 0
    expect_map "$TARGET" uid "0 700000 65536"
}

t_fd_proc_directory() {
    target $U1
    run $U1 bash -c "exec 7</proc/$TARGET && exec '$BIN/newuidmap' fd:7 0 $U1 1 1 200000 10"
    expect_rc 0
    expect_map "$TARGET" uid "0 $U1 1
1 200000 10"
}

t_fd_pidfd() {
    target $U1
    run $U1 "$IDG_BUILD/tests/integration/with-pidfd" "$TARGET" "$BIN/newuidmap" {} 0 $U1 1
    expect_rc 0
    expect_map "$TARGET" uid "0 $U1 1"
}

t_refuses_pidfd_of_dead_process() {
    target $U1
    run $U1 "$IDG_BUILD/tests/integration/with-pidfd" --dead "$TARGET" "$BIN/newuidmap" {} 0 $U1 1
    expect_rc 1
    expect_err "has exited"
}

t_refuses_range_not_allotted() {
    target $U1
    run $U1 "$BIN/newuidmap" "$TARGET" 0 $U1 1 1 300000 65536
    expect_refused "$TARGET" uid \
        "uid range 1-65536 -> 300000-365535 is not allotted to $U1N (uid $U1); $U1N has 200000-265535 in /etc/subuid:2"
}

t_refuses_range_exceeding_allotment() {
    target $U1
    run $U1 "$BIN/newuidmap" "$TARGET" 0 200000 65537
    expect_refused "$TARGET" uid "is only partly allotted to $U1N (uid $U1) (265536-265536 is not)"
}

t_refuses_another_users_range() {
    target $U1
    run $U1 "$BIN/newuidmap" "$TARGET" 0 400000 65536
    expect_refused "$TARGET" uid "uid range 0-65535 -> 400000-465535 is not allotted to $U1N"
}

t_refuses_user_without_allotments() {
    target $U3
    run $U3 "$BIN/newuidmap" "$TARGET" 0 200000 10
    expect_refused "$TARGET" uid "$U3N has no uid ranges in /etc/subuid"
}

t_refuses_host_root_even_if_allotted() {
    printf '%s\n' "$U1N:0:65536" >/etc/subuid
    target $U1
    run $U1 "$BIN/newuidmap" "$TARGET" 0 0 10
    expect_refused "$TARGET" uid "maps host uid 0, which only root may do"
}

t_refuses_own_id_with_count_above_one() {
    target $U1
    run $U1 "$BIN/newuidmap" "$TARGET" 0 $U1 2
    expect_refused "$TARGET" uid "is not allotted to $U1N"
}

t_refuses_target_of_another_user() {
    target $U2
    run $U1 "$BIN/newuidmap" "$TARGET" 0 200000 10
    expect_refused "$TARGET" uid "process $TARGET belongs to uid $U2, not to you (uid $U1)"
}

t_refuses_target_in_callers_namespace() {
    plain_target $U1
    run $U1 "$BIN/newuidmap" "$TARGET" 0 200000 10
    expect_rc 1
    expect_err "process $TARGET is not in a new user namespace"
}

t_refuses_second_write() {
    target $U1
    run $U1 "$BIN/newuidmap" "$TARGET" 0 $U1 1
    expect_rc 0
    run $U1 "$BIN/newuidmap" "$TARGET" 0 200000 10
    expect_rc 1
    expect_err "uid_map of process $TARGET was already written (the kernel allows one write)"
    expect_map "$TARGET" uid "0 $U1 1"
}

t_refuses_missing_pid() {
    local pid
    pid=$(cat /proc/sys/kernel/pid_max)
    pid=$((pid - 1))
    [ -d "/proc/$pid" ] && pid=$((pid - 1))
    run $U1 "$BIN/newuidmap" "$pid" 0 200000 10
    expect_rc 1
    expect_err "process $pid does not exist"
}

t_refuses_bad_fds() {
    target $U1
    run $U1 "$BIN/newuidmap" fd:9 0 200000 10
    expect_rc 1
    expect_err "fd 9 is not open"
    run $U1 bash -c "exec 8</etc/passwd && exec '$BIN/newuidmap' fd:8 0 200000 10"
    expect_rc 1
    expect_err "fd 8 is neither a /proc/PID directory nor a pidfd"
    run $U1 bash -c "exec 8</proc && exec '$BIN/newuidmap' fd:8 0 200000 10"
    expect_rc 1
    expect_err "fd 8 is neither a /proc/PID directory nor a pidfd"
    expect_unmapped "$TARGET" uid
}

t_refuses_overlaps_by_name() {
    target $U1
    run $U1 "$BIN/newuidmap" "$TARGET" 0 200000 100 50 200100 10
    expect_refused "$TARGET" uid "inside ranges overlap: 0-99 and 50-59"
    run $U1 "$BIN/newuidmap" "$TARGET" 0 200000 100 1000 200050 10
    expect_refused "$TARGET" uid "outside ranges overlap: 200000-200099 and 200050-200059"
}

t_refuses_bad_numbers() {
    target $U1
    local bad
    for bad in -1 +1 010 0x10 " 1" 1x 4294967295 ""; do
        run $U1 "$BIN/newuidmap" "$TARGET" "$bad" 200000 10
        expect_rc 1
        expect_err "triple 1: INSIDE"
    done
    run $U1 "$BIN/newuidmap" "$TARGET" 0 200000 0
    expect_err "COUNT '0' is not a plain decimal from 1 to 4294967295"
    run $U1 "$BIN/newuidmap" "$TARGET" 0 4294967290 10
    expect_err "OUTSIDE 4294967290 with COUNT 10 ends past 4294967294"
    run $U1 "$BIN/newuidmap" "$TARGET" 0 200000
    expect_rc 1
    expect_err "expected PID|fd:N followed by INSIDE OUTSIDE COUNT triples"
    expect_unmapped "$TARGET" uid
}

t_extent_limit() {
    # Short numbers: 340 lines must also fit the kernel's one-page write.
    printf '%s\n' "$U1N:10000:1000" >/etc/subuid
    target $U1
    local args=() i
    for ((i = 0; i < 341; i++)); do args+=("$i" $((10000 + i)) 1); done
    run $U1 "$BIN/newuidmap" "$TARGET" "${args[@]}"
    expect_refused "$TARGET" uid "341 ranges given; the kernel accepts at most 340"
    run $U1 "$BIN/newuidmap" "$TARGET" "${args[@]:0:1020}"
    expect_rc 0
    [ "$(map_of "$TARGET" uid | wc -l)" = 340 ] || fail "expected 340 extents in uid_map"
}

t_refuses_world_writable_source() {
    chmod 0666 /etc/subuid
    target $U1
    run $U1 "$BIN/newuidmap" "$TARGET" 0 200000 10
    expect_refused "$TARGET" uid "/etc/subuid is writable by group or others (mode 0666)"
}

t_refuses_symlinked_source() {
    mv /etc/subuid /etc/subuid.real
    ln -s /etc/subuid.real /etc/subuid
    target $U1
    run $U1 "$BIN/newuidmap" "$TARGET" 0 200000 10
    expect_refused "$TARGET" uid "/etc/subuid is a symbolic link"
}

t_refuses_source_not_owned_by_root() {
    chown $U1 /etc/subuid
    target $U1
    run $U1 "$BIN/newuidmap" "$TARGET" 0 200000 10
    expect_refused "$TARGET" uid "/etc/subuid is owned by uid $U1, not root"
}

t_malformed_line_warns_and_rest_counts() {
    printf '%s\n' "$U1N:20x:5" "$U1N:200000:10" >/etc/subuid
    target $U1
    run $U1 "$BIN/newuidmap" "$TARGET" 0 200000 10
    expect_rc 0
    expect_err "warning: /etc/subuid:1: line for $U1N ignored: start is not a plain decimal"
    expect_map "$TARGET" uid "0 200000 10"
}

t_without_privilege_says_so() {
    install -m 0755 "$IDG_BUILD/newuidmap/newuidmap" "$T/bin/plain-newuidmap"
    target $U1
    run $U1 "$T/bin/plain-newuidmap" "$TARGET" 0 200000 10
    expect_refused "$TARGET" uid "not installed with privilege: needs setuid root or cap_setuid+ep (mode 0755"
    run $U1 setpriv --no-new-privs "$BIN/newuidmap" "$TARGET" 0 200000 10
    expect_refused "$TARGET" uid "no_new_privs is set"
    mkdir "$T/nosuid"
    mount -t tmpfs -o nosuid,mode=0755 nosuid "$T/nosuid"
    install -m 4755 "$BIN/newuidmap" "$T/nosuid/"
    run $U1 "$T/nosuid/newuidmap" "$TARGET" 0 200000 10
    expect_refused "$TARGET" uid "is on a filesystem mounted nosuid"
}

t_file_capabilities_instead_of_setuid() {
    file_caps newuidmap cap_setuid uid
}

t_refuses_map_longer_than_a_page() {
    printf '%s\n' "$U1N:1000000000:1000" >/etc/subuid
    target $U1
    local args=() i
    for ((i = 0; i < 300; i++)); do args+=($((1000000 + i)) $((1000000000 + i)) 1); done
    run $U1 "$BIN/newuidmap" "$TARGET" "${args[@]}"
    expect_refused "$TARGET" uid "the map is longer than the kernel takes in one write"
}

t_help_and_version() {
    run $U1 "$BIN/newuidmap" --help
    expect_rc 0
    grep -qF "Usage: newuidmap PID|fd:N INSIDE OUTSIDE COUNT" <<<"$OUT" || fail "no usage: $OUT"
    run $U1 "$BIN/newuidmap" --version
    expect_rc 0
    grep -qE '^newuidmap \(idgate\) [0-9]' <<<"$OUT" || fail "no version: $OUT"
}

t_refuses_fd_of_a_task_directory() {
    target $U1
    run $U1 bash -c "exec 7</proc/$TARGET/task/$TARGET && exec '$BIN/newuidmap' fd:7 0 $U1 1"
    expect_refused "$TARGET" uid "fd 7 is not the /proc/PID directory of a process in this pid namespace"
}

t_explains_non_dumpable_target() {
    # Executing a binary the user may not read makes the process non-dumpable.
    install -m 0111 "$(command -v sleep)" "$T/bin/xsleep"
    setpriv --reuid=$U1 --regid=$U1 --clear-groups -- unshare --user "$T/bin/xsleep" 600 &
    TARGET=$!
    wait_for "process $TARGET to run xsleep" has_comm "$TARGET" xsleep
    run $U1 "$BIN/newuidmap" "$TARGET" 0 $U1 1
    expect_rc 1
    expect_err "process $TARGET is not dumpable, so you may not inspect it"
}

# A source that cannot answer denies: SSSD's module is installed (scripts/deps:
# sssd-common) but no sssd runs here.
t_nsswitch_unreachable_source_refuses() {
    printf '%s\n' "passwd: files" "subid: sss" >/etc/nsswitch.conf
    target $U1
    run $U1 "$BIN/newuidmap" "$TARGET" 0 200000 10
    expect_refused "$TARGET" uid "subid source sss is unreachable"
    expect_err "is sssd running?"
}

# Even when the files alone would grant: never a grant by falling back.
t_nsswitch_never_falls_back_to_files() {
    printf '%s\n' "passwd: files" "subid: files sss" >/etc/nsswitch.conf
    target $U1
    run $U1 "$BIN/newuidmap" "$TARGET" 0 200000 10
    expect_refused "$TARGET" uid "subid source sss is unreachable"
}

t_nsswitch_module_missing_refuses() {
    printf '%s\n' "passwd: files" "subid: files nosuchmodule" >/etc/nsswitch.conf
    target $U1
    run $U1 "$BIN/newuidmap" "$TARGET" 0 200000 10
    expect_refused "$TARGET" uid "subid source nosuchmodule (the subid: line of /etc/nsswitch.conf) is unreachable: libsubid_nosuchmodule.so cannot be loaded"
}

# An nsswitch.conf over the 1 MiB read limit is refused for its size, not
# blamed on its subid line (issue 12, item 13).
t_nsswitch_too_large_is_named() {
    { cat "$T/nsswitch.conf.orig"; head -c 1100000 /dev/zero | tr '\0' '#'; echo; } >/etc/nsswitch.conf
    local size
    size=$(stat -c %s /etc/nsswitch.conf)
    target $U1
    run $U1 "$BIN/newuidmap" "$TARGET" 0 200000 10
    expect_refused "$TARGET" uid \
        "newuidmap: /etc/nsswitch.conf is too large ($size bytes; at most 1048576 are read)"
    expect_err "ask an administrator to shorten it"
    [[ $ERR != *"subid line of"* ]] || fail "blames the subid line: $ERR"
}

# /proc with hidepid: another user's process is there but may not be
# opened; it is said to be inaccessible, not missing (issue 12, item 12).
t_hidepid_target_is_inaccessible_not_missing() {
    target $U2
    local opt
    for opt in 1 2; do
        mount -t proc -o hidepid=$opt proc /proc || { fail "cannot mount proc hidepid=$opt"; return; }
        run $U1 "${NOLEAK[@]}" "$BIN/newuidmap" "$TARGET" 0 200000 10
        umount /proc
        expect_refused "$TARGET" uid "newuidmap: process $TARGET exists but cannot be accessed: opening /proc/$TARGET fails"
        expect_err "you may only map processes of your own"
        [[ $ERR != *"does not exist"* ]] || fail "hidepid=$opt: called missing: $ERR"
    done
    expect_err "hidepid=invisible (2)"
    # A pid that is really free is still called missing under hidepid.
    mount -t proc -o hidepid=2 proc /proc
    run $U1 "${NOLEAK[@]}" "$BIN/newuidmap" 999999 0 200000 10
    umount /proc
    expect_rc 1
    expect_err "process 999999 does not exist"
}

# Under an unprivileged tracer the kernel ignores the setuid bit: say so,
# not "chmod 4755" of a file that is 4755 (issue 12, item 11).
t_traced_says_the_kernel_ignores_setuid() {
    target $U1
    run $U1 "${NOLEAK[@]}" strace -f -qq -o /dev/null "$BIN/newuidmap" "$TARGET" 0 200000 10
    expect_refused "$TARGET" uid "newuidmap was started under ptrace (TracerPid: "
    expect_err "the kernel ignores the setuid bit and file capabilities of a program traced by an unprivileged tracer"
    expect_err "run it without the tracer"
    [[ $ERR != *"chmod 4755"* ]] || fail "asks for chmod 4755: $ERR"
}

# In a user namespace that does not map root the helper names it, rather
# than blame the files' owner (uid 65534) or ask for chmod 4755 (issue 12,
# item 10): unshare -U (no map: the setuid bit is ignored) and unshare -r
# (root here is the caller: the helper runs, but root's files are no one's).
t_user_namespace_without_root_is_named() {
    target $U1
    run $U1 unshare -U "$BIN/newuidmap" "$TARGET" 0 200000 10
    expect_refused "$TARGET" uid "newuidmap runs in a user namespace where root is not mapped (its uid_map: empty: no uid is mapped)"
    expect_err "the kernel ignores the setuid bit of root's programs"
    expect_err "run it outside this user namespace (not under unshare -U or -r)"
    [[ $ERR != *"chmod 4755"* ]] || fail "unshare -U: asks for chmod 4755: $ERR"
    run $U1 unshare -r "$BIN/newuidmap" "$TARGET" 0 200000 10
    expect_refused "$TARGET" uid "newuidmap: refusing to use /etc/nsswitch.conf: /etc/nsswitch.conf is owned by uid 65534, which this user namespace does not map"
    expect_err "this process runs in a user namespace where root is not mapped (its uid_map: 0 $U1 1)"
    [[ $ERR != *"chown root"* ]] || fail "unshare -r: asks for a chown: $ERR"
    # Without nsswitch.conf the first root file read is /etc/subuid.
    rm /etc/nsswitch.conf
    run $U1 unshare -r "$BIN/newuidmap" "$TARGET" 0 200000 10
    expect_refused "$TARGET" uid "/etc/subuid is owned by uid 65534, which this user namespace does not map"
}

# The account lookup fails (passwd: sss, no sssd runs: scripts/deps
# installs sssd-common): the refusal names the failed lookup, not "has no
# ranges", for a caller with two lines in /etc/subuid (issue 12, item 9).
t_failed_account_lookup_is_named() {
    printf '%s\n' "passwd: sss" "group: files" "subid: files" >/etc/nsswitch.conf
    printf '%s\n' "$U1N:200000:100" "$U1N:300000:100" "$U1:500000:10" >/etc/subuid
    target $U1
    run $U1 "$BIN/newuidmap" "$TARGET" 0 200000 10
    expect_refused "$TARGET" uid \
        "newuidmap: uid range 0-9 -> 200000-200009 is not allotted to uid $U1; the passwd database could not be asked who uid $U1 is (passwd: sss in /etc/nsswitch.conf failed: No such file or directory), so lines of /etc/subuid that name the account were not matched"
    expect_err "try again when that source answers (is sssd running?)"
    # What the uid alone is allotted still shows, and still grants.
    expect_err "uid $U1 has 500000-500009 in /etc/subuid:3"
    [[ $ERR != *"has no uid ranges"* ]] || fail "says no ranges: $ERR"
    run $U1 "$BIN/newuidmap" "$TARGET" 0 500000 10
    expect_rc 0
    expect_map "$TARGET" uid "0 500000 10"
}

# other_userns PID: PID is in a user namespace that is not ours.
other_userns() {
    local ns
    ns=$(readlink "/proc/$1/ns/user") && [ "$ns" != "$(readlink /proc/self/ns/user)" ]
}

# A dumpable process of the caller in a user namespace root created (root
# writes its maps and starts it as the caller there): its namespace is not
# the caller's, and it is not called "not dumpable" (issue 12, item 8).
t_target_in_a_namespace_of_root_is_not_called_non_dumpable() {
    mkfifo "$T/go"
    unshare --user bash -c "read -r _ <'$T/go'; exec setpriv --reuid=$U1 --regid=$U1 --clear-groups sleep 600" &
    TARGET=$!
    wait_for "process $TARGET to enter a new user namespace" other_userns "$TARGET"
    echo "0 0 65536" >"/proc/$TARGET/uid_map"
    echo "0 0 65536" >"/proc/$TARGET/gid_map"
    echo go >"$T/go"
    wait_for "process $TARGET to run sleep as $U1" is_sleep "$TARGET"
    [ "$(stat -c %u "/proc/$TARGET/stat")" = $U1 ] || fail "the target is not dumpable"
    run $U1 "$BIN/newuidmap" "$TARGET" 0 $U1 1
    expect_rc 1
    expect_err "newuidmap: process $TARGET is yours (uid $U1) and dumpable, but its user namespace is not: another user created it"
    expect_err "start the process in a user namespace that you create"
    [[ $ERR != *"not dumpable"* ]] || fail "called not dumpable: $ERR"
    expect_map "$TARGET" uid "0 0 65536"
}

# A process whose main thread exited while another thread runs is alive:
# the kernel takes its map (shadow maps it), so it is mapped, by pid, by a
# /proc/PID fd and by a pidfd, not called exited (issue 12, item 7).
t_main_thread_exited_other_threads_run_is_mapped() {
    local form
    for form in pid procfd pidfd; do
        thread_target $U1
        case $form in
        pid) run $U1 "$BIN/newuidmap" "$TARGET" 0 $U1 1 1 200000 10 ;;
        procfd) run $U1 bash -c "exec 7</proc/$TARGET && exec '$BIN/newuidmap' fd:7 0 $U1 1 1 200000 10" ;;
        pidfd) run $U1 "$IDG_BUILD/tests/integration/with-pidfd" "$TARGET" "$BIN/newuidmap" {} 0 $U1 1 1 200000 10 ;;
        esac
        expect_rc 0
        expect_no_err
        expect_map "$TARGET" uid "0 $U1 1
1 200000 10"
        kill "$TARGET"
    done
}
