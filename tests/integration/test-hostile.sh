# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# Hostile callers (issue 5, "Races" and "Environment and fds"): targets that
# exit (and stay zombies), die and have their pid reused, or exec a setuid
# program while being mapped; a poisoned environment, closed or thousands of
# inherited fds, huge argv, SIGSTOP/SIGCONT and SIGKILL of the helper. Every
# case asserts the exit status, no death by signal (a crash), a map either
# written whole as requested or not at all, and /etc/subuid unchanged; a
# refusal, its one-line message. The random rounds (hostile-race) time the
# helper first, so that they cover its whole run in a sanitized build too,
# and must be seen to land on both sides of the write.
# Already covered elsewhere, not repeated: a pidfd of a dead process
# (test-map.sh t_refuses_pidfd_of_dead_process), fd:N of a task directory
# (t_refuses_fd_of_a_task_directory), 341 ranges and a map over a page
# (t_extent_limit, t_refuses_map_longer_than_a_page).

RACE=$IDG_BUILD/tests/integration/hostile-race
# strace holds the helper at a chosen system call. LeakSanitizer cannot run
# under ptrace (the ASan build): no leak check in those runs.
STRACE=(env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -o "$T/strace")
WITH_PIDFD=$IDG_BUILD/tests/integration/with-pidfd

save_sources() {
    cp -p /etc/subuid "$T/subuid.saved"
    cp -p /etc/subgid "$T/subgid.saved"
}

expect_sources_unchanged() {
    cmp -s /etc/subuid "$T/subuid.saved" || fail "/etc/subuid changed"
    cmp -s /etc/subgid "$T/subgid.saved" || fail "/etc/subgid changed"
}

# Make the helpers ask NSS, and so fork their reader child: passwd names a
# module (glibc's compat) rather than files.
via_reader_child() {
    printf '%s\n' "passwd: compat" "group: files" "subid: files" >/etc/nsswitch.conf
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

# race MODE ROUNDS SECONDS EXPECT HELPER ARG...: hostile-race as U1 (its
# rounds in $OUT), then judged: every round ends in the map written whole as
# EXPECT, or not at all with the message the mode allows; and the race was
# really run: both outcomes (stop: a stop that found the helper running)
# were seen at least once.
race() {
    local mode=$1 prog=${5##*/}
    run $U1 "$RACE" "$@"
    expect_rc 0
    local line st map rounds=0 bad=0
    while read -r line; do
        case "$line" in "#"*) echo "    $mode $prog: ${line#\# }"; continue ;; esac
        rounds=$((rounds + 1))
        st=${line#* status=}
        st=${st%% *}
        map=${line#* map=}
        map=${map%% err=*}
        case "$mode:$st:$map" in
        *:exit:0:full | exit:exit:1:none | kill:signal:9:full | kill:signal:9:none) ;;
        *) fail "round: $line"; bad=$((bad + 1)) ;;
        esac
        # A refusal says why: the target has exited (a zombie, whose map the
        # kernel refuses with a bare EPERM).
        if [ "$st" = exit:1 ] && [[ $line != *" err=$prog: process "*" has exited; nothing was written; keep it running until its "?"id_map is written" ]]; then
            fail "unexpected refusal: $line"
            bad=$((bad + 1))
        fi
        [ "$bad" -lt 5 ] || break
    done <<<"$OUT"
    local mapped refused before after stopped
    mapped=$(grep -v ' delay=calibrate ' <<<"$OUT" | grep -c ' status=exit:0 ')
    refused=$(grep -c ' status=exit:1 ' <<<"$OUT")
    before=$(grep -c ' status=signal:9 .*map=none' <<<"$OUT")
    after=$(grep -c ' status=signal:9 .*map=full' <<<"$OUT")
    stopped=$(grep -c ' stopped=yes ' <<<"$OUT")
    echo "    $mode $prog: $rounds rounds (3 undisturbed): $mapped mapped, $refused refused," \
        "$before killed before the write, $after killed after it, $stopped stopped mid-run"
    case $mode in
    exit) [ "$mapped" -gt 0 ] && [ "$refused" -gt 0 ] ;;
    kill) [ $((mapped + after)) -gt 0 ] && [ "$before" -gt 0 ] ;;
    stop) [ "$stopped" -gt 0 ] ;;
    esac || fail "the $mode rounds did not land on both sides of the write"
    local least=$(($2 < 20 ? $2 : 20))
    [ "$rounds" -ge "$least" ] || fail "only $rounds rounds ran (at least $least wanted); stderr: $ERR"
}

# expect_line MESSAGE: stderr is this one line.
expect_line() {
    [ "$ERR" = "$1" ] || fail "stderr is not the one line '$1': $ERR"
}

# --- Races -----------------------------------------------------------------

# 1a. The target exits on its own at a random moment of the helper's run
# (and stays a zombie): the map is written before it died, or the helper
# says it has exited; no other process of the caller is mapped instead.
t_race_target_exits_during_the_call() {
    save_sources
    decoys
    race exit 200 25 "0 200000 10" "$BIN/newuidmap" {} 0 200000 10
    race exit 50 10 "0 200000 10" "$BIN/newgidmap" {} 0 200000 10
    expect_decoys_unmapped
    expect_sources_unchanged
}

# reuse_pid PID UID: start a new user-namespace process of UID (0: root) at
# the now free PID (ns_last_pid; sandbox.sh gives the test its own pid
# namespace); sets REUSED, or fails. A process that got another pid is
# killed and reaped before the next try.
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
        kill -9 "$REUSED"
        wait "$REUSED" 2>/dev/null
    done
    fail "could not get pid $1 again"
    return 1
}

# hold_fd HOW PID: a process of U1 that holds /proc/PID as fd 7 (HOW=dir)
# or a pidfd of PID (HOW=pidfd), says so in $T/tmp/ready, then waits for a
# line on the fifo $T/tmp/go and runs newuidmap with that fd (output in
# $T/out and $T/err). It waits in a read, forking nothing, so that it takes
# no pid while pids are being reused. Sets HOLDER.
hold_fd() {
    rm -f "$T/tmp/ready" "$T/tmp/go"
    mkfifo -m 0666 "$T/tmp/go"
    local wait_go="read -r _ <'$T/tmp/go'"
    if [ "$1" = dir ]; then
        setpriv --reuid=$U1 --regid=$U1 --clear-groups -- bash -c "exec 7</proc/$2 &&
            : >'$T/tmp/ready' && $wait_go; exec '$BIN/newuidmap' fd:7 0 200000 10" \
            >"$T/out" 2>"$T/err" &
    else
        setpriv --reuid=$U1 --regid=$U1 --clear-groups -- "$WITH_PIDFD" "$2" bash -c \
            ": >'$T/tmp/ready' && $wait_go; exec '$BIN/newuidmap' \"\$0\" 0 200000 10" {} \
            >"$T/out" 2>"$T/err" &
    fi
    HOLDER=$!
    wait_for "the fd holder" test -e "$T/tmp/ready"
}

# release_fd: let the holder run newuidmap; sets RC and ERR.
release_fd() {
    echo go >"$T/tmp/go"
    wait "$HOLDER"
    RC=$? ERR=$(cat "$T/err")
}

# reuse_case HOW UID: U1 holds /proc/PID (HOW=dir) or a pidfd (HOW=pidfd) of
# its own target; the target dies, its pid goes to a new process of UID; only
# then is the helper run with the fd.
reuse_case() {
    target $U1
    local victim=$TARGET
    hold_fd "$1" "$victim" || return
    kill -9 "$victim"
    wait "$victim" 2>/dev/null
    reuse_pid "$victim" "$2" || { release_fd; return; }
    release_fd
    expect_no_crash
    expect_rc 1
    if [ "$1" = dir ]; then
        expect_line "newuidmap: the process behind fd 7 (pid $victim) has exited; nothing was written; pass fd:N of a running process"
    elif [[ $ERR != "newuidmap: the process behind fd "+([0-9])" has exited; nothing was written; pass fd:N of a running process" ]]; then
        fail "unexpected message: $ERR"
    fi
    echo "    $1 fd, pid $victim reused by uid $2: $ERR"
    expect_unmapped "$REUSED" uid
    kill "$REUSED"
}

# zombie UID: a process of UID that entered a new user namespace and
# exited, and that its parent (a sleep) never reaps; sets ZOMBIE.
zombie() {
    rm -f "$T/tmp/zpid"
    setpriv --reuid="$1" --regid="$1" --clear-groups -- \
        bash -c "unshare --user true & echo \$! >'$T/tmp/zpid'; exec sleep 600" &
    wait_for "the zombie's pid" test -s "$T/tmp/zpid" || return
    ZOMBIE=$(cat "$T/tmp/zpid")
    wait_for "process $ZOMBIE to be a zombie" eval '[ "$(awk "{print \$3}" /proc/$ZOMBIE/stat)" = Z ]'
}

# A target that has exited but is not reaped yet: the kernel refuses its
# map with a bare EPERM; the helper says what happened, by pid or fd:N.
t_race_zombie_target_is_reported_as_exited() {
    save_sources
    zombie $U1 || return
    local prog
    for prog in newuidmap newgidmap; do
        run $U1 "$BIN/$prog" "$ZOMBIE" 0 200000 10
        expect_rc 1
        expect_line "$prog: process $ZOMBIE has exited; nothing was written; keep it running until its ${prog:3:1}id_map is written"
    done
    run $U1 bash -c "exec 7</proc/$ZOMBIE && exec '$BIN/newuidmap' fd:7 0 200000 10"
    expect_rc 1
    expect_line "newuidmap: process $ZOMBIE has exited; nothing was written; keep it running until its uid_map is written"
    run $U1 "$WITH_PIDFD" "$ZOMBIE" "$BIN/newuidmap" {} 0 200000 10
    expect_rc 1
    expect_line "newuidmap: the process behind fd 3 (pid $ZOMBIE) has exited; nothing was written; pass fd:N of a running process"
    expect_sources_unchanged
}

# fd:N of a /proc/PID directory whose process has been reaped (its pid not
# reused): said to be gone, not "neither a /proc/PID directory nor a pidfd".
t_race_fd_of_a_reaped_process() {
    target $U1
    local victim=$TARGET
    hold_fd dir "$victim" || return
    kill -9 "$victim"
    wait "$victim" 2>/dev/null
    release_fd
    expect_rc 1
    expect_line "newuidmap: the process behind fd 7 (pid $victim) has exited; nothing was written; pass fd:N of a running process"
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

# 1c. The window that only the pidfd check closes: the pidfd's process dies
# and its pid goes to another process after the helper read the pid from
# the pidfd and before it opened /proc/PID. strace (as root, running the
# helper as U1 with its setuid bit honoured: -u) holds that open for 3 s
# while the test kills the target and starts a new process of U1 at its pid.
t_race_pid_reused_between_pidfd_and_proc_open() {
    command -v strace >/dev/null || { fail "strace is not installed (scripts/deps installs it)"; return; }
    save_sources
    target $U1
    local victim=$TARGET
    rm -f "$T/strace"
    "${STRACE[@]}" -u $U1N -P "/proc/$victim" -e trace=openat \
        -e inject=openat:delay_enter=3000000 \
        "$WITH_PIDFD" "$victim" "$BIN/newuidmap" {} 0 200000 10 >"$T/out" 2>"$T/err" &
    local tracer=$!
    wait_for "the helper's open of /proc/$victim" grep -qs "\"/proc/$victim\"" "$T/strace" || return
    kill -9 "$victim"
    wait "$victim" 2>/dev/null
    reuse_pid "$victim" $U1 || { wait $tracer; return; }
    wait $tracer
    RC=$? ERR=$(cat "$T/err")
    expect_rc 1
    expect_line "newuidmap: the process behind fd 3 (pid $victim) has exited; nothing was written; pass fd:N of a running process"
    expect_unmapped "$REUSED" uid
    kill "$REUSED"
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

# 1d. The target execs a setuid-root program after it was opened.
t_race_target_execs_setuid_program() {
    build_suid || { fail "cannot build the setuid test program (cc)"; return; }
    save_sources
    # Control: the program does give root, outside a user namespace.
    # Started directly, not through the function as(), so that $! is the
    # program itself and the kill below ends it.
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
    build_pwned || { fail "cannot build the test library (cc)"; return; }
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

# fds_of PID: "FD=TARGET " for each open fd of PID, in numeric order.
fds_of() {
    local fd
    for fd in $(ls "/proc/$1/fd" 2>/dev/null | sort -n); do
        printf '%s=%s ' "$fd" "$(readlink "/proc/$1/fd/$fd")"
    done
}

# watch_helper SCRIPT: run SCRIPT (bash as U1, ending in an exec of
# newuidmap) under strace, which holds the open of /etc/subuid for 2 s:
# long enough to look at the fds of the helper and of its reader child, if
# it has one (sets HFDS and RFDS, see fds_of; RFDS empty when the helper
# reads root's files itself); then RC and ERR.
watch_helper() {
    command -v strace >/dev/null || { fail "strace is not installed (scripts/deps installs it)"; return; }
    rm -f "$T/strace"
    "${STRACE[@]}" -u $U1N -P /etc/subuid -e trace=openat \
        -e inject=openat:delay_enter=2000000 bash -c "$1" >"$T/out" 2>"$T/err" &
    local tracer=$! opener parent
    HFDS="" RFDS=""
    if wait_for "the open of /etc/subuid" grep -qs '"/etc/subuid"' "$T/strace"; then
        opener=$(awk '/"\/etc\/subuid"/ {print $1; exit}' "$T/strace")
        parent=$(awk '{print $4}' "/proc/$opener/stat")
        if [ "$(cat "/proc/$parent/comm")" = "$(cat "/proc/$opener/comm")" ]; then
            HFDS=$(fds_of "$parent") RFDS=$(fds_of "$opener") # the reader child
        else
            HFDS=$(fds_of "$opener") # the helper itself, no child
        fi
    fi
    wait $tracer
    RC=$? ERR=$(cat "$T/err")
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
    # While it runs: 0-2 are open on /dev/null (or /dev/full: glibc opens
    # that as fd 0 of a setuid program started without one), in the helper
    # and its reader child, so nothing it opens (the target, the sources,
    # a pipe) becomes its stdout or stderr.
    target $U1
    via_reader_child
    watch_helper "exec '$BIN/newuidmap' $TARGET 0 200000 10 <&- >&- 2>&-"
    expect_rc 0
    expect_whole "$TARGET" uid "0 200000 10"
    echo "    with 0-2 closed, the helper had: $HFDS"
    local std="0=/dev/@(null|full) 1=/dev/@(null|full) 2=/dev/@(null|full) "
    [[ $HFDS == $std* ]] || fail "the helper's fds 0-2 are not /dev/null: $HFDS"
    [[ $RFDS == $std* ]] || fail "the reader child's fds 0-2 are not /dev/null: $RFDS"
    expect_sources_unchanged
}

t_fds_thousands_inherited() {
    ulimit -n 8192 || { fail "cannot raise the fd limit"; return; }
    local how
    for how in itself child; do
        [ $how = child ] && via_reader_child
        target $U1
        watch_helper "for ((i = 10; i < 4010; i++)); do eval \"exec \$i</dev/null\"; done
            exec '$BIN/newuidmap' $TARGET 0 200000 10"
        expect_rc 0
        expect_whole "$TARGET" uid "0 200000 10"
        echo "    reading $how: the helper had ${HFDS:0:300}; its reader child: ${RFDS:0:300}"
        # 0-2 (and the reader's pipe), and in the helper its log socket
        # (audit.c, opened right after the drop); nothing of the 4000 (fds 10
        # and up). The reader child does not keep the log socket.
        [ -n "$HFDS" ] && [ "$(wc -w <<<"$HFDS")" -le 5 ] &&
            [ "$(grep -o '=socket:' <<<"$HFDS" | wc -l)" = 1 ] ||
            fail "the helper kept $(wc -w <<<"$HFDS") fds: ${HFDS:0:300}"
        if [ $how = child ]; then
            [ -n "$RFDS" ] && [ "$(wc -w <<<"$RFDS")" -le 4 ] && [[ $RFDS != *=socket:* ]] ||
                fail "the reader child has $(wc -w <<<"$RFDS") fds: ${RFDS:0:300}"
        else
            [ -z "$RFDS" ] || fail "a reader child was forked for root's files alone"
        fi
        expect_sources_unchanged
    done
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

# The helper stopped and continued at a random moment still does the whole
# job.
t_sigstop_sigcont_mid_run() {
    save_sources
    race stop 30 10 "0 200000 10;10 $U1 1" "$BIN/newuidmap" {} 0 200000 10 10 $U1 1
    # 30 rounds: under load (meson runs two test files at once) 10 once saw
    # no stop land while the helper ran.
    race stop 30 10 "0 200000 10" "$BIN/newgidmap" {} 0 200000 10
    expect_sources_unchanged
}

# The helper killed at a random moment leaves the map whole or unwritten.
t_sigkill_at_random_moments() {
    save_sources
    race kill 100 15 "0 200000 10;10 $U1 1" "$BIN/newuidmap" {} 0 200000 10 10 $U1 1
    race kill 40 8 "0 $U1 1" "$BIN/newgidmap" {} 0 $U1 1
    expect_sources_unchanged
}
