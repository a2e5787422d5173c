# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# The integration tests' sandbox and assertions. Sourced by sandbox.sh inside
# a private mount namespace, as root.
#
# A test file defines functions named t_*; each runs in a subshell, against
# freshly reset /etc/subuid, /etc/subgid, no /etc/id_permission, and ends
# with every process it started killed. The last line printed is
# "N passed, N failed".

# Test users, added to the sandbox's /etc/passwd and /etc/group only.
U1=4001 U1N=idgt1   # has 200000:65536 in subuid and subgid
U2=4002 U2N=idgt2   # has 400000:65536
U3=4003 U3N=idgt3   # has nothing

idg_sandbox_setup() {
    T=$IDG_IN_SANDBOX
    mount -t tmpfs -o mode=0755 idgate-sandbox "$T" || return 1
    mkdir -p "$T"/etc.up "$T"/etc.work "$T"/dev.up "$T"/dev.work "$T"/hostdev "$T"/bin "$T"/tmp
    chmod 1777 "$T/tmp"
    mount -t overlay overlay -o "lowerdir=/etc,upperdir=$T/etc.up,workdir=$T/etc.work" /etc ||
        return 1
    # /dev gets an overlay too, so that a test syslog socket can sit at /dev/log.
    mount --rbind /dev "$T/hostdev" || return 1
    mount -t overlay overlay -o "lowerdir=/dev,upperdir=$T/dev.up,workdir=$T/dev.work" /dev ||
        return 1
    for d in pts shm mqueue; do
        if [ -d "$T/hostdev/$d" ]; then mount --rbind "$T/hostdev/$d" "/dev/$d"; fi
    done
    rm -f /dev/log

    cp /etc/nsswitch.conf "$T/nsswitch.conf.orig"
    for u in "$U1:$U1N" "$U2:$U2N" "$U3:$U3N"; do
        echo "${u#*:}:x:${u%%:*}:${u%%:*}:idgate test user:/nonexistent:/usr/sbin/nologin" >>/etc/passwd
        echo "${u#*:}:x:${u%%:*}:" >>/etc/group
    done
    # The helpers as a distribution installs them: setuid root, mode 4755.
    install -o root -g root -m 4755 "$IDG_BUILD/newuidmap/newuidmap" \
        "$IDG_BUILD/newgidmap/newgidmap" "$T/bin/" || return 1
    # getsubids too, mode 0755 as installed: clients that run it by PATH
    # (rootlesskit's default --subid-source=auto) must get ours, not
    # shadow's /usr/bin/getsubids.
    install -o root -g root -m 0755 "$IDG_BUILD/getsubids/getsubids" "$T/bin/" || return 1
    BIN=$T/bin
    cd "$T/tmp" || return 1
    IDG_DEFAULT_SUBUID="# test allotments
$U1N:200000:65536
$U2N:400000:65536"
    export T BIN
}

# Reset the sources to their defaults before each test.
idg_reset_files() {
    rm -f /etc/subuid /etc/subgid /etc/subuid.real /etc/subgid.real
    cp "$T/nsswitch.conf.orig" /etc/nsswitch.conf
    printf '%s\n' "$IDG_DEFAULT_SUBUID" >/etc/subuid
    printf '%s\n' "$IDG_DEFAULT_SUBUID" >/etc/subgid
    chown root:root /etc/subuid /etc/subgid
    chmod 0644 /etc/subuid /etc/subgid
    rm -rf /etc/id_permission
    rm -f /dev/log
}

# as UID CMD...: run CMD as a test user, no supplementary groups.
as() {
    local u=$1
    shift
    setpriv --reuid="$u" --regid="$u" --clear-groups -- "$@"
}

# NOLEAK: an env prefix for runs where LeakSanitizer cannot work (ASan
# builds only): its exit-time check needs a free fd and /proc/self/task,
# which a 4-fd limit, hidepid on a non-dumpable helper and a tracer deny;
# it would abort the helper (status 134) after the behaviour under test.
NOLEAK=(env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0")

# run UID CMD...: run as a test user; sets RC, OUT, ERR.
run() {
    local u=$1
    shift
    as "$u" "$@" >"$T/out" 2>"$T/err"
    RC=$?
    OUT=$(cat "$T/out")
    ERR=$(cat "$T/err")
}

# wait_for DESC CMD...: poll CMD for up to 10 s.
wait_for() {
    local desc=$1 i
    shift
    for ((i = 0; i < 1000; i++)); do
        if "$@"; then return 0; fi
        sleep 0.01
    done
    fail "timed out waiting for $desc"
    return 1
}

# has_comm PID NAME: PID runs a program called NAME.
has_comm() {
    [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]
}

is_sleep() {
    has_comm "$1" sleep
}

in_new_userns() {
    [ "$(readlink "/proc/$1/ns/user")" != "$(readlink /proc/self/ns/user)" ] &&
        is_sleep "$1"
}

# target UID: start a process of UID in a new user namespace; sets TARGET.
# (Commands are backgrounded directly, not through a function, so that $! is
# the target itself and the EXIT trap's `jobs -p` can kill it.)
target() {
    setpriv --reuid="$1" --regid="$1" --clear-groups -- unshare --user sleep 600 &
    TARGET=$!
    wait_for "process $TARGET to enter a new user namespace" in_new_userns "$TARGET"
}

# plain_target UID: a process of UID in the caller's own user namespace.
plain_target() {
    setpriv --reuid="$1" --regid="$1" --clear-groups -- sleep 600 &
    TARGET=$!
    wait_for "process $TARGET to start" is_sleep "$TARGET"
}

fail() {
    echo "    FAIL: $*"
    CASE_FAILED=1
}

expect_rc() {
    [ "$RC" = "$1" ] || fail "exit status $RC, expected $1; stderr: $ERR"
}

expect_err() {
    grep -qF -- "$1" <<<"$ERR" || fail "stderr lacks '$1'; stderr: $ERR"
}

expect_no_err() {
    [ -z "$ERR" ] || fail "unexpected stderr: $ERR"
}

# map_of PID uid|gid: the map as "inside outside count" lines, blanks folded.
map_of() {
    awk '{print $1, $2, $3}' "/proc/$1/$2_map"
}

expect_map() {
    local got
    got=$(map_of "$1" "$2")
    [ "$got" = "$3" ] || fail "$2_map of $1 is '$got', expected '$3'"
}

expect_unmapped() {
    local got
    got=$(map_of "$1" "$2")
    [ -z "$got" ] || fail "$2_map of $1 was written: '$got'"
}

# Refused: exit 1, the message, and the map left unwritten.
expect_refused() { # PID uid|gid MESSAGE
    expect_rc 1
    expect_err "$3"
    expect_unmapped "$1" "$2"
}

# file_caps PROG CAP KIND: a copy of PROG, mode 0755, with file capability
# CAP instead of the setuid bit, maps the caller's own id and a range.
file_caps() {
    install -m 0755 "$IDG_BUILD/$1/$1" "$T/bin/cap-$1"
    setcap "$2+ep" "$T/bin/cap-$1" || { fail "setcap failed"; return; }
    target $U1
    run $U1 "$T/bin/cap-$1" "$TARGET" 0 $U1 1 1 200000 65536
    expect_rc 0
    expect_map "$TARGET" "$3" "0 $U1 1
1 200000 65536"
}

# idg_stragglers: after a case, no process of it may still run (one started
# through a function in the background is not the job `jobs -p` kills, and
# one that keeps meson's stdout or stderr open makes meson wait for it).
# sandbox.sh makes this shell init of a pid namespace, so /proc lists only
# the test's own processes. Waits 2 s for them to go, then names and kills
# them and fails the case.
idg_stragglers() {
    local d i left state
    for ((i = 0; i < 200; i++)); do
        left=()
        for d in /proc/[0-9]*; do
            [ "${d#/proc/}" != 1 ] && [ "${d#/proc/}" != "$BASHPID" ] || continue
            read -r state <"$d/stat" 2>/dev/null || continue
            state=${state##*) }
            [ "${state%% *}" = Z ] || left+=("${d#/proc/}")
        done
        [ ${#left[@]} -gt 0 ] || return 0
        sleep 0.01
    done
    for d in "${left[@]}"; do
        echo "    FAIL: the case left process $d running: $(tr '\0' ' ' <"/proc/$d/cmdline" 2>/dev/null)"
        kill -9 "$d" 2>/dev/null
    done
    return 1
}

idg_run_all() {
    local passed=0 failed=0 name
    for name in $(declare -F | awk '$3 ~ /^t_/ {print $3}'); do
        # IDG_ONLY=REGEX: run only the matching cases (by hand, while editing).
        [[ -z ${IDG_ONLY:-} || $name =~ $IDG_ONLY ]] || continue
        idg_reset_files
        (
            CASE_FAILED=0
            trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null' EXIT
            syslog_start
            "$name"
            exit "$CASE_FAILED"
        )
        local rc=$?
        idg_stragglers || rc=1
        if [ $rc -eq 0 ]; then
            echo "ok - $name"
            passed=$((passed + 1))
        else
            echo "not ok - $name"
            failed=$((failed + 1))
        fi
    done
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}

# syslog_start: a test syslog socket at the sandbox's /dev/log; every datagram
# becomes one line of $SYSLOG. Killed with the test's other jobs. Every case
# starts with one (the helpers refuse to map what they cannot log); calling
# it again empties $SYSLOG.
syslog_start() {
    if [ -n "${SYSLOG_PID:-}" ] && kill -0 "$SYSLOG_PID" 2>/dev/null; then
        : >"$SYSLOG"
        return
    fi
    SYSLOG=$T/syslog.$BASHPID
    : >"$SYSLOG"
    rm -f "$SYSLOG.ready"
    python3 - "$SYSLOG" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
os.chmod("/dev/log", 0o666)  # the helpers log as the unprivileged caller
open(sys.argv[1] + ".ready", "w").close()
with open(sys.argv[1], "ab", buffering=0) as f:
    while True:
        f.write(s.recv(65536).rstrip(b"\0\n") + b"\n")
PY
    SYSLOG_PID=$!
    wait_for "the test syslog socket" test -e "$SYSLOG.ready"
}

# syslog_stop: nothing listens at /dev/log any more.
syslog_stop() {
    if [ -n "${SYSLOG_PID:-}" ]; then
        kill "$SYSLOG_PID" 2>/dev/null
        wait "$SYSLOG_PID" 2>/dev/null
    fi
    SYSLOG_PID=
    rm -f /dev/log
}

# syslog_expect TEXT: a line containing TEXT arrives within 10 s.
syslog_expect() {
    wait_for "syslog line '$1'" grep -qF -- "$1" "$SYSLOG" || echo "    syslog: $(cat "$SYSLOG")"
}

# leader_exited PID: the main thread of PID has exited (a zombie leader)
# while another thread runs (Threads: 2).
leader_exited() {
    grep -q '^State:.Z' "/proc/$1/status" 2>/dev/null && grep -q '^Threads:.2$' "/proc/$1/status"
}

# thread_target UID: a process of UID in a new user namespace whose main
# thread has exited while its other thread runs; sets TARGET.
thread_target() {
    setpriv --reuid="$1" --regid="$1" --clear-groups -- "$IDG_BUILD/tests/integration/thread-target" &
    TARGET=$!
    wait_for "process $TARGET to lose its main thread" leader_exited "$TARGET"
}

# idg_plugin_setup: the test subid modules (tests/plugin) where a setuid
# helper's dlopen() finds them: copied into a root-owned directory of the
# sandbox, named in the overlay's /etc/ld.so.conf.d, and put in the
# overlay's /etc/ld.so.cache by ldconfig. The host's /etc, /usr/lib and
# /var/cache/ldconfig never change. Says why when it fails.
idg_plugin_setup() {
    local lib=$T/lib
    install -d -o root -g root -m 0755 "$lib" &&
        install -o root -g root -m 0644 "$IDG_BUILD/tests/plugin/libsubid_idgtest.so" \
            "$IDG_BUILD/tests/plugin/libsubid_idgbroken.so" "$lib/" || return 1
    echo "$lib" >/etc/ld.so.conf.d/idgate-test.conf
    # ldconfig also writes its aux cache under /var and, without -X, soname
    # links in every library directory: keep both away from the host.
    if [ -d /var/cache/ldconfig ]; then
        mount -t tmpfs -o mode=0700 idgate-ldconfig /var/cache/ldconfig || return 1
    fi
    if ! ldconfig -X ||
        ! ldconfig -p | grep -qF "libsubid_idgtest.so (libc6,x86-64) => $lib/libsubid_idgtest.so" ||
        ! ldconfig -p | grep -qF "$lib/libsubid_idgbroken.so"; then
        echo "    plugin setup failed: $(ldconfig -p 2>&1 | grep idg)"
        return 1
    fi
}
