# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# One syslog line per call, facility authpriv: LOG_INFO (<86>) for a grant,
# LOG_NOTICE (<85>) for a refusal, with caller, target, extents and source.

t_grant_is_logged() {
    syslog_start
    target $U1
    run $U1 "$BIN/newuidmap" "$TARGET" 0 $U1 1 1 200000 65536
    expect_rc 0
    syslog_expect "caller uid $U1 ($U1N) target $TARGET map 0 $U1 1 (own id), 1 200000 65536 (/etc/subuid:2): allowed"
    grep -F "target $TARGET map" "$SYSLOG" | grep -q '^<86>' || fail "grant not logged as authpriv.info: $(cat "$SYSLOG")"
    grep -q "newuidmap\[[0-9]*\]: " "$SYSLOG" || fail "no program name and pid: $(cat "$SYSLOG")"
}

t_refusal_is_logged_with_reason() {
    syslog_start
    target $U1
    run $U1 "$BIN/newuidmap" "$TARGET" 0 400000 10
    expect_rc 1
    syslog_expect "caller uid $U1 ($U1N) target $TARGET map 0 400000 10: refused: uid range 0-9 -> 400000-400009 is not allotted to $U1N"
    grep -F "target $TARGET map" "$SYSLOG" | grep -q '^<85>' || fail "refusal not logged as authpriv.notice: $(cat "$SYSLOG")"
}

t_exactly_one_line_per_call() {
    syslog_start
    target $U1
    run $U1 "$BIN/newgidmap" "$TARGET" 0 $U1 1
    expect_rc 0
    syslog_expect "target $TARGET map 0 $U1 1 (own id): allowed"
    run $U1 "$BIN/newgidmap" "$TARGET" 0 $U1 1
    syslog_expect "was already written"
    sleep 0.2
    local n
    n=$(grep -c "target $TARGET map" "$SYSLOG")
    [ "$n" = 2 ] || fail "expected 2 audit lines for 2 calls, got $n: $(cat "$SYSLOG")"
}

t_fd_target_logs_the_pid() {
    syslog_start
    target $U1
    run $U1 "$IDG_BUILD/tests/integration/with-pidfd" "$TARGET" "$BIN/newuidmap" {} 0 $U1 1
    expect_rc 0
    syslog_expect "(pid $TARGET) map 0 $U1 1 (own id): allowed"
}

t_hostile_argv_is_sanitized_in_the_log() {
    syslog_start
    target $U1
    run $U1 "$BIN/newuidmap" "$TARGET" $'1\n<0>forged' 200000 10
    expect_rc 1
    syslog_expect "refused: triple 1: INSIDE '1?<0>forged'"
    if grep -q '^<0>forged' "$SYSLOG"; then fail "a newline in argv forged a syslog line"; fi
}

t_privilege_problem_is_logged() {
    syslog_start
    install -m 0755 "$IDG_BUILD/newuidmap/newuidmap" "$T/bin/plain-newuidmap"
    target $U1
    run $U1 "$T/bin/plain-newuidmap" "$TARGET" 0 200000 10
    expect_rc 1
    syslog_expect "refused: not installed with privilege"
}

# A caller whose stderr is a pipe nobody reads: the refusal's message cannot
# be written, and SIGPIPE must not kill the helper before its audit line.
t_refusal_audited_when_stderr_is_a_broken_pipe() {
    syslog_start
    target $U1
    as $U1 /usr/bin/python3 -c 'import os, signal, sys
signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # as a shell would leave it
r, w = os.pipe()
os.close(r)
os.dup2(w, 2)
os.execv(sys.argv[1], sys.argv[1:])' "$BIN/newuidmap" "$TARGET" 0 400000 10
    RC=$? ERR=""
    expect_rc 1
    syslog_expect "target $TARGET map 0 400000 10: refused"
    expect_unmapped "$TARGET" uid
}

# --- The audit promise under the caller's rlimits and signals ---------------

# RLIMIT_NOFILE=4 leaves one fd past 0-2. The log socket takes it right
# after the privilege drop, before the target or any file: the refusal (of
# another user's process) is logged. (When the target took it first, the
# socket could not be opened and the refusal left no line.)
t_refusal_audited_with_only_four_fds() {
    local prog
    target $U2
    for prog in newuidmap newgidmap; do
        syslog_start
        run $U1 "${NOLEAK[@]}" bash -c "ulimit -n 4 && exec '$BIN/$prog' $TARGET 0 400000 10"
        expect_rc 1
        expect_err "raise the limit on open files (ulimit -n)"
        syslog_expect "$prog["
        syslog_expect "target $TARGET map 0 400000 10: refused: "
    done
    expect_unmapped "$TARGET" uid
    expect_unmapped "$TARGET" gid
}

# RLIMIT_FSIZE=0 and stderr a file: the refusal's message cannot be
# written. The line is sent before the message is printed, and the write
# past the limit fails with EFBIG instead of killing the helper (SIGXFSZ
# ignored): exit status 1, one line each, nothing mapped.
t_refusal_audited_with_rlimit_fsize_0_and_stderr_a_file() {
    local args
    target $U1
    for args in "0 400000 10" "0 0 1"; do
        syslog_start
        as $U1 bash -c "ulimit -f 0 && exec '$BIN/newuidmap' $TARGET $args 2>'$T/tmp/stderr-file'"
        RC=$? ERR=""
        expect_rc 1
        syslog_expect "target $TARGET map $args: refused: "
    done
    expect_unmapped "$TARGET" uid
}

# The caller's stderr is a full pipe nobody reads: printing the refusal
# blocks, and the caller kills the helper there. The line was sent before
# the message (die()), so the refusal is logged.
t_refusal_audited_when_killed_while_printing() {
    target $U1
    python3 - "$U1" "$BIN/newuidmap" "$TARGET" 0 400000 10 >"$T/out" 2>&1 <<'PY'
import fcntl, os, signal, sys, time
uid, argv = sys.argv[1], sys.argv[2:]
r, w = os.pipe()
fl = fcntl.fcntl(w, fcntl.F_GETFL)
fcntl.fcntl(w, fcntl.F_SETFL, fl | os.O_NONBLOCK)
for size in (65536, 1):  # fill the pipe to the last byte
    try:
        while True:
            os.write(w, b"x" * size)
    except BlockingIOError:
        pass
fcntl.fcntl(w, fcntl.F_SETFL, fl)
pid = os.fork()
if pid == 0:
    os.dup2(w, 2)
    os.execvp("setpriv", ["setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "--"] + argv)
for _ in range(1000):  # until it blocks writing to the pipe
    try:
        if open("/proc/%d/wchan" % pid).read() == "pipe_write":
            break
    except OSError:
        pass
    time.sleep(0.01)
else:
    print("never blocked in pipe_write")
os.kill(pid, signal.SIGKILL)
_, st = os.waitpid(pid, 0)
print("killed" if os.WIFSIGNALED(st) else "status %d" % st)
PY
    grep -qx killed "$T/out" || fail "the helper was not killed while printing: $(cat "$T/out")"
    syslog_expect "target $TARGET map 0 400000 10: refused: "
    expect_unmapped "$TARGET" uid
}

# SIGKILL right after the write() of uid_map: strace holds the helper as
# that write returns, the test sees the map written and kills the helper
# there; its line was sent before. Then SIGKILL at random moments of many
# runs: every run whose map got written has its line. (When the line came
# after the write, a kill there hid the grant.)
map_written() { # PID uid|gid
    [ -n "$(map_of "$1" "$2")" ]
}

t_grant_audited_when_killed_right_after_the_write() {
    command -v strace >/dev/null || { fail "strace is not installed (scripts/deps installs it)"; return; }
    local prog kind tracer helper
    for prog in newuidmap newgidmap; do
        kind=${prog#new}
        kind=${kind%map}
        target $U1
        ASAN_OPTIONS=detect_leaks=0 strace -u "$U1N" -qq -o /dev/null -P "/proc/$TARGET/${kind}_map" \
            -e trace=write -e inject=write:delay_exit=3000000 "$BIN/$prog" "$TARGET" 0 200000 10 &
        tracer=$!
        wait_for "the $kind map to be written" map_written "$TARGET" "$kind"
        helper=$(<"/proc/$tracer/task/$tracer/children")
        kill -KILL $helper
        wait $tracer
        RC=$?
        [ "$RC" = 137 ] || fail "$prog was not killed: exit status $RC"
        expect_map "$TARGET" "$kind" "0 200000 10"
        syslog_expect "$prog["
        syslog_expect "target $TARGET map 0 200000 10 (/etc/sub${kind}:2): allowed"
    done
}

t_grant_audited_when_killed_at_random_moments() {
    local out line pid n=0 written=0
    out=$(as $U1 "$IDG_BUILD/tests/integration/hostile-race" kill 60 15 "0 200000 10" \
        "$BIN/newuidmap" {} 0 200000 10)
    sleep 0.5 # the listener writes what the helpers sent
    while read -r line; do
        case "$line" in "#"*) continue ;; esac
        n=$((n + 1))
        pid=${line#* target=}
        pid=${pid%% *}
        case "$line" in
        *" map=full "*)
            written=$((written + 1))
            grep -qF "target $pid map 0 200000 10 (/etc/subuid:2): allowed" "$SYSLOG" ||
                fail "a written map has no audit line: $line"
            ;;
        esac
    done <<<"$out"
    echo "    $n runs, $written maps written, each with its line"
    [ "$written" -gt 0 ] || fail "no run wrote its map: $out"
}

# Nothing listens at /dev/log: a grant cannot be logged, so it is not made.
# The refusal says so and what to do; setgroups is left alone.
t_no_system_logger_refuses_to_write() {
    syslog_stop
    target $U1
    run $U1 "$BIN/newuidmap" "$TARGET" 0 200000 10
    expect_refused "$TARGET" uid "newuidmap: cannot send the audit line to the system log at /dev/log"
    expect_err "nothing was written, as every map must be logged; start the system logger"
    run $U1 "$BIN/newgidmap" "$TARGET" 0 $U1 1
    expect_refused "$TARGET" gid "newgidmap: cannot send the audit line to the system log at /dev/log"
    [ "$(cat "/proc/$TARGET/setgroups")" = allow ] || fail "setgroups was written: $(cat "/proc/$TARGET/setgroups")"
    # A socket nobody reads any more is no logger either.
    syslog_start
    syslog_stop
    touch /dev/log
    run $U1 "$BIN/newuidmap" "$TARGET" 0 200000 10
    expect_refused "$TARGET" uid "cannot send the audit line to the system log at /dev/log"
}
