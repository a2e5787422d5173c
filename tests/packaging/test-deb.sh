#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# idgate's Debian packages, installed for real in place of shadow's and then
# swapped back, on a copy of this machine that vanishes afterwards.
#
#   tests/packaging/test-deb.sh [DEBDIR]
#   TEST_DEB_INSTALLER=apt tests/packaging/test-deb.sh   (apt-get, not dpkg -i)
#
# DEBDIR holds scripts/package's output (default: build-deb/ in the
# project); shadow's uidmap, libsubid4 and libsubid-dev .debs, for the swap
# back, are cached in DEBDIR/shadow/.
#
# As root, in private mount and pid namespaces, / is mounted again as an
# overlayfs whose upper layer is a tmpfs, and the cases run with that overlay
# as their root: dpkg and apt write their database, the packages' files and
# the test user's /etc lines into the tmpfs only. The host's
# /var/lib/dpkg/status is compared before and after. The pid namespace ends
# with this script, taking podman's pause process with it.
#
# Every check is a named case printing "PASS: name" or "FAIL: name: why";
# the last line is "N passed, N failed". Exit status 1 if a case failed, 77
# (with a SKIP: line) when not run as root.
set -uo pipefail # no -e: a failing case is reported, and the next one runs
prog=test-deb
top=$(cd "$(dirname "$0")/../.." && pwd)
if [ "$(id -u)" != 0 ]; then
    echo "SKIP: $prog: needs root to mount an overlay of / in a private namespace and run dpkg there; run it as root (sudo $0)"
    exit 77
fi

# The users' tools that depend on shadow's packages and must survive both
# swaps: podman Depends on libsubid4 (>= 1:4.11.1); buildah and rootlesskit
# on uidmap; lxc Recommends it. podman is a prerequisite (scripts/deps); the
# others are checked when the machine has them.
clients=(podman buildah rootlesskit lxc)
shadow_pkgs=(uidmap libsubid4 libsubid-dev)
# dpkg -i takes its archives in order, and can remove libsubid4 in favour of
# libsubid4-idgate only once libsubid-dev, which depends on that exact
# libsubid4, is gone: the development package comes first (as a glob of
# the three .debs sorts them). apt orders them itself.
idgate_pkgs=(idgate libsubid-idgate-dev libsubid4-idgate)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
arch=$(dpkg --print-architecture)
# The test user, added to the overlay's /etc only.
TU=4091 TUN=idgdeb

pass() {
    echo "PASS: $1"
    echo pass >>"$RESULTS"
}

fail() {
    echo "FAIL: $1: $2"
    echo fail >>"$RESULTS"
}

# run_case NAME FUNCTION: a case function prints why it failed and returns
# non-zero, or prints nothing and returns 0.
run_case() {
    local name=$1 out
    if out=$("$2" 2>&1); then
        pass "$name"
    else
        fail "$name" "$(tr '\n' ' ' <<<"${out:-failed without a message}" | sed 's/ *$//')"
    fi
}

installed() { # [ROOT] PKG: PKG is installed and configured
    local root=$1 pkg=$2
    [ "$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Status}' "$pkg" 2>/dev/null)" = "install ok installed" ]
}

# ---------------------------------------------------------------------------
# Inside the namespaces: the overlay root and the cases run against it.

inner_setup() {
    W=$TMP/w
    mount -t tmpfs -o mode=0700 idgate-test-deb "$W" || return 1
    mkdir "$W"/up "$W"/work "$W"/root
    R=$W/root
    # Only / itself is the lower layer: overlayfs does not follow the mounts
    # below it (/proc, /sys, /dev), which get their own here.
    mount -t overlay overlay -o "lowerdir=/,upperdir=$W/up,workdir=$W/work" "$R" || return 1
    mount -t proc proc "$R/proc" || return 1
    mount -t sysfs -o ro sysfs "$R/sys" || return 1
    # The host's devices (null, tty, pts) through an overlay, so that a
    # syslog socket can sit at /dev/log without reaching the host's /dev,
    # and a private /dev/shm: podman keeps its lock file there.
    mkdir "$W"/hostdev "$W"/dev.up "$W"/dev.work
    mount --rbind /dev "$W/hostdev" || return 1
    mount -t overlay overlay -o "lowerdir=/dev,upperdir=$W/dev.up,workdir=$W/dev.work" "$R/dev" ||
        return 1
    local d
    for d in pts mqueue; do
        if [ -d "$W/hostdev/$d" ]; then mount --rbind "$W/hostdev/$d" "$R/dev/$d" || return 1; fi
    done
    rm -f "$R/dev/log"
    mount -t tmpfs -o mode=1777 shm "$R/dev/shm" || return 1
    # A fresh /run: no host daemon's socket (syslog, D-Bus) is reachable, so
    # nothing the packages or the helpers do reaches the host's services.
    mount -t tmpfs -o mode=0755 run "$R/run" || return 1
    mkdir -m 1777 "$R/run/lock"
    # man-db's trigger would rebuild the whole index after each dpkg run;
    # without this flag file it does nothing (see man-db's postinst).
    rm -f "$R/var/lib/man-db/auto-update"

    mkdir -p "$R/tmp/debs" "$R/tmp/shadow"
    cp "${IDGATE_DEBS[@]}" "$R/tmp/debs/" || return 1
    cp "$CACHE"/*.deb "$R/tmp/shadow/" || return 1

    # The host's $TMP (the results file) stays reachable from the new root.
    mount --bind "$TMP" "$R$TMP" || return 1
    echo "$TUN:x:$TU:$TU:idgate package test:/nonexistent:/usr/sbin/nologin" >>"$R/etc/passwd"
    echo "$TUN:x:$TU:" >>"$R/etc/group"
    echo "$TUN:200000:65536" >"$R/etc/subuid"
    echo "$TUN:200000:65536" >"$R/etc/subgid"
    chown root:root "$R/etc/subuid" "$R/etc/subgid"
    chmod 0644 "$R/etc/subuid" "$R/etc/subgid"
    # The client list is read from the lower root, before anything changes.
    present_clients=()
    local c
    for c in "${clients[@]}"; do
        if installed "$R" "$c"; then present_clients+=("$c"); fi
    done

    # The overlay becomes this namespace's root with pivot_root, not chroot:
    # the kernel refuses a new user namespace to a chrooted process (EPERM
    # from unshare(CLONE_NEWUSER), user_namespaces(7)), and that is what
    # unshare --map-auto and podman make. The old root, stacked over the new
    # one by pivot_root(".", "."), is detached with everything mounted in it.
    cd "$R" || return 1
    pivot_root . . || return 1
    umount -l . || return 1
    cd / || return 1
    # As on a booted system (systemd makes / shared), so that podman does
    # not warn; the peer group is new, so nothing propagates to the host.
    mount --make-rshared / || return 1
    R=
    W=/tmp/test-deb
    mkdir -p "$W"
    # idgate's helpers write no map they cannot log: a system logger at
    # /dev/log, as a booted host has, keeping what it gets in $W/syslog.
    python3 - "$W/syslog" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
os.chmod("/dev/log", 0o666)
with open(sys.argv[1], "ab", buffering=0) as f:
    while True:
        f.write(s.recv(65536).rstrip(b"\0\n") + b"\n")
PY
    local i
    for ((i = 0; i < 500; i++)); do
        [ -S /dev/log ] && break
        sleep 0.01
    done
    [ -S /dev/log ]
}

# inroot CMD...: CMD with the clean environment a package tool gets.
inroot() {
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

# as_user CMD...: CMD as the test user, with a private
# HOME and runtime directory (podman's storage and pause state live there).
as_user() {
    local home=/tmp/home
    mkdir -p "$home/run"
    chown -R "$TU:$TU" "$home"
    chmod 0700 "$home/run"
    # util-linux unshare --map-auto waits for ever when its helper fails in
    # some ways; a case fails after a minute instead of hanging the suite.
    timeout --kill-after=5 60 setpriv --reuid="$TU" --regid="$TU" --clear-groups -- \
        env -i HOME="$home" XDG_RUNTIME_DIR="$home/run" USER="$TUN" LOGNAME="$TUN" \
        PATH=/usr/bin:/bin LC_ALL=C.UTF-8 "$@"
}

owner_of() { # PATH: the package dpkg -S names for PATH in the overlay root
    inroot dpkg-query -S "$1" 2>/dev/null | grep -v '^diversion by' | sed 's/: .*//'
}

expect_owner() { # PATH PKG
    local got
    got=$(owner_of "$1")
    [ "$got" = "$2" ] || { echo "dpkg -S $1 names '${got:-nothing}', expected $2"; return 1; }
}

expect_maps() { # OUTPUT COUNT: uid_map then gid_map, as a user's root and COUNT ids more
    local got want
    got=$(awk '{print $1, $2, $3}' <<<"$1")
    want="0 $TU 1
1 200000 $2
0 $TU 1
1 200000 $2"
    [ "$got" = "$want" ] || { echo "maps are '$(tr '\n' ',' <<<"$got")', expected '$(tr '\n' ',' <<<"$want")'"; return 1; }
}

why() { # LOG: the lines of a dpkg or apt log that say why it failed
    grep -E '^(E: |dpkg: (error|dependency problems|no, cannot))|depends on|conflicts with|^ [^ ].*: Depends: ' "$1" |
        head -n 6 || tail -n 5 "$1"
}

c_install_idgate() {
    # dpkg -i, as a user would: Conflicts+Replaces make dpkg remove shadow's
    # packages, and the versioned Provides keep podman's and buildah's
    # dependencies satisfied while it does.
    # TEST_DEB_INSTALLER=apt installs them as README's apt command does.
    local f debs=() cmd=(dpkg -i)
    for f in "${IDGATE_DEBS[@]}"; do debs+=("/tmp/debs/${f##*/}"); done
    if [ "${TEST_DEB_INSTALLER:-dpkg}" = apt ]; then
        cmd=(apt-get install -y -o APT::Sandbox::User=root)
    fi
    inroot "${cmd[@]}" "${debs[@]}" >"$W/install.log" 2>&1 ||
        { why "$W/install.log"; return 1; }
}

c_shadow_packages_removed() {
    local p bad=()
    for p in "${shadow_pkgs[@]}"; do
        if installed "" "$p"; then bad+=("$p"); fi
    done
    [ ${#bad[@]} = 0 ] || { echo "still installed: ${bad[*]}"; return 1; }
}

c_dpkg_names_idgate() {
    expect_owner /usr/bin/newuidmap idgate &&
        expect_owner /usr/bin/newgidmap idgate &&
        expect_owner /usr/bin/getsubids idgate &&
        expect_owner /usr/sbin/subid-add idgate &&
        expect_owner "/usr/lib/$multiarch/libsubid.so.4.0.0" libsubid4-idgate &&
        expect_owner /usr/include/shadow/subid.h libsubid-idgate-dev
}

c_helpers_setuid_root() {
    local f m
    for f in newuidmap newgidmap; do
        m=$(stat -c '%a %U %G' "/usr/bin/$f") || return 1
        [ "$m" = "4755 root root" ] || { echo "/usr/bin/$f is $m, expected 4755 root root"; return 1; }
    done
}

c_helpers_are_idgates() {
    # What dpkg -S says, the programs say too: PATH finds idgate's helpers.
    local f out
    for f in newuidmap newgidmap getsubids subid-doctor; do
        out=$(as_user "$f" --version 2>&1)
        [ "$out" = "$f (idgate) $UPSTREAM" ] || { echo "$f --version printed '$out', expected '$f (idgate) $UPSTREAM'"; return 1; }
    done
}

c_library_and_dev_files() {
    local f l=/usr/lib/$multiarch
    for f in "$l/libsubid.so.4.0.0" /usr/include/shadow/subid.h "$l/pkgconfig/libsubid.pc"; do
        [ -f "$f" ] || { echo "$f is missing"; return 1; }
    done
    [ "$(readlink "$l/libsubid.so.4")" = libsubid.so.4.0.0 ] || { echo "$l/libsubid.so.4 is no link to libsubid.so.4.0.0"; return 1; }
    [ "$(readlink "$l/libsubid.so")" = libsubid.so.4 ] || { echo "$l/libsubid.so is no link to libsubid.so.4"; return 1; }
    # ldconfig ran in the package's trigger: programs find this library.
    # (It may list the path through the /lib -> usr/lib link.)
    local cache
    cache=$(inroot ldconfig -p | grep 'libsubid\.so\.4 ')
    grep -Eq "=> (/usr)?/lib/$multiarch/libsubid\.so\.4\$" <<<"$cache" ||
        { echo "ld.so.cache has no libsubid.so.4 in $l: ${cache:-no libsubid.so.4 at all}"; return 1; }
    local v
    v=$(inroot pkg-config --modversion libsubid) || return 1
    [ "$v" = 4.0.0 ] || { echo "pkg-config says libsubid $v, expected 4.0.0"; return 1; }
}

c_man_pages() {
    local f m=/usr/share/man
    for f in man1/newuidmap.1.gz man1/newgidmap.1.gz man1/getsubids.1.gz man1/subid-doctor.1.gz man8/subid-add.8.gz \
        man5/subuid.5.gz man5/id_permission.5.gz man3/libsubid.3.gz; do
        [ -f "$m/$f" ] || { echo "$m/$f is missing"; return 1; }
    done
    [ "$(readlink "$m/man5/subgid.5.gz")" = subuid.5.gz ] || { echo "$m/man5/subgid.5.gz is no link to subuid.5.gz"; return 1; }
    zgrep -q idgate "$m/man5/subuid.5.gz" || { echo "$m/man5/subuid.5.gz is not idgate's page"; return 1; }
}

c_docs() {
    local f d=/usr/share/doc
    for f in idgate/README.md.gz idgate/NEWS.gz idgate/COPYING idgate/copyright idgate/changelog.Debian.gz \
        idgate/examples/subuid libsubid4-idgate/README.md.gz libsubid4-idgate/copyright; do
        [ -f "$d/$f" ] || { echo "$d/$f is missing"; return 1; }
    done
    [ "$(readlink "$d/libsubid-idgate-dev")" = libsubid4-idgate ] || { echo "$d/libsubid-idgate-dev is no link to libsubid4-idgate"; return 1; }
}

c_passwd_pages_diverted() {
    local p m=/usr/share/man/man5 by
    for p in subuid subgid; do
        by=$(inroot dpkg-divert --listpackage "$m/$p.5.gz")
        [ "$by" = idgate ] || { echo "$m/$p.5.gz is diverted by '${by:-nobody}', expected idgate"; return 1; }
        [ -f "$m/$p.shadow.5.gz" ] || { echo "passwd's page is not at $m/$p.shadow.5.gz"; return 1; }
        if zgrep -q idgate "$m/$p.shadow.5.gz"; then echo "$m/$p.shadow.5.gz is idgate's, not passwd's"; return 1; fi
    done
}

c_clients_installed() {
    local c bad=()
    for c in "${present_clients[@]}"; do
        if ! installed "" "$c"; then bad+=("$c"); fi
    done
    [ ${#bad[@]} = 0 ] || { echo "removed: ${bad[*]}"; return 1; }
    # Nothing is left half-installed, and every dependency holds.
    local audit
    audit=$(inroot dpkg --audit)
    [ -z "$audit" ] || { echo "dpkg --audit: $audit"; return 1; }
    inroot apt-get check -qq || { echo "apt-get check finds broken dependencies"; return 1; }
}

c_getsubids_idgate() {
    local out
    out=$(as_user getsubids "$TUN") || { echo "getsubids $TUN failed: $out"; return 1; }
    [ "$out" = "0: $TUN 200000 65536" ] || { echo "getsubids printed '$out'"; return 1; }
}

c_unshare_map_auto() {
    # --map-root-user takes one id for root, so --map-auto asks for 65535 more.
    local out
    out=$(as_user unshare --map-auto --map-root-user cat /proc/self/uid_map /proc/self/gid_map 2>&1) ||
        { echo "unshare failed: $out"; return 1; }
    expect_maps "$out" 65535
}

c_subid_doctor() {
    # The installed doctor finds the setup whole: ranges in both files,
    # the PATH's helpers setuid root, and a live trial that maps them.
    local out rc
    out=$(as_user subid-doctor --json 2>&1)
    rc=$?
    [ $rc = 0 ] || { echo "subid-doctor exited $rc: $out"; return 1; }
    grep -q '"ok": *true' <<<"$out" || { echo "subid-doctor --json did not say ok: $out"; return 1; }
    grep -q '"id": *"trial", *"status": *"ok"' <<<"$out" || { echo "subid-doctor's live trial did not pass: $out"; return 1; }
}

c_podman_unshare() {
    local out rc pid
    out=$(as_user podman --storage-driver=vfs unshare cat /proc/self/uid_map /proc/self/gid_map 2>"$W/podman.err")
    rc=$?
    out+=$(cat "$W/podman.err")
    local f i
    for f in /tmp/home/run/libpod/tmp/pause.pid /tmp/home/run/containers/pause.pid; do
        if [ -s "$f" ]; then kill "$(cat "$f")" 2>/dev/null; fi
    done
    [ $rc = 0 ] || { echo "podman unshare exited $rc: $out"; return 1; }
    # Nothing of the user's outlives the case (the pid namespace is ours).
    for ((i = 0; i < 50; i++)); do
        pgrep -u "$TU" >/dev/null || break
        sleep 0.1
    done
    pid=$(pgrep -u "$TU" -a)
    [ -z "$pid" ] || { echo "processes of $TUN left after podman unshare: $pid"; return 1; }
    expect_maps "$out" 65536
}

c_switch_back() {
    # apt installs shadow's .debs and removes idgate's, which conflict with
    # them, in one step: removing idgate's first would break podman's and
    # buildah's dependencies. This is README's way back, with local files.
    local debs=()
    mapfile -t debs < <(ls /tmp/shadow/*.deb)
    inroot apt-get install -y -o APT::Sandbox::User=root "${debs[@]}" >"$W/switch.log" 2>&1 ||
        { why "$W/switch.log"; return 1; }
}

c_reinstall_idgate() {
    # An upgrade runs preinst upgrade and the old postrm upgrade: the
    # diversions must stay, and passwd's pages keep their diverted names.
    local deb
    deb=$(ls /tmp/debs/idgate_*.deb)
    inroot dpkg -i "$deb" >"$W/reinstall.log" 2>&1 || { why "$W/reinstall.log"; return 1; }
    c_passwd_pages_diverted || return 1
    zgrep -q idgate /usr/share/man/man5/subuid.5.gz || { echo "/usr/share/man/man5/subuid.5.gz is no longer idgate's"; return 1; }
}

c_idgate_packages_removed() {
    local p bad=()
    for p in "${idgate_pkgs[@]}"; do
        if installed "" "$p"; then bad+=("$p"); fi
    done
    [ ${#bad[@]} = 0 ] || { echo "still installed: ${bad[*]}"; return 1; }
}

c_dpkg_names_shadow() {
    expect_owner /usr/bin/newuidmap uidmap &&
        expect_owner /usr/bin/getsubids uidmap &&
        expect_owner "/usr/lib/$multiarch/libsubid.so.4.0.0" "libsubid4:$arch" &&
        expect_owner /usr/include/shadow/subid.h "libsubid-dev:$arch" || return 1
    [ -u "/usr/bin/newuidmap" ] || { echo "shadow's /usr/bin/newuidmap is not setuid"; return 1; }
    if as_user newuidmap --version 2>&1 | grep -q idgate; then echo "newuidmap in PATH is still idgate's"; return 1; fi
    [ ! -e "/usr/sbin/subid-add" ] || { echo "/usr/sbin/subid-add is still there"; return 1; }
}

c_diversions_removed() {
    local d p m=/usr/share/man/man5
    d=$(inroot dpkg-divert --list "$m/sub*")
    [ -z "$d" ] || { echo "diversions left: $d"; return 1; }
    for p in subuid subgid; do
        expect_owner "$m/$p.5.gz" passwd || return 1
        [ -f "$m/$p.5.gz" ] || { echo "$m/$p.5.gz is missing"; return 1; }
        if zgrep -q idgate "$m/$p.5.gz"; then echo "$m/$p.5.gz is still idgate's"; return 1; fi
        [ ! -e "$m/$p.shadow.5.gz" ] || { echo "$m/$p.shadow.5.gz is left behind"; return 1; }
    done
}

inner() {
    if ! inner_setup; then
        fail overlay_root "could not mount the overlay root in $TMP/w (overlayfs and tmpfs needed)"
        return
    fi
    pass overlay_root
    local t0=$SECONDS
    run_case install_idgate_debs c_install_idgate
    echo "    ${TEST_DEB_INSTALLER:-dpkg} install of idgate's .debs, $((SECONDS - t0)) s:"
    sed 's/^/    | /' "$W/install.log"
    run_case shadow_packages_removed c_shadow_packages_removed
    run_case dpkg_S_names_idgate c_dpkg_names_idgate
    run_case helpers_setuid_root c_helpers_setuid_root
    run_case helpers_are_idgates c_helpers_are_idgates
    run_case library_header_pkgconfig c_library_and_dev_files
    run_case man_pages_with_subgid_link c_man_pages
    run_case docs_installed c_docs
    run_case passwd_pages_diverted c_passwd_pages_diverted
    run_case clients_still_installed "c_clients_installed"
    echo "    clients checked: ${present_clients[*]}"
    run_case getsubids_idgate c_getsubids_idgate
    run_case unshare_map_auto_idgate c_unshare_map_auto
    run_case podman_unshare_idgate c_podman_unshare
    run_case subid_doctor_idgate c_subid_doctor
    run_case reinstall_keeps_diversions c_reinstall_idgate

    t0=$SECONDS
    run_case switch_back_to_shadow c_switch_back
    echo "    apt-get install shadow's .debs, $((SECONDS - t0)) s:"
    grep -E '^(Removing|Unpacking|Setting up|The following|dpkg: |  )' "$W/switch.log" | sed 's/^/    | /'
    run_case idgate_packages_removed c_idgate_packages_removed
    run_case dpkg_S_names_shadow c_dpkg_names_shadow
    run_case diversions_removed c_diversions_removed
    run_case clients_still_installed_after_switch_back c_clients_installed
    run_case unshare_map_auto_shadow c_unshare_map_auto
}

# ---------------------------------------------------------------------------
# On the host: prerequisites, shadow's .debs, the namespaces, the host check.

# fetch_shadow_debs CACHE: the installed version of each of shadow's
# packages as a .deb in CACHE, from apt's archive cache or the mirror.
fetch_shadow_debs() {
    local cache=$1 p v f
    mkdir -p "$cache" || return 1
    for p in "${shadow_pkgs[@]}"; do
        v=$(dpkg-query -W -f='${Version}' "$p") || return 1
        for f in "$cache/${p}"_*.deb; do
            [ -e "$f" ] || continue
            [ "$(dpkg-deb -f "$f" Version)" = "$v" ] || rm -f "$f"
        done
        compgen -G "$cache/${p}_*.deb" >/dev/null && continue
        f=/var/cache/apt/archives/${p}_${v/:/%3a}_$arch.deb
        if [ -f "$f" ]; then
            cp "$f" "$cache/" || return 1
        else
            (cd "$cache" && apt-get download -qq -o APT::Sandbox::User=root "$p=$v") ||
                { echo "$prog: cannot fetch $p $v (apt-get download $p=$v failed; is the mirror reachable?)"; return 1; }
        fi
    done
}

# hold_dpkg_lock CMD...: run CMD holding the host's dpkg locks, as apt
# does (fcntl locks on lock-frontend, then lock). No apt or dpkg run on the
# host may change / while it is the overlay's lower layer (overlayfs leaves a
# changing lower layer undefined, and the cases would see the other run's
# half-written database), nor make host_unchanged fail for a change that is
# not ours. Waits up to 5 minutes for a run in progress.
hold_dpkg_lock() {
    python3 - "$@" <<'EOF'
import fcntl, os, subprocess, sys, time
fds = []
deadline = time.monotonic() + 300
said = False
for path in ("/var/lib/dpkg/lock-frontend", "/var/lib/dpkg/lock"):
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o640)
    while True:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except OSError:
            if time.monotonic() > deadline:
                sys.exit(75)
            if not said:
                print("test-deb: waiting for the host's dpkg lock (apt or dpkg is running)", flush=True)
                said = True
            time.sleep(1)
    fds.append(fd)
sys.exit(subprocess.run(sys.argv[1:]).returncode)
EOF
}

# locked DEB...: under the dpkg lock, the cases in their namespaces, and the
# host's state compared before and after.
locked() {
    local before after
    before=$(host_state)
    # --kill-child: if this script dies, the namespace's processes die.
    unshare --mount --propagation private --pid --fork --kill-child \
        "$0" --inner "$@" ||
        fail namespaces "unshare --mount --pid could not run the cases (exit $?)"
    after=$(host_state)
    if [ "$before" = "$after" ]; then
        pass host_unchanged
    else
        fail host_unchanged "the host's dpkg status, diversions or helpers changed: $(diff <(echo "$before") <(echo "$after") | tr '\n' ' ')"
    fi
}

host_state() { # what must not change on the host
    sha256sum /var/lib/dpkg/status
    dpkg-divert --list | sort
    stat -c '%n %a %U' /usr/bin/newuidmap /usr/bin/newgidmap
    dpkg-query -S /usr/bin/newuidmap
}

main() {
    local debdir=${1:-$top/build-deb}
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/idgate-test-deb.XXXXXX") || exit 1
    trap 'rm -rf "$TMP"' EXIT
    RESULTS=$TMP/results
    : >"$RESULTS"
    mkdir "$TMP/w" # the inner tmpfs's mount point

    local p missing=()
    for p in "${shadow_pkgs[@]}" podman passwd; do
        installed "" "$p" || missing+=("$p")
    done
    if [ ${#missing[@]} = 0 ]; then
        pass prerequisites_installed
    else
        fail prerequisites_installed "not installed on this machine: ${missing[*]} (run scripts/deps as root)"
    fi

    IDGATE_DEBS=()
    for p in "${idgate_pkgs[@]}"; do
        mapfile -t -O ${#IDGATE_DEBS[@]} IDGATE_DEBS < <(ls "$debdir/${p}"_*_"$arch".deb 2>/dev/null)
    done
    if [ ${#IDGATE_DEBS[@]} = 3 ]; then
        pass idgate_debs_built
    else
        fail idgate_debs_built "expected one .deb of each of ${idgate_pkgs[*]} in $debdir, found ${#IDGATE_DEBS[@]} (run scripts/package first)"
    fi

    CACHE=$debdir/shadow
    local out
    if out=$(fetch_shadow_debs "$CACHE" 2>&1); then
        pass shadow_debs_cached
    else
        fail shadow_debs_cached "$out"
    fi

    if ! grep -q fail "$RESULTS"; then
        export TMP RESULTS CACHE
        hold_dpkg_lock "$0" --locked "${IDGATE_DEBS[@]}" ||
            fail host_dpkg_lock "could not hold the host's dpkg lock (exit $?): apt or dpkg ran for 5 minutes; run the test again when it is done"
    fi

    local np nf
    np=$(grep -c '^pass$' "$RESULTS")
    nf=$(grep -c '^fail$' "$RESULTS")
    echo "$np passed, $nf failed"
    [ "$nf" = 0 ]
}

if [ "${1:-}" = --locked ]; then
    shift
    locked "$@"
    exit 0
fi
if [ "${1:-}" = --inner ]; then
    shift
    IDGATE_DEBS=("$@")
    UPSTREAM=$(dpkg-deb -f "$1" Version)
    UPSTREAM=${UPSTREAM%-*}
    inner
    exit 0
fi
main "$@"
