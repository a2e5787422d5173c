# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# shellcheck disable=SC2016 # the scripts run in N are single-quoted: N's shell expands them
# Nested containers (issue 12, "Nested containers"): rootless podman inside
# a rootless container. In a user namespace whose root owns its /etc and
# its setuid helpers, the helpers work for that namespace's users exactly as
# on the host, and a refusal there names the namespace.
#
# The setup, as root: a user namespace N mapping its uids and gids 0-65535
# to host 1000000-1065535; in a private mount namespace, /etc is an overlay
# copy whose passwd, group, nsswitch.conf, subuid and subgid are chowned to
# host 1000000 (N's root), and N has its own newuidmap and newgidmap, mode
# 4755, owned by host 1000000 too. Inside N, the user nestu (uid 3000 of N)
# has 10000:5000 in N's subuid and subgid, and maps a grandchild namespace
# (N is its parent) from there.

NB=1000000        # host uid and gid of N's root
NU=3000 NUN=nestu # a user of N

# other_userns PID: PID is in a user namespace that is not ours.
other_userns() {
    local ns
    ns=$(readlink "/proc/$1/ns/user") && [ "$ns" != "$(readlink /proc/self/ns/user)" ]
}

# nested SCRIPT: run the bash SCRIPT as root of N, set up as above (with
# NEST_OWNER=0 the files in N's /etc stay host root's). Sets RC, OUT, ERR.
# SCRIPT may use: $NEST/bin (N's helpers), as_nu CMD (run as nestu),
# nu_target (start a process of nestu in a new user namespace: TARGET).
nested() {
    local d=$T/nest.$BASHPID
    mkdir -p "$d/up" "$d/work" "$d/etc" "$d/bin"
    install -o $NB -g $NB -m 4755 "$IDG_BUILD/newuidmap/newuidmap" \
        "$IDG_BUILD/newgidmap/newgidmap" "$d/bin/"
    mkfifo "$d/go"
    cat >"$d/prelude.sh" <<'IN'
set -u
as_nu() { setpriv --reuid="$NU" --regid="$NU" --clear-groups -- "$@"; }
nu_target() {
    # Not through as_nu: $! must be the target itself, not a subshell.
    setpriv --reuid="$NU" --regid="$NU" --clear-groups -- unshare --user sleep 600 &
    TARGET=$!
    local i
    for ((i = 0; i < 1000; i++)); do
        [ "$(readlink /proc/$TARGET/ns/user)" != "$(readlink /proc/self/ns/user)" ] &&
            [ "$(cat /proc/$TARGET/comm)" = sleep ] && return 0
        sleep 0.01
    done
    echo "nu_target: timed out" >&2
    return 1
}
trap 'kill $(jobs -p) 2>/dev/null' EXIT
IN
    printf '%s\n' "$1" >"$d/inner.sh"
    # Enter N, wait for root to write its maps, then become N's root (the
    # capabilities of N's creator last until an exec as someone else).
    cat >"$d/enter.py" <<'PY'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.unshare(0x10000000) != 0:  # CLONE_NEWUSER
    sys.exit("enter: unshare: " + os.strerror(ctypes.get_errno()))
with open(sys.argv[1]) as f:
    f.read()
os.setgroups([])
os.setresgid(0, 0, 0)
os.setresuid(0, 0, 0)
os.execvp(sys.argv[2], sys.argv[2:])
PY
    local owner=${NEST_OWNER:-$NB}
    NEST=$d NU=$NU NUN=$NUN OWNER=$owner unshare --mount --propagation private bash -c '
        set -e
        e=$NEST/etc
        mount -t overlay overlay -o "lowerdir=/etc,upperdir=$NEST/up,workdir=$NEST/work" "$e"
        echo "$NUN:x:$NU:$NU:nested test user:/nonexistent:/usr/sbin/nologin" >>"$e/passwd"
        echo "$NUN:x:$NU:" >>"$e/group"
        printf "%s\n" "passwd: files" "group: files" "subid: files" >"$e/nsswitch.conf"
        echo "$NUN:10000:5000" >"$e/subuid"
        echo "$NUN:10000:5000" >"$e/subgid"
        for f in passwd group nsswitch.conf subuid subgid; do
            chown "$OWNER:$OWNER" "$e/$f"
            chmod 0644 "$e/$f"
        done
        mount --bind "$e" /etc
        exec python3 "$NEST/enter.py" "$NEST/go" bash -c ". \"\$NEST/prelude.sh\"; . \"\$NEST/inner.sh\""
    ' >"$d/out" 2>"$d/err" &
    local p=$!
    wait_for "user namespace N" other_userns $p || return
    echo "0 $NB 65536" >"/proc/$p/uid_map"
    echo "0 $NB 65536" >"/proc/$p/gid_map"
    echo go >"$d/go"
    wait $p
    # shellcheck disable=SC2034 # read by expect_rc
    RC=$?
    OUT=$(cat "$d/out")
    ERR=$(cat "$d/err")
}

expect_out() {
    grep -qF -- "$1" <<<"$OUT" || fail "stdout lacks '$1'; stdout: $OUT; stderr: $ERR"
}

# N's user maps their own id and their allotted range into a grandchild
# namespace, uid and gid, as on the host (setgroups left "allow" for a
# subgid grant; "deny" for an own gid alone).
t_nested_user_maps_a_grandchild() {
    nested '
        echo "whoami: $(id -u) $(cat /proc/self/uid_map)"
        nu_target || exit 1
        as_nu "$NEST/bin/newuidmap" $TARGET 0 '$NU' 1 1 10000 5000 && echo uid-ok
        as_nu "$NEST/bin/newgidmap" $TARGET 0 '$NU' 1 1 10000 5000 && echo gid-ok
        echo "uid_map: $(awk "{print \$1, \$2, \$3}" /proc/$TARGET/uid_map | paste -sd,)"
        echo "gid_map: $(awk "{print \$1, \$2, \$3}" /proc/$TARGET/gid_map | paste -sd,)"
        echo "setgroups: $(cat /proc/$TARGET/setgroups)"
        nu_target || exit 1
        as_nu "$NEST/bin/newgidmap" $TARGET 0 '$NU' 1 && echo own-gid-ok
        echo "own setgroups: $(cat /proc/$TARGET/setgroups)"
        as_nu "'"$IDG_BUILD"'/getsubids/getsubids" '$NUN' 2>&1 | sed "s/^/getsubids: /"
    '
    expect_rc 0
    expect_out "whoami: 0          0    $NB      65536"
    expect_out uid-ok
    expect_out gid-ok
    expect_out "uid_map: 0 $NU 1,1 10000 5000"
    expect_out "gid_map: 0 $NU 1,1 10000 5000"
    expect_out "setgroups: allow"
    expect_out own-gid-ok
    expect_out "own setgroups: deny"
    expect_out "getsubids: 0: $NUN 10000 5000"
    expect_no_err
}

# Refusals in N name it (its uid_map), and speak of its root, not the host's.
t_nested_refusals_name_the_namespace() {
    nested '
        nu_target || exit 1
        as_nu "$NEST/bin/newuidmap" $TARGET 0 20000 10
        as_nu "$NEST/bin/newuidmap" $TARGET 0 0 1
        as_nu "$NEST/bin/newgidmap" $TARGET 0 0 1
        echo "uid_map: $(cat /proc/$TARGET/uid_map)"
    '
    expect_err "newuidmap: uid range 0-9 -> 20000-20009 is not allotted to $NUN (uid $NU); $NUN has 10000-14999 in /etc/subuid:"
    expect_err "(in a user namespace: ids, files and users are as it sees them; its uid_map: 0 $NB 65536)"
    expect_err "newuidmap: uid range 0-0 -> 0-0 maps uid 0, the root of the user namespace this runs in, which only that root may do"
    expect_err "newgidmap: gid range 0-0 -> 0-0 maps gid 0, the root of the user namespace this runs in"
    expect_err "its gid_map: 0 $NB 65536)"
    [[ $ERR != *"host uid 0"* ]] || fail "speaks of host root: $ERR"
    expect_out "uid_map: "
    [[ $OUT == "uid_map: " ]] || fail "a refusal wrote the map: $OUT"
}

# N's /etc left host root's: its files are no one's in N; the refusal says
# that N does not map that root, rather than ask for a chown to uid 0.
t_nested_files_of_host_root_are_named() {
    NEST_OWNER=0 nested '
        nu_target || exit 1
        as_nu "$NEST/bin/newuidmap" $TARGET 0 10000 10
    '
    expect_err "newuidmap: refusing to use /etc/nsswitch.conf: /etc/nsswitch.conf is owned by uid 65534, which this user namespace does not map"
    expect_err "(its uid_map: 0 $NB 65536)"
}
