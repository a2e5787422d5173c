# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# Users who exist only in a real LDAP directory (slapd and nslcd, see
# ldap.sh): NSS finds them, and the helpers and getsubids serve them from
# their lines in /etc/subuid and /etc/subgid, through the reader child that
# asks NSS (passwd is not files alone). And what a directory user meets when
# the directory is gone.

# shellcheck source=ldap.sh
. "$IDG_TESTS/ldap.sh"
ldap_setup

GS=$IDG_BUILD/getsubids/getsubids

# The per-user lines of a directory user, in both files.
ldapu0_lines() {
    printf '%s\n' "$LU0N:300000:65536" >/etc/subuid
    printf '%s\n' "$LU0N:300000:65536" >/etc/subgid
}

expect_out() {
    [ "$OUT" = "$1" ] || fail "stdout is '$OUT', expected '$1'; stderr: $ERR"
}

# The user comes from the directory, and only from it.
t_directory_user_resolves_from_ldap_only() {
    ldap_start || return
    grep -q "^$LU0N:" /etc/passwd && fail "$LU0N is in /etc/passwd: the test proves nothing"
    run $U1 getent -s files passwd $LU0N
    expect_rc 2
    run $U1 getent -s files passwd $LU0
    expect_rc 2
    run $U1 getent passwd $LU0N
    expect_rc 0
    expect_out "$LU0N:*:$LU0:$LU0:idgate directory user:/nonexistent:/usr/sbin/nologin"
    run $U1 getent passwd $LU2
    expect_rc 0
    expect_out "$LU2N:*:$LU2:$LU2:idgate directory user:/nonexistent:/usr/sbin/nologin"
    run $U1 getent group $LDAP_GROUP
    expect_rc 0
    expect_out "$LDAP_GROUP:*:$LDAP_GID:$LU0N,$LU1N,$LU2N"
    # The entry glibc returned is the directory's: the same uidNumber there.
    ldap_search "(uid=$LU0N)" uidNumber >"$T/ldap.out" || fail "ldapsearch failed"
    grep -qx "uidNumber: $LU0" "$T/ldap.out" || fail "the directory says: $(cat "$T/ldap.out")"
}

# The directory is live and nothing caches it: a user added while nslcd
# runs resolves at once, with its own line and range.
t_user_added_to_running_directory_maps_at_once() {
    printf '%s\n' "ldapu9:310000:65536" >/etc/subuid
    ldap_start || return
    run $U1 getent passwd 50009
    expect_rc 2
    ldap_add_user ldapu9 50009 || fail "ldapmodify could not add ldapu9"
    run $U1 getent passwd 50009
    expect_rc 0
    expect_out "ldapu9:*:50009:50009:idgate directory user:/nonexistent:/usr/sbin/nologin"
    target 50009
    run 50009 "$BIN/newuidmap" "$TARGET" 0 310000 65536
    expect_rc 0
    expect_map "$TARGET" uid "0 310000 65536"
}

t_directory_user_maps_uids_with_its_line() {
    ldapu0_lines
    ldap_start || return
    target $LU0
    run $LU0 "$BIN/newuidmap" "$TARGET" 0 $LU0 1 1 300000 65536
    expect_rc 0
    expect_no_err
    expect_map "$TARGET" uid "0 $LU0 1
1 300000 65536"
}

t_directory_user_maps_gids_with_its_line() {
    ldapu0_lines
    ldap_start || return
    target $LU0
    run $LU0 "$BIN/newgidmap" "$TARGET" 0 $LU0 1 1 300000 65536
    expect_rc 0
    expect_no_err
    expect_map "$TARGET" gid "0 $LU0 1
1 300000 65536"
}

# Another directory user may not take ldapu0's range.
t_other_directory_user_is_refused_that_range() {
    ldapu0_lines
    ldap_start || return
    target $LU1
    run $LU1 "$BIN/newuidmap" "$TARGET" 0 300000 65536
    expect_refused "$TARGET" uid \
        "uid range 0-65535 -> 300000-365535 is not allotted to $LU1N (uid $LU1)"
}

t_getsubids_lists_directory_users_line() {
    ldapu0_lines
    ldap_start || return
    run $LU0 "$GS" $LU0N
    expect_rc 0
    expect_out "0: $LU0N 300000 65536"
    run $U1 "$GS" -g $LU0N
    expect_rc 0
    expect_out "0: $LU0N 300000 65536"
}

# slapd stopped: nslcd finds nobody listening, so glibc cannot name uid
# 50000 and a line keyed by the name matches nothing: the helper refuses and
# writes no map. (Its message today blames the files, "uid 50000 has no uid
# ranges in /etc/subuid; ask an administrator", not the unreachable
# directory, so its wording is not asserted here.) getsubids is asked for
# the name itself, which needs no lookup: it still lists the line, as
# shadow's does.
t_directory_unreachable() {
    ldapu0_lines
    ldap_start || return
    ldap_stop_slapd
    run $U1 getent passwd $LU0N
    expect_rc 2
    expect_out ""
    target $LU0
    run $LU0 "$BIN/newuidmap" "$TARGET" 0 300000 65536
    expect_rc 1
    expect_err "is not allotted to uid $LU0"
    expect_unmapped "$TARGET" uid
    run $LU0 "$BIN/newgidmap" "$TARGET" 0 300000 65536
    expect_rc 1
    expect_unmapped "$TARGET" gid
    run $LU0 "$GS" $LU0N
    expect_rc 0
    expect_out "0: $LU0N 300000 65536"
    # shadow's (package uidmap, from scripts/deps) answers the same.
    run $LU0 /usr/bin/getsubids $LU0N
    expect_rc 0
    expect_out "0: $LU0N 300000 65536"
}

# ---- window allotments: one line serves every directory user ----------

# The line every host has; nothing about any directory user anywhere else.
WIN="$LU0-59999:2147483648:65536"
WS0=2147483648 WS1=2147549184 WS2=2147614720

window_only() {
    printf '%s\n' "# every directory uid from $LU0 gets 65,536 ids" "$WIN" >/etc/subuid
    printf '%s\n' "# every directory uid from $LU0 gets 65,536 ids" "$WIN" >/etc/subgid
}

# Debian's podman asks libsubid for the ranges (containers/storage built
# with it): for the window to count, the libsubid.so.4 it loads must be
# ours. In this case's private mount namespace only, ours is bound over
# the system's. A sanitized build's library needs the ASan runtime first.
podman_with_our_libsubid() { # UID CMD...
    local u=$1 lib=/usr/lib/x86_64-linux-gnu/libsubid.so.4 pre=() home=$T/home.$BASHPID
    shift
    mount --bind "$(realpath "$IDG_BUILD/libsubid/libsubid.so.4")" "$lib" || {
        fail "cannot put our libsubid.so.4 over $lib"
        return
    }
    if nm -D "$lib" 2>/dev/null | grep -q ' __asan_init'; then
        pre=(LD_PRELOAD="$(gcc -print-file-name=libasan.so)" ASAN_OPTIONS=detect_leaks=0)
    fi
    mkdir -p "$home/run"
    chown -R "$u:$u" "$home"
    chmod 0700 "$home/run"
    run "$u" env -i "${pre[@]}" HOME="$home" XDG_RUNTIME_DIR="$home/run" \
        PATH="$BIN:/usr/bin:/bin" podman --storage-driver=vfs "$@"
    local pause
    for pause in $(cat "$home"/run/libpod/tmp/pause.pid "$home"/run/containers/pause.pid 2>/dev/null); do
        kill "$pause" 2>/dev/null
    done
    umount "$lib"
}

# Rootless podman, for a user that exists only in the directory, on a host
# whose files hold the window line and nothing about that user.
t_window_directory_user_runs_rootless_podman() {
    window_only
    ldap_start || return
    syslog_start
    podman_with_our_libsubid $LU1 unshare cat /proc/self/uid_map /proc/self/gid_map
    expect_rc 0
    [ "$(awk '{print $1, $2, $3}' "$T/out")" = "0 $LU1 1
1 $WS1 65536
0 $LU1 1
1 $WS1 65536" ] || fail "podman unshare maps: $OUT; stderr: $ERR"
    syslog_expect "caller uid $LU1 ($LU1N)"
    syslog_expect "1 $WS1 65536 (/etc/subuid:2, window $LU0-59999): allowed"
    syslog_expect "1 $WS1 65536 (/etc/subgid:2, window $LU0-59999): allowed"
}

# util-linux unshare, naming the range getsubids prints.
t_window_directory_user_unshare_map_users() {
    window_only
    ldap_start || return
    run $LU2 "$GS" $LU2N
    expect_rc 0
    expect_out "0: $LU2N $WS2 65536"
    local start
    start=$(awk '{print $3}' <<<"$OUT")
    run $LU2 env PATH="$BIN:/usr/bin:/bin" unshare --map-users=$start,0,65536 \
        --map-groups=$start,0,65536 cat /proc/self/uid_map /proc/self/gid_map
    expect_rc 0
    [ "$(awk '{print $1, $2, $3}' "$T/out")" = "0 $WS2 65536
0 $WS2 65536" ] || fail "unshare --map-users: $OUT; stderr: $ERR"
}

# getsubids answers the computed range, by name; by uid, nothing (what
# rootlesskit joins has the range once). The library agrees.
t_window_getsubids_and_library() {
    window_only
    ldap_start || return
    run $U1 "$GS" $LU1N
    expect_rc 0
    expect_out "0: $LU1N $WS1 65536"
    run $U1 "$GS" -g $LU1N
    expect_rc 0
    expect_out "0: $LU1N $WS1 65536"
    run $U1 "$GS" $LU1
    expect_rc 1
    expect_out ""
    local ci=$IDG_BUILD/tests/api/compat-idgate
    run $U1 "$ci" ranges u $LU1N
    expect_out "count 1
$WS1 65536"
    run $U1 "$ci" owners u $((WS1 + 100))
    expect_out "count 1
$LU1"
}

# Two hosts: different local lines, the same window line. The same user
# gets the same range on both, and maps it on both.
t_window_two_hosts_same_range() {
    ldap_start || return
    local a b
    printf '%s\n' "$U1N:100000:65536" "$WIN" >/etc/subuid
    printf '%s\n' "$WIN" >/etc/subgid
    run $LU1 "$GS" $LU1N
    a=$OUT
    target $LU1
    run $LU1 "$BIN/newuidmap" "$TARGET" 0 $WS1 65536
    expect_rc 0
    kill "$TARGET"
    printf '%s\n' "# host b" "$U2N:400000:65536" "$U3N:500000:1000" "$WIN" "$U1N:200000:65536" \
        >/etc/subuid
    run $LU1 "$GS" $LU1N
    b=$OUT
    [ "$a" = "0: $LU1N $WS1 65536" ] && [ "$a" = "$b" ] || fail "host a: '$a', host b: '$b'"
    target $LU1
    run $LU1 "$BIN/newuidmap" "$TARGET" 0 $WS1 65536
    expect_rc 0
    expect_map "$TARGET" uid "0 $WS1 65536"
}

# slapd stopped: the helper still maps the window's range, from the
# caller's uid alone; no lookup is needed for it.
t_window_maps_with_directory_down() {
    window_only
    ldap_start || return
    ldap_stop_slapd
    run $U1 getent passwd $LU1
    expect_rc 2
    target $LU1
    run $LU1 "$BIN/newuidmap" "$TARGET" 0 $LU1 1 1 $WS1 65536
    expect_rc 0
    run $LU1 "$BIN/newgidmap" "$TARGET" 0 $LU1 1 1 $WS1 65536
    expect_rc 0
    expect_map "$TARGET" uid "0 $LU1 1
1 $WS1 65536"
    expect_map "$TARGET" gid "0 $LU1 1
1 $WS1 65536"
}

# A uid outside the window, and a window whose span passes the id space,
# are refused with the reason.
t_window_outside_or_malformed_refused() {
    printf '%s\n' "$LU0-$LU1:2147483648:65536" >/etc/subuid
    ldap_start || return
    target $LU2
    run $LU2 "$BIN/newuidmap" "$TARGET" 0 $WS2 65536
    expect_refused "$TARGET" uid "$LU2N has no uid ranges in /etc/subuid"
    printf '%s\n' "$LU0-99999:2147483648:65536" >/etc/subuid
    run $LU1 "$GS" $LU1N
    expect_rc 1
    expect_err "/etc/subuid:1: line for $LU1N ignored: the window's span"
    target $LU1
    run $LU1 "$BIN/newuidmap" "$TARGET" 0 $WS1 65536
    expect_refused "$TARGET" uid "warning: /etc/subuid:1: line for $LU1N ignored: the window's span"
}
