# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# Real clients exec newuidmap/newgidmap by PATH and must work unchanged with
# ours: util-linux unshare --map-auto (and --map-users/--map-groups, which in
# util-linux 2.38 take OUTER,INNER,COUNT).

t_unshare_map_auto_uses_our_helpers() {
    syslog_start
    run $U1 env PATH="$BIN:/usr/bin:/bin" unshare --map-auto --map-root-user \
        cat /proc/self/uid_map /proc/self/gid_map
    expect_rc 0
    local got
    got=$(awk '{print $1, $2, $3}' "$T/out")
    # --map-root-user takes one id for root, so --map-auto asks for 65535 more.
    [ "$got" = "0 $U1 1
1 200000 65535
0 $U1 1
1 200000 65535" ] || fail "unexpected maps from unshare --map-auto: $got; stderr: $ERR"
    # The maps were written by idgate, not by shadow's helpers in /usr/bin.
    syslog_expect "newuidmap["
    syslog_expect "map 0 $U1 1 (own id), 1 200000 65535 (/etc/subuid:2): allowed"
    syslog_expect "newgidmap["
}

t_unshare_map_users_refused_outside_allotment() {
    syslog_start
    run $U1 env PATH="$BIN:/usr/bin:/bin" unshare --map-users=400000,0,10 id -u
    [ "$RC" != 0 ] || fail "unshare succeeded with another user's range"
    syslog_expect "is not allotted to $U1N"
}

t_unshare_map_users_explicit() {
    run $U1 env PATH="$BIN:/usr/bin:/bin" unshare --map-users=200000,0,1000 \
        --map-groups=200000,0,1000 cat /proc/self/uid_map
    expect_rc 0
    [ "$(awk '{print $1, $2, $3}' "$T/out")" = "0 200000 1000" ] || fail "unexpected map: $OUT; $ERR"
}

t_podman_unshare_uses_our_helpers() {
    syslog_start
    local home=$T/home.$BASHPID
    mkdir -p "$home/run"
    chown -R $U1:$U1 "$home"
    chmod 0700 "$home/run"
    # Rootless podman execs newuidmap/newgidmap by PATH. Its storage, runtime
    # dir and pause process state stay inside the sandbox's tmpfs; the pause
    # process it leaves is killed here.
    run $U1 env -i HOME="$home" XDG_RUNTIME_DIR="$home/run" USER=$U1N PATH="$BIN:/usr/bin:/bin" \
        podman --storage-driver=vfs unshare cat /proc/self/uid_map /proc/self/gid_map
    local pause
    for pause in $(cat "$home"/run/libpod/tmp/pause.pid "$home"/run/containers/pause.pid 2>/dev/null); do
        kill "$pause"
    done
    expect_rc 0
    [ "$(awk '{print $1, $2, $3}' "$T/out")" = "0 $U1 1
1 200000 65536
0 $U1 1
1 200000 65536" ] || fail "unexpected maps from podman unshare: $OUT; stderr: $ERR"
    syslog_expect "newuidmap["
    syslog_expect "newgidmap["
}
