# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# `meson install` gives distributions the helpers as they must be installed:
# setuid root by default, or file capabilities with -Dprivilege=caps.

t_install_setuid_root() {
    local dest=$T/dest
    meson install -C "$IDG_BUILD" --destdir "$dest" --no-rebuild >"$T/install.log" 2>&1 ||
        { fail "meson install failed: $(tail -5 "$T/install.log")"; return; }
    local f
    for f in newuidmap newgidmap; do
        local p
        p=$(find "$dest" -name "$f" -type f)
        [ -n "$p" ] || { fail "$f not installed"; continue; }
        [ "$(stat -c '%a %U %G' "$p")" = "4755 root root" ] ||
            fail "$f installed as $(stat -c '%a %U %G' "$p"), expected 4755 root root"
    done
    # getsubids only reads files the caller may read, and subid-doctor is
    # run by users: neither is ever privileged.
    local g
    for f in getsubids subid-doctor; do
        g=$(find "$dest" -path "*bin/$f" -type f)
        if [ -z "$g" ]; then
            fail "$f not installed"
            continue
        fi
        [ "$(stat -c '%a %U %G' "$g")" = "755 root root" ] ||
            fail "$f installed as $(stat -c '%a %U %G' "$g"), expected 755 root root"
        [ -z "$(getcap "$g")" ] || fail "$f has file capabilities: $(getcap "$g")"
    done
    for f in newuidmap.1 newgidmap.1 getsubids.1 subuid.5 id_permission.5 subid-add.8 \
        subid-doctor.1 libsubid.3; do
        [ -n "$(find "$dest" -name "$f*")" ] || fail "man page $f not installed"
    done
    # subgid(5) is the same page, as shadow's passwd package ships it.
    local sg
    sg=$(find "$dest" -name subgid.5 -type l)
    [ -n "$sg" ] && [ "$(readlink "$sg")" = subuid.5 ] || fail "no subgid.5 link to subuid.5"
    # subid-add is for root; it needs no privilege of its own.
    local a
    a=$(find "$dest" -path '*sbin/subid-add' -type f)
    [ -n "$a" ] || fail "subid-add not installed in sbin"
    [ -z "$a" ] || [ "$(stat -c '%a' "$a")" = 755 ] ||
        fail "subid-add installed as $(stat -c '%a' "$a"), expected 755"
    # libsubid: the soname shadow's programs ask for, subid_* only, the
    # header where <shadow/subid.h> finds it, and a pkg-config file.
    local so
    so=$(find "$dest" -name 'libsubid.so.4.0.0' -type f)
    if [ -z "$so" ]; then
        fail "libsubid.so.4.0.0 not installed"
    else
        objdump -p "$so" | grep -q 'SONAME *libsubid.so.4$' || fail "soname is not libsubid.so.4"
        local bad
        bad=$(objdump -T "$so" | awk '$2 == "g" && $4 != "*UND*" {print $NF}' | grep -v '^subid_')
        [ -z "$bad" ] || fail "libsubid exports more than subid_*: $bad"
        [ -n "$(find "$dest" -name libsubid.so.4 -type l)" ] || fail "no libsubid.so.4 link"
    fi
    [ -n "$(find "$dest" -path '*include/shadow/subid.h')" ] ||
        fail "header not installed as include/shadow/subid.h"
    local pc
    pc=$(find "$dest" -name libsubid.pc)
    [ -n "$pc" ] && grep -q '^Libs:.*-lsubid' "$pc" || fail "libsubid.pc missing or without -lsubid"
}

t_install_file_capabilities() {
    local src build=$T/capsbuild dest=$T/capsdest
    src=$(cd "$IDG_TESTS/../.." && pwd)
    { meson setup "$build" "$src" -Dprivilege=caps -Dtests=disabled &&
        ninja -C "$build" && meson install -C "$build" --destdir "$dest"; } >"$T/caps.log" 2>&1 ||
        { fail "caps build/install failed: $(tail -5 "$T/caps.log")"; return; }
    local u g
    u=$(find "$dest" -name newuidmap -type f)
    g=$(find "$dest" -name newgidmap -type f)
    [ "$(stat -c '%a' "$u")" = 755 ] || fail "newuidmap mode $(stat -c '%a' "$u"), expected 755"
    getcap "$u" | grep -q 'cap_setuid[=+]ep' || fail "newuidmap caps: $(getcap "$u")"
    getcap "$g" | grep -q 'cap_setgid[=+]ep' || fail "newgidmap caps: $(getcap "$g")"
    # And the installed binary works with its capability alone.
    target $U1
    install -m 0755 "$u" "$T/bin/installed-cap-newuidmap"
    setcap "$(getcap "$u" | awk '{print $2}')" "$T/bin/installed-cap-newuidmap"
    run $U1 "$T/bin/installed-cap-newuidmap" "$TARGET" 0 $U1 1 1 200000 10
    expect_rc 0
    expect_map "$TARGET" uid "0 $U1 1
1 200000 10"
}
