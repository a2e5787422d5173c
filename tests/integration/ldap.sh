# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# A real LDAP directory for the integration tests: users that exist only in
# the directory, resolved by glibc through `passwd: files ldap`. Sourced by a
# test file (after lib.sh, inside the sandbox), which calls ldap_setup once
# at its top level and ldap_start in each case that needs the directory.
#
#   slapd    serves LDAP_SUFFIX on LDAP_URI, as user openldap, from a
#            config and an mdb database under $T/ldap (the sandbox's tmpfs).
#   nslcd    answers libnss_ldap.so.2 (package libnss-ldapd) on its socket
#            /run/nslcd/socket, from LDAP_URI.
#
# Why nslcd rather than sssd: nslcd keeps no cache, so a stopped slapd makes
# a directory user unknown at once (sssd would answer from its cache, and
# its cache and state live in /var/lib/sss, outside the sandbox's overlays);
# its whole configuration is one small file in the overlay /etc; it answers
# within a few tenths of a second of its start and needs no TLS for lookups.
#
# Nothing reaches the host:
#   - both daemons run in a network namespace of their own (a file in $T
#     holds it), so 127.0.0.1:LDAP_PORT is the sandbox's loopback: nothing
#     listens on the host's, and two test runs side by side cannot collide
#     on the port. Clients reach nslcd through its socket, a file, which
#     crosses network namespaces; only slapd's clients (ldapsearch) enter it.
#   - /run is an overlay here, like /etc and /dev, so /run/nslcd is made in
#     the sandbox; a host's nscd socket is hidden, so that no cache answers
#     in place of the directory.
#   - the daemons are jobs of the case that started them: lib.sh's trap kills
#     them when the case ends, and the pid namespace kills whatever is left
#     when the file ends.
#
# Each case gets a fresh copy of the directory as ldap_setup loaded it, so a
# case that stops slapd or changes an entry leaves nothing to the next one.

LDAP_SUFFIX=dc=idgate,dc=test
LDAP_ROOTDN=cn=admin,$LDAP_SUFFIX
# A password for a server that only the sandbox can reach; it guards nothing.
LDAP_ROOTPW=idgate-test-only
LDAP_PORT=10389
LDAP_URI=ldap://127.0.0.1:$LDAP_PORT/

# The directory users: in LDAP only, never in the sandbox's /etc/passwd.
# Each has a personal group of the same number; all three are members of
# the group ldapusers.
LU0=50000 LU0N=ldapu0
LU1=50001 LU1N=ldapu1
LU2=50002 LU2N=ldapu2
LDAP_GROUP=ldapusers LDAP_GID=50100

# ldap_fail MESSAGE: the directory cannot be set up, so no case of the file
# can run: a failure (exit 1), never a skip, so that CI cannot pass without
# the directory.
ldap_fail() {
    echo "FAIL: $*"
    exit 1
}

# ldap_require: every program and module the directory needs is installed.
ldap_require() {
    local need
    for need in slapd:slapd slapadd:slapd ldapsearch:ldap-utils ldapadd:ldap-utils \
        nslcd:nslcd ip:iproute2 nsenter:util-linux; do
        command -v "${need%%:*}" >/dev/null ||
            ldap_fail "${need%%:*} is missing (Debian package ${need#*:}): the LDAP tests need a real directory; run scripts/deps as root to install it"
    done
    ldconfig -p | grep -q 'libnss_ldap\.so\.2 ' ||
        ldap_fail "libnss_ldap.so.2 is missing (Debian package libnss-ldapd): glibc cannot ask nslcd; run scripts/deps as root to install it"
    local u
    for u in openldap nslcd; do
        getent passwd "$u" >/dev/null ||
            ldap_fail "there is no user $u to run the directory daemons as (the slapd and nslcd packages create it); reinstall them with scripts/deps"
    done
}

# ldap_private_run: /run becomes an overlay of the host's, like /etc and /dev
# in lib.sh, with the mounts under it put back; /run/nslcd is an empty tmpfs
# for nslcd's socket, and /run/nscd (if a host nscd made it) an empty one.
ldap_private_run() {
    local subs m
    # The mounts below /run (a real host has /run/user/N, /run/lock, ...):
    # the overlay shows only /run's own filesystem, so they are bound back.
    subs=$(findmnt -rn -o TARGET -R /run | awk '$1 != "/run"' | sort)
    mkdir -p "$T/hostrun" "$T/run.up" "$T/run.work"
    mount --rbind /run "$T/hostrun" || return 1
    mount -t overlay overlay -o "lowerdir=/run,upperdir=$T/run.up,workdir=$T/run.work" /run ||
        return 1
    local last=
    for m in $subs; do
        # Nested mounts come with their parent's --rbind.
        if [ -n "$last" ] && [[ $m == "$last"/* ]]; then continue; fi
        mount --rbind "$T/hostrun${m#/run}" "$m" || return 1
        last=$m
    done
    mkdir -p /run/nslcd || return 1
    mount -t tmpfs -o mode=0755 idgate-nslcd /run/nslcd || return 1
    chown nslcd:nslcd /run/nslcd || return 1
    if [ -e /run/nscd ]; then
        mount -t tmpfs -o mode=0755 idgate-no-nscd /run/nscd || return 1
    fi
}

# ldap_write_config: slapd.conf, the seed LDIF, nslcd.conf.
ldap_write_config() {
    local d=$T/ldap u
    # The classic slapd.conf rather than a cn=config tree: one small file,
    # read once (slapd -f), nothing that slapd writes back. nis.schema gives
    # posixAccount and posixGroup (RFC 2307), as nslcd maps them by default.
    cat >"$d/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
suffix "$LDAP_SUFFIX"
rootdn "$LDAP_ROOTDN"
rootpw $LDAP_ROOTPW
directory $d/db
maxsize 16777216
index objectClass,uid,uidNumber,gidNumber,memberUid eq
EOF
    {
        printf '%s\n' "dn: $LDAP_SUFFIX" "objectClass: dcObject" "objectClass: organization" \
            "o: idgate tests" "dc: idgate" ""
        printf '%s\n' "dn: ou=people,$LDAP_SUFFIX" "objectClass: organizationalUnit" "ou: people" ""
        printf '%s\n' "dn: ou=groups,$LDAP_SUFFIX" "objectClass: organizationalUnit" "ou: groups" ""
        for u in "$LU0N:$LU0" "$LU1N:$LU1" "$LU2N:$LU2"; do
            ldap_user_ldif "${u%%:*}" "${u#*:}"
            ldap_group_ldif "${u%%:*}" "${u#*:}"
        done
        ldap_group_ldif "$LDAP_GROUP" "$LDAP_GID" "$LU0N" "$LU1N" "$LU2N"
    } >"$d/seed.ldif"
    # nslcd waits little for a server that is gone: by default it retries
    # for 10 s before it answers "unavailable", and a test of a stopped
    # directory would wait as long for every lookup.
    cat >/etc/nslcd.conf <<EOF
# The idgate test directory (tests/integration/ldap.sh), in the sandbox only.
uid nslcd
gid nslcd
uri $LDAP_URI
base $LDAP_SUFFIX
bind_timelimit 2
timelimit 5
reconnect_sleeptime 1
reconnect_retrytime 1
EOF
    # Root's only, as the package installs it: nslcd reads it before it
    # becomes user nslcd.
    chmod 0600 /etc/nslcd.conf
}

# ldap_user_ldif NAME UID: a posixAccount whose primary group is UID.
ldap_user_ldif() {
    printf '%s\n' "dn: uid=$1,ou=people,$LDAP_SUFFIX" "objectClass: account" \
        "objectClass: posixAccount" "uid: $1" "cn: $1" "uidNumber: $2" "gidNumber: $2" \
        "gecos: idgate directory user" "homeDirectory: /nonexistent" \
        "loginShell: /usr/sbin/nologin" ""
}

# ldap_group_ldif NAME GID [MEMBER...]: a posixGroup.
ldap_group_ldif() {
    local m
    printf '%s\n' "dn: cn=$1,ou=groups,$LDAP_SUFFIX" "objectClass: posixGroup" "cn: $1" \
        "gidNumber: $2"
    for m in "${@:3}"; do echo "memberUid: $m"; done
    echo
}

# ldap_setup: once per file, at its top level. Checks the packages, writes
# the configuration, loads the seed entries offline (slapadd, no daemon),
# makes the network namespace and the private /run. Starts nothing.
ldap_setup() {
    ldap_require
    mkdir -p "$T/ldap/db" || ldap_fail "cannot create $T/ldap in the sandbox's tmpfs"
    ldap_write_config
    # slapadd loads the entries offline; each ldap_start copies the result.
    slapadd -q -f "$T/ldap/slapd.conf" -l "$T/ldap/seed.ldif" >"$T/ldap/slapadd.log" 2>&1 </dev/null ||
        ldap_fail "slapadd could not load the test entries: $(cat "$T/ldap/slapadd.log")"
    mv "$T/ldap/db" "$T/ldap/seed"
    touch "$T/ldap/netns"
    unshare --net="$T/ldap/netns" true ||
        ldap_fail "cannot create a network namespace for slapd (unshare --net failed): the test keeps the directory off the host's loopback; run it as root where network namespaces are allowed"
    ldap_netns ip link set lo up ||
        ldap_fail "cannot bring up the loopback of slapd's network namespace (ip link set lo up failed), so slapd could not listen on 127.0.0.1; see the message above"
    ldap_private_run ||
        ldap_fail "cannot mount a private /run (an overlay, with a tmpfs on /run/nslcd) for nslcd's socket, and the host's /run must not change; see the mount error above"
}

# ldap_netns CMD...: run CMD in the directory's network namespace, where
# slapd listens.
ldap_netns() {
    nsenter --net="$T/ldap/netns" -- "$@"
}

# ldap_search ARGS...: an anonymous ldapsearch of the directory (LDIF, no
# comments, no line wrapping).
ldap_search() {
    ldap_netns ldapsearch -x -LLL -o ldif-wrap=no -H "$LDAP_URI" -b "$LDAP_SUFFIX" "$@"
}

# ldap_modify ARGS...: ldapmodify as the root DN, LDIF on stdin (-a adds).
ldap_modify() {
    ldap_netns ldapmodify -x -H "$LDAP_URI" -D "$LDAP_ROOTDN" -w "$LDAP_ROOTPW" "$@"
}

# ldap_add_user NAME UID: a user (and a personal group UID) added to the
# running directory; nslcd keeps no cache, so NSS knows it at once.
ldap_add_user() {
    { ldap_user_ldif "$1" "$2"; ldap_group_ldif "$1" "$2"; } | ldap_modify -a >/dev/null
}

# ldap_wait_for DESC CMD...: poll CMD every 10 ms for up to 10 s; on timeout
# fail the case with what the daemons logged.
ldap_wait_for() {
    local desc=$1 i
    shift
    for ((i = 0; i < 1000; i++)); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.01
    done
    fail "timed out after 10 s waiting for $desc; slapd said: $(tail -n 5 "$T/ldap/slapd.log" 2>/dev/null); nslcd said: $(tail -n 5 "$T/ldap/nslcd.log" 2>/dev/null)"
    return 1
}

ldap_answers() {
    ldap_search -s base dn
}

nss_knows_ldapu0() {
    getent passwd "$LU0N"
}

# ldap_start: a fresh copy of the seed directory, slapd serving it, nslcd
# reading it, and the sandbox's passwd and group lookups going to files and
# then LDAP. Returns when `getent passwd ldapu0` answers (10 s at most; a
# timeout fails the case). Sets SLAPD_PID and NSLCD_PID, and LDAP_UP_MS:
# the milliseconds from the start of slapd to the first answer through NSS.
ldap_start() {
    local t0 t1
    rm -rf "$T/ldap/db"
    cp -a "$T/ldap/seed" "$T/ldap/db"
    chown -R openldap:openldap "$T/ldap/db"
    # The case's trap (lib.sh) kills its jobs; stopping the daemons first
    # waits for them to exit, so none is left when the case is checked for
    # stragglers.
    trap 'ldap_stop; kill $(jobs -p) 2>/dev/null; wait 2>/dev/null' EXIT
    t0=$(date +%s%N)
    # nsenter execs slapd, so that $! is slapd itself (a function put in
    # the background would be a subshell whose death leaves slapd running).
    # -d 0: stay in the foreground, log nothing but errors.
    nsenter --net="$T/ldap/netns" -- slapd -d 0 -u openldap -g openldap -h "$LDAP_URI" -f "$T/ldap/slapd.conf" \
        >"$T/ldap/slapd.log" 2>&1 </dev/null &
    SLAPD_PID=$!
    # nslcd starts beside slapd (it connects at its first lookup), but NSS
    # is asked only once slapd answers: a lookup that found no server would
    # make nslcd wait reconnect_sleeptime before it tries again.
    nsenter --net="$T/ldap/netns" -- nslcd -n >"$T/ldap/nslcd.log" 2>&1 </dev/null &
    NSLCD_PID=$!
    ldap_wait_for "slapd to answer on $LDAP_URI" ldap_answers || return 1
    t1=$(date +%s%N)
    # NSS turns to the directory only now: slapd's initgroups for openldap,
    # at its start, would otherwise ask nslcd, which would find no slapd yet
    # and then wait reconnect_sleeptime. Only the passwd and group lines
    # change; a subid: line the case wrote is kept.
    sed -i -e '/^[[:space:]]*\(passwd\|group\)[[:space:]]*:/d' /etc/nsswitch.conf
    printf '%s\n' "passwd: files ldap" "group: files ldap" >>/etc/nsswitch.conf
    ldap_wait_for "getent passwd $LU0N to answer through nslcd" nss_knows_ldapu0 || return 1
    LDAP_UP_MS=$((($(date +%s%N) - t0) / 1000000))
    LDAP_SLAPD_MS=$(((t1 - t0) / 1000000))
    # IDG_LDAP_TIMES=1 in the environment prints the start-up figures.
    if [ -n "${IDG_LDAP_TIMES:-}" ]; then
        echo "    ldap: slapd answered after $LDAP_SLAPD_MS ms, NSS after $LDAP_UP_MS ms"
    fi
}

# ldap_kill PID: end a daemon and wait until it is gone.
ldap_kill() {
    [ -n "$1" ] || return 0
    kill "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    return 0
}

# ldap_stop_slapd: the directory becomes unreachable (nslcd still runs and
# finds nobody listening).
ldap_stop_slapd() {
    ldap_kill "${SLAPD_PID:-}"
    SLAPD_PID=
}

# ldap_stop: both daemons gone.
ldap_stop() {
    ldap_kill "${NSLCD_PID:-}"
    NSLCD_PID=
    ldap_stop_slapd
}
