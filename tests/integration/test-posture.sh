# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# The running helper, observed from outside through /proc/PID: the
# privileged process holds only its one capability, none effective, with the
# caller's ids, under a seccomp filter that forbids set*id and exec, and no
# loadable code (an NSS or subid module) ever runs in
# it. When the sources are root-owned files alone it reads them itself;
# when an NSS module must be asked, a reader child holding no capability
# does, and the module is mapped there, never in the helper.

# field SNAPSHOT FIELD: the value of "FIELD:" in a copy of /proc/PID/status,
# its blanks folded to single spaces.
field() {
    awk -v f="$2:" '$1 == f {$1 = ""; sub(/^ /, ""); print}' <<<"$1"
}

# reading PID FILE: does process PID have FILE open? (Bash builtins only, so
# that polling is fast enough to catch the moment.)
reading() {
    local fd
    for fd in /proc/"$1"/fd/*; do
        [ "$fd" -ef "$2" ] && return 0
    done
    return 1
}

# A subid file too long to be read in an instant: 5 million lines after the
# caller's, whose first byte matches the caller's name.
huge() { # FILE
    { echo "$U1N:200000:65536"; yes "idgtx:1:1" | head -n 5000000; } >"$1"
}

# observe PATH FILE: run PATH (a newuidmap/newgidmap) in the background and catch the
# process that reads FILE while it reads it: the helper itself, or its reader
# child. Sets HELPER, READER (empty when the helper reads), and HSTAT, HMAPS,
# RSTAT, RMAPS (status and maps, taken at that moment).
observe() {
    target $U1
    setpriv --reuid=$U1 --regid=$U1 --clear-groups -- "$1" "$TARGET" 0 200000 10 &
    HELPER=$!
    READER="" HSTAT="" RSTAT="" HMAPS="" RMAPS=""
    local i kids
    for ((i = 0; i < 200000; i++)); do
        kids=$(<"/proc/$HELPER/task/$HELPER/children") 2>/dev/null || break
        READER=${kids%% *}
        if [ -n "$READER" ] && reading "$READER" "$2"; then
            RSTAT=$(<"/proc/$READER/status") RMAPS=$(<"/proc/$READER/maps")
            HSTAT=$(<"/proc/$HELPER/status") HMAPS=$(<"/proc/$HELPER/maps")
            reading "$READER" "$2" && return 0
        elif [ -z "$READER" ] && reading "$HELPER" "$2"; then
            HSTAT=$(<"/proc/$HELPER/status") HMAPS=$(<"/proc/$HELPER/maps")
            READER=""
            reading "$HELPER" "$2" && return 0
        fi
    done 2>/dev/null
    fail "never saw $1 (or a child of it) reading $2"
    return 1
}

# check_privileged CAPMASK [filecap]: with a file capability instead of
# setuid root, the bounding set cannot be emptied (that takes CAP_SETPCAP);
# NoNewPrivs makes it moot, as no exec can gain a capability.
check_privileged() {
    local f sets="CapEff CapInh CapBnd CapAmb"
    [ "${2:-}" = filecap ] && sets="CapEff CapInh CapAmb"
    [ "$(field "$HSTAT" Uid)" = "$U1 $U1 $U1 $U1" ] || fail "helper uids: $(field "$HSTAT" Uid)"
    [ "$(field "$HSTAT" Gid)" = "$U1 $U1 $U1 $U1" ] || fail "helper gids: $(field "$HSTAT" Gid)"
    [ "$(field "$HSTAT" CapPrm)" = "$1" ] || fail "helper CapPrm $(field "$HSTAT" CapPrm), expected $1"
    for f in $sets; do
        [ "$(field "$HSTAT" $f)" = 0000000000000000 ] || fail "helper $f is $(field "$HSTAT" $f)"
    done
    [ "$(field "$HSTAT" NoNewPrivs)" = 1 ] || fail "helper NoNewPrivs $(field "$HSTAT" NoNewPrivs)"
    # 2: a seccomp filter (helper/lockdown.c: no set*id call, no exec).
    [ "$(field "$HSTAT" Seccomp)" = 2 ] || fail "helper Seccomp $(field "$HSTAT" Seccomp), expected 2"
    if grep -E 'libnss_|libsubid_' <<<"$HMAPS" >/dev/null; then
        fail "a module is mapped in the privileged helper: $(grep -oE '[^/]*(libnss_|libsubid_)[^ ]*' <<<"$HMAPS" | sort -u | tr '\n' ' ')"
    fi
}

check_reader() {
    local f
    for f in CapPrm CapEff CapInh CapBnd CapAmb; do
        [ "$(field "$RSTAT" $f)" = 0000000000000000 ] ||
            fail "reader child $f is $(field "$RSTAT" $f), expected none"
    done
    [ "$(field "$RSTAT" Uid)" = "$U1 $U1 $U1 $U1" ] || fail "reader uids: $(field "$RSTAT" Uid)"
    [ "$(field "$RSTAT" Seccomp)" = 2 ] || fail "reader Seccomp $(field "$RSTAT" Seccomp), expected 2"
}

files_only() {
    printf '%s\n' "passwd: files" "group: files" "subid: files" >/etc/nsswitch.conf
}

t_newuidmap_reads_root_files_itself_holding_one_capability() {
    files_only
    huge /etc/subuid
    observe "$BIN/newuidmap" /etc/subuid || return
    [ -z "$READER" ] || fail "a reader child ($READER) was forked for files alone"
    # CAP_SETUID (bit 7) only; CAP_SETFCAP was dropped since host 0 is not mapped.
    check_privileged 0000000000000080
    wait "$HELPER" || fail "newuidmap failed"
    expect_map "$TARGET" uid "0 200000 10"
}

t_newgidmap_reads_root_files_itself_holding_one_capability() {
    files_only
    huge /etc/subgid
    observe "$BIN/newgidmap" /etc/subgid || return
    [ -z "$READER" ] || fail "a reader child ($READER) was forked for files alone"
    # CAP_SETGID (bit 6) only.
    check_privileged 0000000000000040
    wait "$HELPER" || fail "newgidmap failed"
    expect_map "$TARGET" gid "0 200000 10"
}

# passwd: compat is glibc's libnss_compat.so.2, a module: the caller is looked
# up, and the sources read, by the capability-free child, where the module is
# mapped; the helper never maps it.
t_nss_module_runs_only_in_a_reader_child_without_capabilities() {
    printf '%s\n' "passwd: compat" "group: files" "subid: files" >/etc/nsswitch.conf
    huge /etc/subuid
    observe "$BIN/newuidmap" /etc/subuid || return
    if [ -z "$READER" ]; then
        fail "the helper read the sources itself although passwd names a module"
    else
        check_reader
        grep -q 'libnss_compat' <<<"$RMAPS" || fail "libnss_compat is not mapped in the reader child"
    fi
    check_privileged 0000000000000080
    wait "$HELPER" || fail "newuidmap failed"
    expect_map "$TARGET" uid "0 200000 10"
}

t_newgidmap_nss_module_runs_only_in_a_reader_child() {
    printf '%s\n' "passwd: files [SUCCESS=continue] compat" "subid: files" >/etc/nsswitch.conf
    huge /etc/subgid
    observe "$BIN/newgidmap" /etc/subgid || return
    # files does not return on success: glibc's answer is no longer simply
    # the first line of /etc/passwd, so NSS is asked, in the child.
    [ -n "$READER" ] || fail "the helper read the sources itself although passwd has an action"
    [ -z "$READER" ] || check_reader
    check_privileged 0000000000000040
    wait "$HELPER" || fail "newgidmap failed"
    expect_map "$TARGET" gid "0 200000 10"
}

# Installed with a file capability instead of the setuid bit: the same state.
file_cap_posture() { # PROG CAP MASK FILE KIND
    install -m 0755 "$IDG_BUILD/$1/$1" "$T/bin/cap-$1"
    setcap "$2+ep" "$T/bin/cap-$1" || { fail "setcap failed"; return; }
    files_only
    huge "$4"
    observe "$T/bin/cap-$1" "$4" || return
    [ -z "$READER" ] || fail "a reader child ($READER) was forked for files alone"
    check_privileged "$3" filecap
    wait "$HELPER" || fail "cap-$1 failed"
    expect_map "$TARGET" "$5" "0 200000 10"
}

t_newuidmap_file_capability_posture() {
    file_cap_posture newuidmap cap_setuid 0000000000000080 /etc/subuid uid
}

t_newgidmap_file_capability_posture() {
    file_cap_posture newgidmap cap_setgid 0000000000000040 /etc/subgid gid
}

# The order, from the helper's system calls (strace as root follows a setuid
# exec with its privilege): every source file and the target are opened only
# after the uids are the caller's and the permitted set is down to the one
# capability. (The dynamic linker's own opens come before main and are left
# out: ld.so.cache and the libraries.)
syscall_order() { # PROG CAP KIND
    command -v strace >/dev/null || { fail "strace is not installed (scripts/deps installs it)"; return; }
    target $U1
    # (An ASan build's leak check ptraces the process at exit, which it cannot
    # while strace does.)
    ASAN_OPTIONS=detect_leaks=0 strace -u "$U1N" -f -qq -e trace=openat,setresuid,setresgid,capset \
        -o "$T/strace" "$BIN/$1" "$TARGET" 0 200000 10 2>"$T/err"
    RC=$? ERR=$(cat "$T/err")
    expect_rc 0
    expect_map "$TARGET" "$3" "0 200000 10"
    awk -v ids="($U1, $U1, $U1)" -v cap="{effective=0, permitted=1<<$2, inheritable=0}" '
        / = 0$/ && index($0, "setresuid" ids) && !uid { uid = NR }
        / = 0$/ && index($0, "setresgid" ids) && !gid { gid = NR }
        / = 0$/ && index($0, "capset(") && index($0, cap) && !one { one = NR }
        /openat\(/ && !/ld\.so\.cache|\/lib\// && !first { first = NR; what = $0 }
        END {
            if (!uid || !gid || !one) { print "no drop seen: uid " uid ", gid " gid ", capset " one; exit 1 }
            if (!first) { print "no open seen"; exit 1 }
            if (first < uid || first < gid || first < one) { print "opened before the drop: " what; exit 1 }
            if (what !~ /nsswitch\.conf/) { print "the first open is not nsswitch.conf: " what; exit 1 }
        }' "$T/strace" >"$T/order" || fail "$(cat "$T/order")"
    grep -q "openat(.*\"/proc/$TARGET\"" "$T/strace" || fail "the target was not opened by path"
}

t_newuidmap_drops_before_opening_anything() {
    syscall_order newuidmap CAP_SETUID uid
}

t_newgidmap_drops_before_opening_anything() {
    syscall_order newgidmap CAP_SETGID gid
}

# A caller that ignores SIGCHLD (inherited across exec) must not blind the
# helper to its reader child's exit status.
t_sigchld_ignored_by_the_caller() {
    printf '%s\n' "passwd: compat" "group: files" "subid: files" >/etc/nsswitch.conf
    target $U1
    run $U1 /usr/bin/python3 -c 'import os, signal, sys
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
os.execv(sys.argv[1], sys.argv[1:])' "$BIN/newuidmap" "$TARGET" 0 200000 10
    expect_rc 0
    expect_map "$TARGET" uid "0 200000 10"
}

# Valid passwd lines the helper does not take for "files first" send it to
# NSS in its child, and NSS's answer counts: glibc reads "files#x" as a
# service of that name, which knows no one, so the caller has no name and
# the lines for idgt1 are not theirs. None of these lines is refused as such.
# glibc takes the last passwd line, and skips any isspace() blank before it:
# a second line indented with \v or \f is obeyed too (issue 12).
t_passwd_lines_that_are_not_plain_files_first() {
    local line long
    long=$(printf 'm%.0s' {1..40})
    huge /etc/subuid
    for line in "passwd: files#x" "passwd: files
passwd: compat" "passwd: compat files" "passwd: files [SUCCESS=continue] compat" \
        "passwd: files"$'\n\v'"passwd: files#x" "passwd: files"$'\n\f'"passwd: files#x" \
        "passwd: files"$'\n\r'"passwd:"$'\v'"files#x"; do
        printf '%s\n' "$line" "subid: files" >/etc/nsswitch.conf
        observe "$BIN/newuidmap" /etc/subuid || return
        [ -n "$READER" ] || fail "no reader child for: $line"
        wait "$HELPER"
        RC=$?
        if [[ $line == *"files#x" ]]; then
            expect_rc 1
            expect_unmapped "$TARGET" uid
        else
            expect_rc 0
            expect_map "$TARGET" uid "0 200000 10"
        fi
        kill "$TARGET"
    done
    # Too many sources, or a name too long for the subid parser: still fine.
    for line in "passwd: files systemd s1 s2 s3 s4 s5 s6 s7" "passwd: files $long"; do
        printf '%s\n' "$line" "subid: files" >/etc/nsswitch.conf
        target $U1
        run $U1 "$BIN/newuidmap" "$TARGET" 0 200000 10
        expect_rc 0
        expect_map "$TARGET" uid "0 200000 10"
    done
}
