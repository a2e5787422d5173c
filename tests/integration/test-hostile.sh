# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# Hostile callers (issue 5, "Races" and "Environment and fds"): targets that
# exit, die and have their pid reused, or exec a setuid program while being
# mapped; a poisoned environment, closed or thousands of inherited fds, huge
# argv, SIGSTOP/SIGCONT and SIGKILL of the helper. Every case asserts the
# exit status, no death by signal (a crash), a map either written whole as
# requested or not at all, and /etc/subuid unchanged.
# Already covered elsewhere, not repeated: a pidfd of a dead process
# (test-map.sh t_refuses_pidfd_of_dead_process), fd:N of a task directory
# (t_refuses_fd_of_a_task_directory), 341 ranges and a map over a page
# (t_extent_limit, t_refuses_map_longer_than_a_page).

RACE=$IDG_BUILD/tests/integration/hostile-race
WITH_PIDFD=$IDG_BUILD/tests/integration/with-pidfd

save_sources() {
    cp -p /etc/subuid "$T/subuid.saved"
    cp -p /etc/subgid "$T/subgid.saved"
}

expect_sources_unchanged() {
    cmp -s /etc/subuid "$T/subuid.saved" || fail "/etc/subuid changed"
    cmp -s /etc/subgid "$T/subgid.saved" || fail "/etc/subgid changed"
}

# No death by a signal: exit statuses of 128 and more are signals (bash).
expect_no_crash() {
    [ "$RC" -lt 128 ] || fail "killed by signal $((RC - 128)); stderr: $ERR"
}

# expect_whole PID uid|gid MAP: after RC, the map is MAP if the call
# succeeded, empty if not; never anything else.
expect_whole() {
    expect_no_crash
    if [ "$RC" = 0 ]; then expect_map "$1" "$2" "$3"; else expect_unmapped "$1" "$2"; fi
}

# decoys: three more user-namespace processes of U1 that nothing may map.
decoys() {
    DECOYS=()
    local k
    for k in 1 2 3; do
        target $U1
        DECOYS+=("$TARGET")
    done
}

expect_decoys_unmapped() {
    local d
    for d in "${DECOYS[@]}"; do
        expect_unmapped "$d" uid
        expect_unmapped "$d" gid
    done
}

# check_rounds MODE: judge hostile-race's lines in $OUT.
check_rounds() {
    local line st map bad=0
    while read -r line; do
        st=${line#* status=}
        st=${st%% *}
        map=${line#* map=}
        map=${map%% err=*}
        case "$1:$st:$map" in
        *:exit:0:full | *:exit:1:none | kill:signal:9:full | kill:signal:9:none) ;;
        *) fail "round: $line"; bad=$((bad + 1)) ;;
        esac
        if [ "$1" = exit ] && [ "$st" = exit:1 ]; then
            case "$line" in
            # A zombie target: the kernel's EPERM is passed on as is (see
            # the NOTE printed below).
            *"the kernel refused to write "?"id_map of process "*": Permission denied"*) ;;
            *"exited before its "?"id_map could be written"* | *"exited while it was being checked"* | *"does not exist"*) ;;
            *) fail "unexpected refusal: $line" ;;
            esac
        fi
        if [ "$1" = stop ] && [ "$st" != exit:0 ]; then fail "stopped helper did not succeed: $line"; fi
        [ "$bad" -lt 5 ] || break
    done <<<"$OUT"
    [ -n "$OUT" ] || fail "no rounds ran; stderr: $ERR"
    echo "    $1: $(grep -c ' status=exit:0 ' <<<"$OUT") mapped," \
        "$(grep -c ' status=exit:1 ' <<<"$OUT") refused," \
        "$(grep -c ' status=signal:9 map=full' <<<"$OUT") killed after the write," \
        "$(grep -c ' status=signal:9 map=none' <<<"$OUT") killed before it"
}

# calibrate: RACE_US, twice the time of one successful call in microseconds,
# so that random delays up to it land before, during and after the call.
calibrate() {
    local t0 sum=0 k
    for k in 1 2 3 4 5; do
        target $U1
        t0=$(date +%s%N)
        as $U1 "$BIN/newuidmap" "$TARGET" 0 200000 10 || fail "calibration call failed"
        sum=$((sum + $(date +%s%N) - t0))
        kill "$TARGET"
    done
    RACE_US=$((sum / 1000 / 5 * 2))
    ((RACE_US > 60000)) && RACE_US=60000
    echo "    random delays: 0-$RACE_US us"
}

# --- Races -----------------------------------------------------------------

# 1a. The target exits on its own 0-4 ms after the helper started: the map is
# written before it died, or the helper says it is gone; no other process of
# the caller is mapped instead.
t_race_target_exits_during_the_call() {
    calibrate
    save_sources
    decoys
    run $U1 "$RACE" exit 200 "$RACE_US" "0 200000 10" "$BIN/newuidmap" {} 0 200000 10
    expect_rc 0
    check_rounds exit
    grep "status=exit:1" <<<"$OUT" | sed 's/.* err=/        /; s/process [0-9]*/process N/' | sort | uniq -c
    grep -q "status=exit:1 .*Permission denied" <<<"$OUT" &&
        echo "    NOTE: a target that exited (a zombie) is reported as the kernel's EPERM, not as gone"
    run $U1 "$RACE" exit 50 "$RACE_US" "0 200000 10" "$BIN/newgidmap" {} 0 200000 10
    expect_rc 0
    check_rounds exit
    expect_decoys_unmapped
    expect_sources_unchanged
}

# reuse_pid PID UID: start a new user-namespace process of UID (0: root) at
# the now free PID (ns_last_pid); sets REUSED, or fails.
reuse_pid() {
    local k
    for ((k = 0; k < 50; k++)); do
        echo $(($1 - 1)) >/proc/sys/kernel/ns_last_pid
        setpriv --reuid="$2" --regid="$2" --clear-groups -- unshare --user sleep 600 &
        REUSED=$!
        if [ "$REUSED" = "$1" ]; then
            wait_for "process $REUSED to enter a new user namespace" in_new_userns "$REUSED"
            return 0
        fi
        kill "$REUSED"
    done
    fail "could not get pid $1 again"
    return 1
}

# reuse_case HOW UID: U1 holds /proc/PID (HOW=dir) or a pidfd (HOW=pidfd) of
# its own target; the target dies, its pid goes to a new process of UID; only
# then is the helper run with the fd.
reuse_case() {
    rm -f "$T/go" "$T/tmp/ready"
    target $U1
    local victim=$TARGET wait_go="while [ ! -e '$T/go' ]; do sleep 0.01; done"
    if [ "$1" = dir ]; then
        as $U1 bash -c "exec 7</proc/$victim && : >'$T/tmp/ready' && $wait_go &&
            exec '$BIN/newuidmap' fd:7 0 200000 10" >"$T/out" 2>"$T/err" &
    else
        as $U1 "$WITH_PIDFD" "$victim" bash -c ": >'$T/tmp/ready' && $wait_go &&
            exec '$BIN/newuidmap' \"\$0\" 0 200000 10" {} >"$T/out" 2>"$T/err" &
    fi
    local holder=$!
    wait_for "the fd holder" test -e "$T/tmp/ready" || return
    kill -9 "$victim"
    wait "$victim" 2>/dev/null
    reuse_pid "$victim" "$2" || { touch "$T/go"; wait "$holder"; return; }
    touch "$T/go"
    wait "$holder"
    RC=$? ERR=$(cat "$T/err")
    expect_no_crash
    expect_rc 1
    [ -n "$ERR" ] || fail "no message"
    echo "    $1 fd, pid $victim reused by uid $2: $ERR"
    expect_unmapped "$REUSED" uid
    kill "$REUSED"
}

# 1b. pid reuse: an fd opened while the target lived names that process
# only, never the new one that got its pid (same user, or root).
t_race_pid_reused_by_another_process() {
    save_sources
    reuse_case dir $U1
    reuse_case dir 0
    reuse_case pidfd $U1
    reuse_case pidfd 0
    expect_sources_unchanged
}

# A setuid-root program that reports its effective uid and sleeps.
build_suid() {
    command -v cc >/dev/null || return 1
    [ -x "$T/bin/suidsleep" ] && return 0
    printf '%s\n' '#include <stdio.h>' '#include <unistd.h>' \
        'int main(void){printf("euid=%d\n",(int)geteuid());fflush(stdout);sleep(600);return 0;}' \
        >"$T/suidsleep.c"
    cc -o "$T/bin/suidsleep" "$T/suidsleep.c" || return 1
    chown root:root "$T/bin/suidsleep" && chmod 4755 "$T/bin/suidsleep"
}

# expect_not_root_mapped PID: a process whose map was written runs as no
# uid 0 (real, effective, saved or fs).
expect_not_root_mapped() {
    local uids
    uids=$(awk '$1 == "Uid:" {print $2, $3, $4, $5}' "/proc/$1/status")
    if [ -n "$(map_of "$1" uid)" ] && grep -qw 0 <<<"$uids"; then
        fail "process $1 runs with uids '$uids' and got uid_map '$(map_of "$1" uid)'"
    fi
}

# 1c. The target execs a setuid-root program after it was opened.
t_race_target_execs_setuid_program() {
    build_suid || { echo "    SKIP: no cc"; return; }
    save_sources
    # Control: the program does give root, outside a user namespace.
    # Started directly, not through the function as(): then $! is the
    # program itself, and the kill below ends it.
    setpriv --reuid=$U1 --regid=$U1 --clear-groups -- "$T/bin/suidsleep" >"$T/ctl" &
    local ctl=$!
    wait_for "the setuid control" grep -q euid= "$T/ctl"
    grep -qx euid=0 "$T/ctl" || fail "suidsleep is not setuid root: $(cat "$T/ctl")"
    kill $ctl
    local k wait_go
    for ((k = 0; k < 20; k++)); do
        rm -f "$T/tmp/go" "$T/sout"
        wait_go="while [ ! -e '$T/tmp/go' ]; do sleep 0.001; done"
        setpriv --reuid=$U1 --regid=$U1 --clear-groups -- unshare --user bash -c \
            "$wait_go; exec '$T/bin/suidsleep'" >"$T/sout" &
        TARGET=$!
        wait_for "bash $TARGET in a new user namespace" \
            eval '[ "$(readlink /proc/$TARGET/ns/user)" != "$(readlink /proc/self/ns/user)" ] && has_comm $TARGET bash' || return
        if ((k == 0)); then
            # The helper holds /proc/PID from before the exec.
            as $U1 bash -c "exec 7</proc/$TARGET && touch '$T/tmp/go' &&
                while [ \"\$(cat /proc/$TARGET/comm)\" != suidsleep ]; do sleep 0.001; done &&
                exec '$BIN/newuidmap' fd:7 0 200000 10" >"$T/out" 2>"$T/err"
        else
            # The exec races the helper.
            touch "$T/tmp/go"
            as $U1 "$BIN/newuidmap" "$TARGET" 0 200000 10 >"$T/out" 2>"$T/err"
        fi
        RC=$? ERR=$(cat "$T/err")
        wait_for "the exec of suidsleep" has_comm "$TARGET" suidsleep || return
        wait_for "suidsleep output" grep -q euid= "$T/sout"
        expect_whole "$TARGET" uid "0 200000 10"
        expect_not_root_mapped "$TARGET"
        if ((k == 0)); then
            echo "    fd opened before the exec: rc $RC, $(cat "$T/sout"), uid_map '$(map_of "$TARGET" uid)' $ERR"
        fi
        kill "$TARGET"
    done
    expect_sources_unchanged
}

# --- Environment and fds -----------------------------------------------------

# A library that announces itself from its constructor.
build_pwned() {
    command -v cc >/dev/null || return 1
    mkdir -p "$T/evil"
    printf '%s\n' '#include <stdio.h>' '#include <unistd.h>' \
        '__attribute__((constructor)) static void pwn(void) {' \
        '  fprintf(stderr, "PWNED uid=%d euid=%d\n", (int)getuid(), (int)geteuid());' \
        '  fprintf(stdout, "PWNED\n"); fflush(stdout); }' >"$T/evil/pwned.c"
    cc -shared -fPIC -o "$T/evil/libpwned.so" "$T/evil/pwned.c" || return 1
    # Also under the names the helper loads, for LD_LIBRARY_PATH.
    local lib
    for lib in libc.so.6 libcap.so.2; do cp "$T/evil/libpwned.so" "$T/evil/$lib"; done
    chmod -R a+rX "$T/evil"
}

t_env_ld_preload_and_library_path() {
    build_pwned || { echo "    SKIP: no cc"; return; }
    save_sources
    # Control: a program that is not setuid does load it.
    run $U1 env LD_PRELOAD="$T/evil/libpwned.so" /bin/true
    grep -q PWNED <<<"$ERR" || fail "control: the library was not preloaded: $ERR"
    target $U1
    run $U1 env LD_PRELOAD="$T/evil/libpwned.so" LD_LIBRARY_PATH="$T/evil" \
        LD_AUDIT="$T/evil/libpwned.so" "$BIN/newuidmap" "$TARGET" 0 200000 10
    expect_rc 0
    expect_whole "$TARGET" uid "0 200000 10"
    grep -q PWNED <<<"$OUT$ERR" && fail "the library ran: $OUT $ERR"
    # A refusal too (the message path).
    run $U1 env LD_PRELOAD="$T/evil/libpwned.so" LD_LIBRARY_PATH="$T/evil" \
        "$BIN/newuidmap" "$TARGET" 0 200000 10
    expect_no_crash
    expect_rc 1
    grep -q PWNED <<<"$OUT$ERR" && fail "the library ran: $OUT $ERR"
    expect_map "$TARGET" uid "0 200000 10"
    expect_sources_unchanged
}

t_env_locale_and_gconv_paths() {
    save_sources
    local junk=$T/tmp/junk
    mkdir -p "$junk/de_DE.UTF-8/LC_MESSAGES" "$junk/gconv"
    head -c 4096 /dev/urandom >"$junk/de_DE.UTF-8/LC_MESSAGES/libc.mo"
    head -c 4096 /dev/urandom >"$junk/de_DE.UTF-8/LC_CTYPE"
    printf 'module INTERNAL JUNK// %s/gconv/evil 1\n' "$junk" >"$junk/gconv/gconv-modules"
    printf '%%s%%s%%s%%n%%n\n' >"$junk/nls.cat"
    chmod -R a+rwX "$junk"
    local envs=(LC_ALL=de_DE.UTF-8 LANG=de_DE.UTF-8 LANGUAGE=de:xx LOCPATH="$junk"
        NLSPATH="$junk/nls.cat" GCONV_PATH="$junk/gconv" CHARSET=JUNK TZ="$junk/tz"
        TZDIR="$junk" HOSTALIASES="$junk/nls.cat" MALLOC_CHECK_=3 MALLOC_PERTURB_=165)
    target $U1
    run $U1 env "${envs[@]}" "$BIN/newuidmap" "$TARGET" 0 300000 10
    expect_no_crash
    expect_refused "$TARGET" uid "300000"
    run $U1 env "${envs[@]}" "$BIN/newuidmap" "$TARGET" 0 200000 10
    expect_rc 0
    expect_whole "$TARGET" uid "0 200000 10"
    expect_sources_unchanged
}

t_fds_closed_stdio() {
    save_sources
    target $U1
    as $U1 "$BIN/newuidmap" "$TARGET" 0 200000 10 <&- >&- 2>&-
    RC=$? ERR=""
    expect_rc 0
    expect_whole "$TARGET" uid "0 200000 10"
    # fd 3 is a file, 1 and 2 are closed: a refusal's message must not land
    # in it (nor in anything the helper opens later as fd 1 or 2).
    target $U1
    : >"$T/tmp/fd3"
    chown $U1 "$T/tmp/fd3"
    as $U1 bash -c "exec 3>>'$T/tmp/fd3' && exec '$BIN/newuidmap' $TARGET 0 300000 10 <&- >&- 2>&-"
    RC=$? ERR=""
    expect_no_crash
    expect_rc 1
    expect_unmapped "$TARGET" uid
    [ -s "$T/tmp/fd3" ] && fail "output landed in the file on fd 3: $(cat "$T/tmp/fd3")"
    as $U1 bash -c "exec 3>>'$T/tmp/fd3' && exec '$BIN/newuidmap' $TARGET 0 200000 10 <&- >&- 2>&-"
    RC=$?
    expect_rc 0
    expect_whole "$TARGET" uid "0 200000 10"
    [ -s "$T/tmp/fd3" ] && fail "output landed in the file on fd 3: $(cat "$T/tmp/fd3")"
    expect_sources_unchanged
}

t_fds_thousands_inherited() {
    save_sources
    ulimit -n 8192 || { fail "cannot raise the fd limit"; return; }
    # A big subuid keeps the reader child alive long enough to be looked at.
    { echo "$U1N:200000:65536"; yes "idgtx:1:1" | head -n 10000000; } >/etc/subuid
    save_sources
    target $U1
    local open="for ((i = 10; i < 4010; i++)); do eval \"exec \$i</dev/null\"; done"
    setpriv --reuid=$U1 --regid=$U1 --clear-groups -- \
        bash -c "$open; exec '$BIN/newuidmap' $TARGET 0 200000 10" >"$T/out" 2>"$T/err" &
    local helper=$! reader="" i hfds="" rfds=""
    for ((i = 0; i < 20000; i++)); do
        [ -z "$rfds" ] || break
        kill -0 $helper 2>/dev/null || break
        [ "$(cat "/proc/$helper/comm" 2>/dev/null)" = newuidmap ] || continue
        reader=$(cat "/proc/$helper/task/$helper/children" 2>/dev/null)
        reader=${reader%% *}
        [ -n "$reader" ] || continue
        hfds=$(ls "/proc/$helper/fd" 2>/dev/null | wc -l)
        rfds=$(ls "/proc/$reader/fd" 2>/dev/null | tr '\n' ' ')
    done
    wait $helper
    RC=$? ERR=$(cat "$T/err")
    expect_rc 0
    expect_whole "$TARGET" uid "0 200000 10"
    if [ -z "$rfds" ]; then
        fail "never saw the reader child"
    else
        echo "    helper had $hfds fds, its reader child: $rfds"
        [ "$hfds" -le 8 ] || fail "the helper kept $hfds fds"
        [ "$(wc -w <<<"$rfds")" -le 6 ] || fail "the reader child has fds $rfds"
    fi
    expect_sources_unchanged
}

t_huge_argv() {
    save_sources
    target $U1
    local args=() i
    for ((i = 0; i < 1000; i++)); do args+=("$i" $((200000 + i)) 1); done
    run $U1 "$BIN/newuidmap" "$TARGET" "${args[@]}"
    expect_no_crash
    expect_refused "$TARGET" uid "1000 ranges given; the kernel accepts at most 340"
    local big
    big=$(head -c 102400 /dev/zero | tr '\0' 7)
    for args in "$big 200000 10" "0 $big 10" "0 200000 $big" "$big%n%s 1 1"; do
        # shellcheck disable=SC2086
        run $U1 "$BIN/newuidmap" "$TARGET" $args
        expect_no_crash
        expect_rc 1
        [ -n "$ERR" ] && [ "${#ERR}" -le 4096 ] || fail "message of ${#ERR} bytes"
        expect_unmapped "$TARGET" uid
    done
    run $U1 "$BIN/newuidmap" "$big" 0 200000 10
    expect_no_crash
    expect_rc 1
    [ -n "$ERR" ] && [ "${#ERR}" -le 4096 ] || fail "message of ${#ERR} bytes"
    run $U1 "$BIN/newuidmap" "$TARGET" 0 200000 10
    expect_rc 0
    expect_whole "$TARGET" uid "0 200000 10"
    expect_sources_unchanged
}

t_sigstop_sigcont_mid_run() {
    calibrate
    save_sources
    run $U1 "$RACE" stop 30 "$RACE_US" "0 200000 10;10 $U1 1" "$BIN/newuidmap" {} 0 200000 10 10 $U1 1
    expect_rc 0
    check_rounds stop
    run $U1 "$RACE" stop 10 "$RACE_US" "0 200000 10" "$BIN/newgidmap" {} 0 200000 10
    expect_rc 0
    check_rounds stop
    expect_sources_unchanged
}

t_sigkill_at_random_moments() {
    calibrate
    save_sources
    run $U1 "$RACE" kill 100 "$RACE_US" "0 200000 10;10 $U1 1" "$BIN/newuidmap" {} 0 200000 10 10 $U1 1
    expect_rc 0
    check_rounds kill
    run $U1 "$RACE" kill 40 "$RACE_US" "0 $U1 1" "$BIN/newgidmap" {} 0 $U1 1
    expect_rc 0
    check_rounds kill
    expect_sources_unchanged
}
