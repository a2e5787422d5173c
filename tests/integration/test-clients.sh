# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# Real clients exec newuidmap/newgidmap (and rootlesskit getsubids) by PATH
# and must work unchanged with ours: util-linux unshare --map-auto (and
# --map-users/--map-groups, which in util-linux 2.38 take OUTER,INNER,COUNT),
# podman, buildah, lxc and rootlesskit as Debian 12 ships them. Each case
# checks what a user would see (the maps inside, the container's output) and
# the audit line that only idgate's helpers write, which proves that shadow's
# helpers in /usr/bin were not the ones that ran. A missing client is a
# failure, not a skip: scripts/deps installs them all.

# Rootless podman keeps its container locks in a POSIX shared memory
# segment, /dev/shm/libpod_rootless_lock_UID, which outlives the storage it
# belongs to. The sandbox's /dev/shm is the host's: idgt1's segment would be
# left on the host and shared with every other sandbox's idgt1 (runs side
# by side, the ASan build's). A tmpfs of this sandbox's own takes its place.
mount -t tmpfs -o mode=1777,nosuid,nodev idgate-shm /dev/shm ||
    echo "    cannot mount a private /dev/shm: podman would use the host's"

# This host mounts cgroups hybrid: v1 controllers, plus a cgroup2 at
# /sys/fs/cgroup/unified, which crun refuses for `podman run` ("cgroups in
# hybrid mode not supported, drop all controllers from cgroupv2"). The
# sandbox's mount namespace is private (sandbox.sh), so unmounting it here
# leaves the host's in place; it is done only where the mount is private.
CGROUP2_GONE=
if ! mountpoint -q /sys/fs/cgroup/unified; then
    CGROUP2_GONE=1
elif [ "$(findmnt -n -o PROPAGATION /sys/fs/cgroup/unified)" = private ] &&
    umount /sys/fs/cgroup/unified; then
    CGROUP2_GONE=1
fi

# The full map every client should give idgt1: its own id as root, then the
# whole allotment of /etc/subuid (and /etc/subgid) above it.
FULL_MAP="0 $U1 1
1 200000 65536"

# need PROGRAM...: fail the case unless every PROGRAM is installed.
need() {
    local p ok=0
    for p in "$@"; do
        command -v "$p" >/dev/null || { fail "$p is not installed (scripts/deps installs it)"; ok=1; }
    done
    return $ok
}

# client_home: a home and runtime dir for idgt1 in the sandbox's tmpfs, so
# that container storage, configuration and pause process state never touch
# the host; sets HOME_DIR and CENV, the environment to run a client in
# (nothing of root's, our helpers first in PATH).
client_home() {
    HOME_DIR=$T/home.$BASHPID
    mkdir -p "$HOME_DIR/run"
    chown -R $U1:$U1 "$HOME_DIR"
    chmod 0700 "$HOME_DIR/run"
    CENV=(env -i HOME="$HOME_DIR" XDG_RUNTIME_DIR="$HOME_DIR/run" USER="$U1N" LOGNAME="$U1N"
        PATH="$BIN:/usr/bin:/bin")
}

# kill_pause: rootless podman leaves a pause process holding its user
# namespace; its pid is in the runtime dir.
kill_pause() {
    local pause
    for pause in $(cat "$HOME_DIR"/run/libpod/tmp/pause.pid "$HOME_DIR"/run/containers/pause.pid 2>/dev/null); do
        kill "$pause"
    done
}

# maps_of_out: the output file's maps, blanks folded.
maps_of_out() {
    awk '{print $1, $2, $3}' "$T/out"
}

# expect_full_map_audited: idgate's newuidmap and newgidmap each logged
# that they wrote FULL_MAP. Shadow's helpers log no such line.
expect_full_map_audited() {
    syslog_expect "map 0 $U1 1 (own id), 1 200000 65536 (/etc/subuid:2): allowed"
    syslog_expect "map 0 $U1 1 (own id), 1 200000 65536 (/etc/subgid:2): allowed"
}

# succeeded DESC: the last run exited 0, or the case fails naming DESC and
# this returns 1, so that the case stops there: what follows a failed
# client (its audit lines above all) cannot come, and waiting for it would
# only make the report long and the case slow.
succeeded() {
    [ "$RC" = 0 ] || { fail "$1 exited $RC; stderr: $ERR"; return 1; }
}

# step DESC CMD...: run CMD as idgt1 in CENV; it must succeed.
step() {
    local desc=$1
    shift
    run $U1 "${CENV[@]}" "$@"
    succeeded "$desc"
}

BUILDAH=(buildah --storage-driver=vfs)
IMAGE=localhost/idgate-busybox
# The image's command: who runs it, the marker's owner, and the maps.
IMAGE_CMD='["/bin/busybox", "sh", "-c", "id && stat -c %u:%g /marker && cat /proc/self/uid_map /proc/self/gid_map"]'

# build_busybox_image: buildah, rootless, builds IMAGE into idgt1's storage
# from nothing but Debian's static busybox, offline: the binary, a marker
# file owned by 1000:1000 inside (which must land on 200999 outside), and
# IMAGE_CMD. Every buildah call below re-enters a user namespace
# through newuidmap/newgidmap.
build_busybox_image() {
    need buildah || return
    # The image holds nothing but this binary, so it must need no loader.
    [ "$(dpkg-query -W -f='${Status}' busybox-static 2>/dev/null)" = "install ok installed" ] ||
        { fail "busybox-static is not installed (scripts/deps installs it)"; return 1; }
    echo "made by idgate's test" >"$HOME_DIR/marker"
    chown $U1:$U1 "$HOME_DIR/marker"
    step "buildah from scratch" "${BUILDAH[@]}" from --name idgate-bb scratch &&
        step "buildah copy busybox" "${BUILDAH[@]}" copy --chown 0:0 idgate-bb /bin/busybox /bin/busybox &&
        step "buildah copy marker" "${BUILDAH[@]}" copy --chown 1000:1000 idgate-bb "$HOME_DIR/marker" /marker &&
        step "buildah config" "${BUILDAH[@]}" config --cmd "$IMAGE_CMD" idgate-bb &&
        step "buildah commit" "${BUILDAH[@]}" commit --quiet idgate-bb "$IMAGE"
}

t_buildah_builds_an_image_rootless() {
    syslog_start
    client_home
    build_busybox_image || return
    # The maps buildah's namespace gets, as `buildah unshare` shows them.
    step "buildah unshare" "${BUILDAH[@]}" unshare cat /proc/self/uid_map /proc/self/gid_map || return
    [ "$(maps_of_out)" = "$FULL_MAP
$FULL_MAP" ] || fail "unexpected maps from buildah unshare: $OUT"
    step "buildah inspect" "${BUILDAH[@]}" inspect --type image --format '{{.OCIv1.Config.Cmd}}' "$IMAGE" &&
        { [ "$OUT" = "[/bin/busybox sh -c id && stat -c %u:%g /marker && cat /proc/self/uid_map /proc/self/gid_map]" ] ||
            fail "the image's command is '$OUT'"; }
    # The marker owned by 1000:1000 inside is stored under 200999 outside,
    # in the working container and in the committed layer: buildah really
    # used the allotment through the map our helpers wrote.
    local owners
    owners=$(find "$HOME_DIR/.local/share/containers/storage/vfs/dir" -name marker -printf '%U:%G\n' | sort | uniq -c |
        awk '{print $1, $2}')
    [ "$owners" = "2 200999:200999" ] || fail "the marker's owners in the vfs storage: '$owners'"
    expect_full_map_audited
}

# run_podman ARGS...: `podman ARGS` as idgt1. Events go to a file in the
# runtime dir, not to the host's journal, and cgroups are not asked of a
# systemd user instance (there is none in the sandbox).
run_podman() {
    run $U1 "${CENV[@]}" podman --storage-driver=vfs --events-backend=file --cgroup-manager=cgroupfs "$@"
}

t_podman_runs_the_image_rootless() {
    syslog_start
    need podman || return
    [ -n "$CGROUP2_GONE" ] ||
        { fail "the hybrid cgroup2 mount could not be taken away in the sandbox"; return; }
    client_home
    build_busybox_image || return
    # The image's own command, what a user of the image sees. One run only:
    # on this machine under load, podman 4.3 sometimes waits out its 20 s
    # "conmon timeout" after the container exits, though conmon has written
    # the exit status, and then returns it.
    run_podman run --rm --network none "$IMAGE"
    kill_pause
    succeeded "podman run" || return
    # uid 0 (no names: the image has no /etc/passwd); the marker 1000:1000
    # again inside, so ids above 0 come from the allotment; the maps.
    [ "$(head -n 2 "$T/out")" = "uid=0 gid=0
1000:1000" ] || fail "the container printed: $OUT; stderr: $ERR"
    [ "$(sed 1,2d "$T/out" | awk '{print $1, $2, $3}')" = "$FULL_MAP
$FULL_MAP" ] || fail "unexpected maps in the container: $OUT; stderr: $ERR"
    expect_full_map_audited
}

t_lxc_usernsexec_uses_our_helpers() {
    syslog_start
    need lxc-usernsexec || return
    client_home
    # lxc-usernsexec execs newuidmap/newgidmap by PATH with exactly the
    # -m ranges, here the whole allotment and not the caller's own id.
    run $U1 "${CENV[@]}" lxc-usernsexec -m u:0:200000:65536 -m g:0:200000:65536 -- \
        cat /proc/self/uid_map /proc/self/gid_map
    succeeded lxc-usernsexec || return
    [ "$(maps_of_out)" = "0 200000 65536
0 200000 65536" ] || fail "unexpected maps from lxc-usernsexec: $OUT; stderr: $ERR"
    syslog_expect "map 0 200000 65536 (/etc/subuid:2): allowed"
    syslog_expect "map 0 200000 65536 (/etc/subgid:2): allowed"
}

t_lxc_usernsexec_refused_outside_allotment() {
    syslog_start
    need lxc-usernsexec || return
    client_home
    run $U1 "${CENV[@]}" lxc-usernsexec -m u:0:400000:10 -m g:0:200000:10 -- true
    [ "$RC" != 0 ] || fail "lxc-usernsexec mapped idgt2's range for idgt1"
    syslog_expect "is not allotted to $U1N"
}

# An unprivileged LXC container, made and run by idgt1 alone: the busybox
# template of lxc-templates builds the rootfs from Debian's busybox-static,
# as root of a namespace lxc-usernsexec opens; lxc-execute, lxc-start and
# lxc-attach each open one through newuidmap/newgidmap again. LXC skips the
# cgroup hierarchies it may not write to (none are delegated to idgt1 here),
# and the network type "empty" needs no lxc-user-nic or bridge.
t_lxc_unprivileged_container() {
    syslog_start
    need lxc-create lxc-execute lxc-start lxc-attach lxc-stop || return
    [ -x /usr/share/lxc/templates/lxc-busybox ] ||
        { fail "lxc's busybox template is not installed (Debian package lxc-templates)"; return; }
    client_home
    # An unprivileged user's default configuration: this file, not
    # /etc/lxc/default.conf (a veth on lxcbr0, which needs lxc-user-nic).
    mkdir -p "$HOME_DIR/.config/lxc"
    printf '%s\n' "lxc.net.0.type = empty" "lxc.idmap = u 0 200000 65536" \
        "lxc.idmap = g 0 200000 65536" >"$HOME_DIR/.config/lxc/default.conf"
    chown -R $U1:$U1 "$HOME_DIR/.config"

    step "lxc-create -t busybox" lxc-create -n idgt -t busybox || return
    local rootfs=$HOME_DIR/.local/share/lxc/idgt/rootfs
    # The template ran as root of the container's map: the rootfs is 200000's.
    [ "$(stat -c %u:%g "$rootfs/bin/busybox" 2>&1)" = "200000:200000" ] ||
        fail "the rootfs's busybox is owned by '$(stat -c %u:%g "$rootfs/bin/busybox" 2>&1)'"

    step "lxc-execute" lxc-execute -n idgt -- cat /proc/self/uid_map /proc/self/gid_map || return
    [ "$(maps_of_out)" = "0 200000 65536
0 200000 65536" ] || fail "unexpected maps from lxc-execute: $OUT"

    step "lxc-start" lxc-start -n idgt || return
    # From here the container runs: no early return until it is stopped.
    run $U1 "${CENV[@]}" lxc-wait -n idgt -s RUNNING -t 10
    succeeded "lxc-wait RUNNING" &&
        run $U1 "${CENV[@]}" lxc-attach -n idgt -- sh -c \
            'hostname && id && cat /proc/self/uid_map /proc/self/gid_map' &&
        succeeded "lxc-attach" &&
        { [ "$(head -n 2 "$T/out")" = "idgt
uid=0(root) gid=0(root)" ] || fail "lxc-attach printed: $OUT"; } &&
        { [ "$(sed 1,2d "$T/out" | awk '{print $1, $2, $3}')" = "0 200000 65536
0 200000 65536" ] || fail "unexpected maps from lxc-attach: $OUT"; }
    # Seen from outside, the container's init runs as uid 200000.
    local init
    init=$(as $U1 "${CENV[@]}" lxc-info -n idgt -p -H 2>&1)
    [ "$(stat -c %u "/proc/$init" 2>&1)" = 200000 ] ||
        fail "the container's init ($init) is not run by 200000"
    step "lxc-stop" lxc-stop -n idgt -k
    # lxc-create's template (through lxc-usernsexec) maps idgt1 itself too,
    # above the container's ids, so that the template can still reach the
    # files idgt1 owns (the container's config).
    syslog_expect "map 0 200000 65536 (/etc/subuid:2), 65536 $U1 1 (own id): allowed"
    syslog_expect "map 0 200000 65536 (/etc/subuid:2): allowed"
    syslog_expect "map 0 200000 65536 (/etc/subgid:2): allowed"
}

# rootlesskit_maps SOURCE: rootlesskit with --subid-source=SOURCE, offline
# (host network, /etc copied up), prints the maps of its child's namespace.
# --debug makes it say which source it used and each getsubids it ran.
rootlesskit_maps() {
    need rootlesskit || return
    client_home
    run $U1 "${CENV[@]}" rootlesskit --debug --subid-source="$1" --net=host --copy-up=/etc \
        cat /proc/self/uid_map /proc/self/gid_map
    succeeded "rootlesskit --subid-source=$1" || return
    [ "$(maps_of_out)" = "$FULL_MAP
$FULL_MAP" ] || fail "unexpected maps from rootlesskit --subid-source=$1: $OUT; stderr: $ERR"
    expect_full_map_audited
}

# static: rootlesskit reads /etc/subuid and /etc/subgid itself.
t_rootlesskit_static_subid_source() {
    syslog_start
    rootlesskit_maps static || return
    expect_err 'subid-source: using the static source'
}

# auto, the default: rootlesskit runs `getsubids NAME` and `getsubids UID`
# (and both with -g) from PATH and joins the answers, without removing
# duplicates (rootlesskit 1.1.0), so getsubids must answer as shadow's
# does: nothing, exit 1, for a uid that no line is keyed by. Otherwise the
# range is asked for twice and newuidmap refuses the overlap. If every
# getsubids fails, rootlesskit falls back to its static source and would
# pass here without ours: the debug lines show it did not.
t_rootlesskit_auto_subid_source() {
    syslog_start
    need rootlesskit || return
    run $U1 env PATH="$BIN:/usr/bin:/bin" sh -c 'command -v getsubids'
    [ "$OUT" = "$BIN/getsubids" ] || { fail "getsubids in PATH is '$OUT', not ours"; return; }
    rootlesskit_maps auto || return
    expect_err "Executing [$BIN/getsubids $U1N]"
    expect_err "Executing [$BIN/getsubids -g $U1]"
    ! grep -qF 'falling back to \"static\"' "$T/err" ||
        fail "rootlesskit fell back to its static source: $ERR"
}

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
    syslog_start
    run $U1 env PATH="$BIN:/usr/bin:/bin" unshare --map-users=200000,0,1000 \
        --map-groups=200000,0,1000 cat /proc/self/uid_map
    succeeded "unshare --map-users" || return
    [ "$(maps_of_out)" = "0 200000 1000" ] || fail "unexpected map: $OUT; $ERR"
    syslog_expect "map 0 200000 1000 (/etc/subuid:2): allowed"
}

t_podman_unshare_uses_our_helpers() {
    syslog_start
    need podman || return
    client_home
    # Rootless podman execs newuidmap/newgidmap by PATH. Its storage, runtime
    # dir and pause process state stay inside the sandbox's tmpfs; the pause
    # process it leaves is killed here.
    run $U1 "${CENV[@]}" podman --storage-driver=vfs unshare cat /proc/self/uid_map /proc/self/gid_map
    kill_pause
    succeeded "podman unshare" || return
    [ "$(maps_of_out)" = "$FULL_MAP
$FULL_MAP" ] || fail "unexpected maps from podman unshare: $OUT; stderr: $ERR"
    syslog_expect "newuidmap["
    syslog_expect "newgidmap["
}
