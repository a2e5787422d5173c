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
