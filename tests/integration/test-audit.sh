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
