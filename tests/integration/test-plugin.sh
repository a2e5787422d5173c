# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# Subid sources named on the subid: line of nsswitch.conf and loaded with
# dlopen() through shadow's plugin ABI: the test module libsubid_idgtest.so
# (tests/plugin/idgtest.c; it answers from /etc/idgate-test-plugin and logs
# every call with the caller's ids and capabilities), the broken
# libsubid_idgbroken.so, and Debian's libsubid_sss.so with no sssd running.
#
# A setuid helper's dlopen() ignores LD_LIBRARY_PATH, so the modules are
# copied into a root-owned directory of the sandbox, named in the overlay's
# /etc/ld.so.conf.d, and put in the overlay's /etc/ld.so.cache by ldconfig.
# The host's /etc, /usr/lib and /var/cache/ldconfig never change.

# meson points LD_LIBRARY_PATH at the modules' build directory; here they
# must be found as on a real system, through ld.so.cache.
unset LD_LIBRARY_PATH

GS=$IDG_BUILD/getsubids/getsubids
PLOG=$T/plugin.log
PLUGIN_OK=
idg_plugin_setup && PLUGIN_OK=1

# Every case needs the modules in the cache.
need_plugin() {
    [ -n "$PLUGIN_OK" ] && return 0
    fail "the test modules are not in the sandbox's ld.so.cache"
    return 1
}

# subid LINE: the subid: line of the sandbox's nsswitch.conf.
subid() {
    printf '%s\n' "passwd: files" "group: files" "subid: $*" >/etc/nsswitch.conf
}

# plugin_data LINE...: the test module's answers (see idgtest.c), and an
# empty log the callers (any uid) may append to.
plugin_data() {
    printf '%s\n' "log $PLOG" "$@" >/etc/idgate-test-plugin
    chown root:root /etc/idgate-test-plugin
    chmod 0644 /etc/idgate-test-plugin
    : >"$PLOG"
    chmod 0666 "$PLOG"
}

plugin_log_has() {
    grep -qF -- "$1" "$PLOG" || fail "the module's log lacks '$1'; log: $(cat "$PLOG")"
}

plugin_not_called() {
    [ ! -s "$PLOG" ] || fail "the module was called: $(cat "$PLOG")"
}

# plugin_called_unprivileged UID: the module was called, and every call was
# made by UID, real and effective, with no effective capability.
plugin_called_unprivileged() {
    local line
    [ -s "$PLOG" ] || { fail "the module was never called"; return; }
    while read -r line; do
        case "$line" in
        *" uid=$1 euid=$1 capeff=0000000000000000") ;;
        *) fail "the module was called with privilege: $line" ;;
        esac
    done <"$PLOG"
}

t_module_grants() {
    need_plugin || return
    subid idgtest
    plugin_data "$U3N u 600000 65536" "$U3N g 700000 65536"
    syslog_start
    target $U3
    run $U3 "$BIN/newuidmap" "$TARGET" 0 600000 65536
    expect_rc 0
    expect_no_err
    expect_map "$TARGET" uid "0 600000 65536"
    syslog_expect \
        "caller uid $U3 ($U3N) target $TARGET map 0 600000 65536 (source idgtest): allowed"
    # Asked by login name, for uids, once.
    plugin_log_has "list $U3N u "
    [ "$(grep -c '^list ' "$PLOG")" = 1 ] || fail "the module was not asked once: $(cat "$PLOG")"
}

t_module_grants_gids() {
    need_plugin || return
    subid idgtest
    plugin_data "$U3N u 600000 65536" "$U3N g 700000 65536"
    target $U3
    run $U3 "$BIN/newgidmap" "$TARGET" 0 700000 65536
    expect_rc 0
    expect_no_err
    expect_map "$TARGET" gid "0 700000 65536"
    plugin_log_has "list $U3N g "
    [ "$(cat "/proc/$TARGET/setgroups")" = allow ] || fail "a module's grant must keep setgroups"
}

# The module runs in the reader child: the caller's ids, no capability.
t_module_called_without_privilege() {
    need_plugin || return
    subid idgtest
    plugin_data "$U3N u 600000 65536" "$U3N g 700000 65536"
    target $U3
    run $U3 "$BIN/newuidmap" "$TARGET" 0 600000 10
    expect_rc 0
    run $U3 "$BIN/newgidmap" "$TARGET" 0 700000 10
    expect_rc 0
    plugin_log_has "list $U3N u uid=$U3 euid=$U3 capeff=0000000000000000"
    plugin_log_has "list $U3N g uid=$U3 euid=$U3 capeff=0000000000000000"
    plugin_called_unprivileged $U3
}

# The module's ranges do not replace the caller's own id or the other
# user's: the usual rules still hold.
t_module_refusal_names_the_source() {
    need_plugin || return
    subid idgtest
    plugin_data "$U3N u 600000 65536"
    target $U3
    run $U3 "$BIN/newuidmap" "$TARGET" 0 600000 65537
    expect_refused "$TARGET" uid "is only partly allotted to $U3N (uid $U3)"
    expect_err "$U3N has 600000-665535 in source idgtest"
    run $U3 "$BIN/newuidmap" "$TARGET" 0 200000 10 # idgt1's, in /etc/subuid
    expect_refused "$TARGET" uid "is not allotted to $U3N"
    # Nothing from the module: the refusal says where it looked.
    plugin_data "$U1N u 600000 65536"
    run $U3 "$BIN/newuidmap" "$TARGET" 0 600000 10
    expect_refused "$TARGET" uid "$U3N has no uid ranges in source idgtest"
}

t_files_and_module() {
    need_plugin || return
    subid files idgtest
    plugin_data "$U1N u 600000 1000"
    syslog_start
    target $U1
    run $U1 "$BIN/newuidmap" "$TARGET" 0 200000 65536 65536 600000 1000
    expect_rc 0
    expect_no_err
    expect_map "$TARGET" uid "0 200000 65536
65536 600000 1000"
    syslog_expect "map 0 200000 65536 (/etc/subuid:2), 65536 600000 1000 (source idgtest): allowed"
    plugin_log_has "list $U1N u "
}

# A user the module does not know has the files' ranges only.
t_module_unknown_user_is_nothing() {
    need_plugin || return
    subid files idgtest
    plugin_data "$U1N status unknown" "$U1N u 600000 1000"
    target $U1
    run $U1 "$BIN/newuidmap" "$TARGET" 0 200000 10
    expect_rc 0
    expect_map "$TARGET" uid "0 200000 10"
    target $U1
    run $U1 "$BIN/newuidmap" "$TARGET" 0 600000 10
    expect_refused "$TARGET" uid "is not allotted to $U1N"
}

# Unreachable: refused, even though /etc/subuid alone would grant.
t_module_unreachable_never_falls_back() {
    need_plugin || return
    subid files idgtest
    plugin_data "* status conn"
    syslog_start
    target $U1
    run $U1 "$BIN/newuidmap" "$TARGET" 0 200000 10
    expect_refused "$TARGET" uid "subid source idgtest is unreachable"
    expect_err "nothing was granted"
    syslog_expect "target $TARGET map 0 200000 10: refused: subid source idgtest is unreachable"
    plugin_log_has "list $U1N u "
    # The same with the module first on the line.
    subid idgtest files
    run $U1 "$BIN/newuidmap" "$TARGET" 0 200000 10
    expect_refused "$TARGET" uid "subid source idgtest is unreachable"
}

t_module_error_refuses() {
    need_plugin || return
    subid files idgtest
    plugin_data "$U1N status error"
    target $U1
    run $U1 "$BIN/newuidmap" "$TARGET" 0 200000 10
    expect_refused "$TARGET" uid "subid source idgtest failed"
    # A count without ranges is an error too, not an empty answer.
    plugin_data "$U1N count 3"
    run $U1 "$BIN/newuidmap" "$TARGET" 0 200000 10
    expect_refused "$TARGET" uid "subid source idgtest failed"
}

t_broken_module_refuses() {
    need_plugin || return
    subid files idgbroken
    plugin_data
    target $U1
    run $U1 "$BIN/newuidmap" "$TARGET" 0 200000 10
    expect_refused "$TARGET" uid \
        "subid source idgbroken (the subid: line of /etc/nsswitch.conf) is unreachable"
    expect_err "libsubid_idgbroken.so lacks"
    expect_err "shadow_subid_has_range"
}

# Debian's SSSD module loads, and with no sssd says it cannot connect.
t_sss_unreachable() {
    need_plugin || return
    ldconfig -p | grep -qF libsubid_sss.so ||
        { fail "libsubid_sss.so (Debian package sssd-common) is needed"; return; }
    subid sss
    target $U3
    run $U3 "$BIN/newuidmap" "$TARGET" 0 600000 10
    expect_refused "$TARGET" uid "subid source sss is unreachable"
    expect_err "is sssd running?"
    # Loaded, not missing: the message is not the one for a module that
    # cannot be loaded.
    [[ $ERR != *"cannot be loaded"* ]] || fail "libsubid_sss.so did not load: $ERR"
    run $U3 "$GS" $U3N
    expect_rc 1
    expect_err "subid source sss is unreachable"
    expect_no_out
}

# A setuid helper loads modules from the dynamic linker's trusted paths only:
# LD_LIBRARY_PATH naming a user's copy (here the broken module under the
# test module's name) is ignored, and so is the module's data variable.
t_user_environment_cannot_redirect_the_module() {
    need_plugin || return
    subid idgtest
    plugin_data "$U3N u 600000 65536"
    mkdir "$T/evil"
    cp "$IDG_BUILD/tests/plugin/libsubid_idgbroken.so" "$T/evil/libsubid_idgtest.so"
    printf '%s\n' "$U3N u 900000 10" >"$T/evil/data"
    chown -R $U3 "$T/evil"
    target $U3
    run $U3 env LD_LIBRARY_PATH="$T/evil" IDGATE_TEST_PLUGIN_DATA="$T/evil/data" \
        "$BIN/newuidmap" "$TARGET" 0 900000 10
    expect_refused "$TARGET" uid "is not allotted to $U3N"
    run $U3 env LD_LIBRARY_PATH="$T/evil" IDGATE_TEST_PLUGIN_DATA="$T/evil/data" \
        "$BIN/newuidmap" "$TARGET" 0 600000 10
    expect_rc 0
    expect_map "$TARGET" uid "0 600000 10"
}

t_getsubids_lists_the_module() {
    need_plugin || return
    subid idgtest
    plugin_data "$U3N u 600000 65536" "$U3N g 700000 10" "$U3N u 800000 5"
    run $U3 "$GS" $U3N
    expect_rc 0
    expect_out "0: $U3N 600000 65536" "1: $U3N 800000 5"
    run $U3 "$GS" -g $U3N
    expect_rc 0
    expect_out "0: $U3N 700000 10"
    plugin_log_has "list $U3N u "
    plugin_log_has "list $U3N g "
    # The files first, then the module, in the order of the line.
    subid files idgtest
    plugin_data "$U1N u 600000 1000"
    run $U1 "$GS" $U1N
    expect_rc 0
    expect_out "0: $U1N 200000 65536" "1: $U1N 600000 1000"
}

t_getsubids_unreachable_module() {
    need_plugin || return
    subid files idgtest
    plugin_data "* status conn"
    run $U1 "$GS" $U1N
    expect_rc 1
    expect_err "subid source idgtest is unreachable"
    expect_no_out
}

# expect_out LINE...: stdout is exactly these lines.
expect_out() {
    printf '%s\n' "$@" >"$T/want"
    cmp -s "$T/want" "$T/out" || fail "stdout is '$(cat "$T/out")', expected '$(cat "$T/want")'"
}

expect_no_out() {
    [ ! -s "$T/out" ] || fail "unexpected stdout: $(cat "$T/out")"
}

# subid: x/evil is a path, not a module name: dlopen("libsubid_x/evil.so")
# would load the file of that name under the caller's working directory. A
# user with no allotment puts a working module there (the test module, told
# to grant them 600000-665535; also as x/libsubid_evil.so) and runs the
# helpers and getsubids from that directory: each refuses the line, naming
# nsswitch.conf:3, maps nothing, and the module never runs.
t_module_name_with_a_slash_is_refused() {
    local d=$T/tmp/cwd-of-$U3N line
    install -d -o $U3 -g $U3 -m 0755 "$d" "$d/x" "$d/libsubid_x"
    install -o $U3 -g $U3 -m 0755 "$IDG_BUILD/tests/plugin/libsubid_idgtest.so" \
        "$d/x/libsubid_evil.so"
    install -o $U3 -g $U3 -m 0755 "$IDG_BUILD/tests/plugin/libsubid_idgtest.so" \
        "$d/libsubid_x/evil.so"
    plugin_data "$U3N u 600000 65536" "$U3N g 600000 65536"
    cd "$d" || return
    for line in "x/evil" "files x/evil"; do
        subid "$line"
        target $U3
        run $U3 "$BIN/newuidmap" "$TARGET" 0 600000 65536
        expect_refused "$TARGET" uid "newuidmap: /etc/nsswitch.conf:3: subid source 'x/evil' is not a module name"
        expect_err "ask an administrator to fix it"
        run $U3 "$BIN/newgidmap" "$TARGET" 0 600000 65536
        expect_refused "$TARGET" gid "newgidmap: /etc/nsswitch.conf:3: subid source 'x/evil' is not a module name"
        run $U3 "$GS" $U3N
        expect_rc 1
        expect_err "/etc/nsswitch.conf:3: subid source 'x/evil' is not a module name"
        expect_no_out
        plugin_not_called
    done
}

# shadow reads "SUBID:" or "Subid:" as the subid line (strncasecmp()): the
# module it names answers, and the files it replaces grant nothing.
t_subid_line_in_any_case() {
    need_plugin || return
    local db
    for db in SUBID Subid; do
        printf '%s\n' "passwd: files" "group: files" "$db: idgtest" >/etc/nsswitch.conf
        plugin_data "$U3N u 600000 65536"
        target $U3
        run $U3 "$BIN/newuidmap" "$TARGET" 0 600000 65536
        expect_rc 0
        expect_map "$TARGET" uid "0 600000 65536"
        plugin_log_has "list $U3N u "
        target $U1
        run $U1 "$BIN/newuidmap" "$TARGET" 0 200000 10
        expect_refused "$TARGET" uid "is not allotted to $U1N"
        run $U3 "$GS" $U3N
        expect_rc 0
        expect_out "0: $U3N 600000 65536"
    done
}
