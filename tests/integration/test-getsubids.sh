# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# getsubids: shadow's standard output and exit status, byte for byte, on the
# same files, for every query a client makes (kubelet, podman and rootlesskit
# parse it; rootlesskit asks by name and by uid and joins the answers); and
# idgate's rules where getsubids(1) says it is stricter: one-line errors,
# trust rules, strict numbers, id_permission ranges listed after subuid ones.

GS=$IDG_BUILD/getsubids/getsubids
SHADOW_GS=/usr/bin/getsubids

# A layout with several lines per user, uid-keyed owners, comments, blank
# lines, a repeated line, and owners that only begin like a test user's
# name or uid. Not in start order: the output must keep file order.
LAYOUT="# getsubids test layout
$U1N:200000:65536

$U1:300000:10
   # an indented comment
$U2N:400000:65536
$U1N:100000:5
$U2:500000:1
${U1N}0:800000:1
${U1}0:900000:1
$U1:600000:3
$U1N:200000:65536"

# put FILE LINE...: FILE holds these lines, owner root, mode 0644.
put() {
    local f=$1
    shift
    mkdir -p "$(dirname "$f")"
    printf '%s\n' "$@" >"$f"
    chown root:root "$f"
    chmod 0644 "$f"
}

# expect_out LINE...: stdout is exactly these lines, byte for byte.
expect_out() {
    printf '%s\n' "$@" >"$T/want"
    cmp -s "$T/want" "$T/out" || fail "stdout is '$(cat "$T/out")', expected '$(cat "$T/want")'"
}

expect_no_out() {
    [ ! -s "$T/out" ] || fail "unexpected stdout: $(cat "$T/out")"
}

# expect_one_err_line: stderr is a single line, prefixed "getsubids: ".
expect_one_err_line() {
    if [ "$(wc -l <"$T/err")" != 1 ] || [ "${ERR#getsubids: }" = "$ERR" ]; then
        fail "stderr is not one 'getsubids: ' line: $ERR"
    fi
}

# same_as_shadow UID ARGS...: as UID, our stdout is shadow's byte for byte,
# both exit 0, and the list is not empty (an empty match proves nothing).
same_as_shadow() {
    local u=$1 src rc
    shift
    [ -x "$SHADOW_GS" ] ||
        { fail "$SHADOW_GS (Debian package uidmap) is needed to compare with shadow"; return; }
    as "$u" "$SHADOW_GS" "$@" >"$T/shadow.out" 2>"$T/shadow.err"
    src=$?
    as "$u" "$GS" "$@" >"$T/out" 2>"$T/err"
    rc=$?
    [ "$src" = 0 ] || fail "shadow's getsubids $* exited $src: $(cat "$T/shadow.err")"
    [ "$rc" = 0 ] || fail "getsubids $* (as uid $u) exited $rc: $(cat "$T/err")"
    [ -s "$T/shadow.out" ] || fail "shadow listed nothing for '$*': the layout tests nothing"
    cmp -s "$T/shadow.out" "$T/out" ||
        fail "getsubids $* (as uid $u) differs from shadow's:
$(diff "$T/shadow.out" "$T/out")"
}

t_same_as_shadow_several_lines_and_uid_owners() {
    put /etc/subuid "$LAYOUT"
    put /etc/subgid "$LAYOUT"
    local u
    for u in $U1 $U2 0; do
        same_as_shadow $u "$U1N"
        same_as_shadow $u "$U2N"
        same_as_shadow $u -g "$U1N"
        same_as_shadow $u -g "$U2N"
    done
    # And the reference itself: name and uid lines interleaved in file
    # order, repeats kept, lookalike owners left out.
    run $U2 "$GS" "$U1N"
    expect_rc 0
    expect_out "0: $U1N 200000 65536" "1: $U1N 300000 10" "2: $U1N 100000 5" \
        "3: $U1N 600000 3" "4: $U1N 200000 65536"
    expect_no_err
}

t_same_as_shadow_only_uid_lines() {
    put /etc/subuid "$U3:123456:7" "$U1N:200000:65536" "$U3:1000000:65536"
    put /etc/subgid "$U3:223456:8"
    same_as_shadow $U3 "$U3N"
    same_as_shadow $U1 -g "$U3N"
    run $U3 "$GS" "$U3N"
    expect_out "0: $U3N 123456 7" "1: $U3N 1000000 65536"
}

t_same_as_shadow_default_files() {
    same_as_shadow $U1 "$U1N"
    same_as_shadow 0 -g "$U2N"
    run $U1 "$GS" -g "$U2N"
    expect_out "0: $U2N 400000 65536"
}

# Lines that neither program accepts are skipped by both; ours says so.
t_same_as_shadow_skipping_bad_lines() {
    put /etc/subuid "$U1N:200000:65536" "$U1N:400000" "$U1N:abc:5" "$U1N:250000:3 " \
        "$U1N:300000:1"
    same_as_shadow $U1 "$U1N"
    expect_out "0: $U1N 200000 65536" "1: $U1N 300000 1"
    [ "$(wc -l <"$T/err")" = 3 ] || fail "expected 3 warnings, got: $ERR"
}

# No range: exit 1 with nothing on stdout, as shadow; the reason on stderr.
t_user_without_ranges() {
    local u
    for u in $U3 0; do
        run $u "$GS" "$U3N"
        expect_rc 1
        expect_no_out
        [ "$ERR" = "getsubids: $U3N has no subordinate uid range: none has the owner $U3N or $U3 (the uid of $U3N) in /etc/subuid; an administrator can allot one with: subid-add $U3N" ] ||
            fail "unexpected message: $ERR"
        run $u "$GS" -g "$U3N"
        expect_rc 1
        expect_no_out
        expect_err "none has the owner $U3N or $U3 (the gid of $U3N) in /etc/subgid"
        expect_one_err_line
    done
}

t_missing_files_list_nothing() {
    rm -f /etc/subuid /etc/subgid
    run $U1 "$GS" "$U1N"
    expect_rc 1
    expect_no_out
    expect_err "in /etc/subuid (which does not exist)"
    expect_one_err_line
    run $U1 "$GS" -g "$U1N"
    expect_rc 1
    expect_no_out
    expect_err "in /etc/subgid (which does not exist)"
}

t_unknown_user() {
    run $U1 "$GS" idgt-nobody
    expect_rc 1
    expect_no_out
    [ "$ERR" = "getsubids: no subordinate uid range has the owner idgt-nobody in /etc/subuid, and idgt-nobody is no user in the passwd database; check the name with: getent passwd idgt-nobody" ] ||
        fail "unexpected message: $ERR"
    run 0 "$GS" -g 4099
    expect_rc 1
    expect_no_out
    expect_err "getsubids: no subordinate gid range has the owner 4099 in /etc/subgid (a number lists only the ranges keyed by that number"
    expect_one_err_line
}

# A decimal USER names the lines keyed by that number, not the account with
# that uid: rootlesskit asks "getsubids NAME" and "getsubids UID" and joins
# the answers, so the name's lines must not come back twice. Against today's
# shadow and a mutant that resolves the uid to its account, this fails.
t_numeric_user() {
    put /etc/subuid "$LAYOUT"
    run $U2 "$GS" "$U1"
    expect_rc 0
    expect_out "0: $U1 300000 10" "1: $U1 600000 3"
    # And what rootlesskit then asks newuidmap for has no range twice.
    run $U1 "$GS" "$U1N"
    expect_out "0: $U1N 200000 65536" "1: $U1N 300000 10" "2: $U1N 100000 5" \
        "3: $U1N 600000 3" "4: $U1N 200000 65536"
}

# podman's --userns=auto convention: an owner "containers" that is no
# account. The tool answers as the library does.
t_owner_that_is_no_account() {
    put /etc/subuid "$U1N:200000:65536" "containers:2147483647:2147483648"
    put /etc/subgid "containers:2147483647:2147483648"
    local u
    for u in $U1 0; do
        run $u "$GS" containers
        expect_rc 0
        expect_out "0: containers 2147483647 2147483648"
        run $u "$GS" -g containers
        expect_rc 0
        expect_out "0: containers 2147483647 2147483648"
    done
}

t_g_reads_subgid() {
    put /etc/subuid "$U1N:200000:65536"
    put /etc/subgid "$U1N:300000:1000" "$U1:310000:2"
    run $U1 "$GS" -g "$U1N"
    expect_rc 0
    expect_out "0: $U1N 300000 1000" "1: $U1N 310000 2"
    run $U1 "$GS" "$U1N"
    expect_out "0: $U1N 200000 65536"
}

t_id_permission_after_subuid() {
    put /etc/subuid "# test" "$U1N:200000:65536" "$U2N:400000:65536"
    put /etc/id_permission/uids "$U1:100:10" "$U2:7:1" "$U1N:50:5"
    put /etc/id_permission/gids "$U1:7000:1"
    run $U1 "$GS" "$U1N"
    expect_rc 0
    expect_out "0: $U1N 200000 65536" "1: $U1N 100 10" "2: $U1N 50 5"
    expect_no_err
    run 0 "$GS" -g "$U1N"
    expect_rc 0
    expect_out "0: $U1N 200000 65536" "1: $U1N 7000 1"
}

t_malformed_own_line_warned() {
    put /etc/subuid "# test" "$U1N:200000:65536" "$U1N:0300000:10" "$U2N:bad:1" \
        "$U1N:400000" "$U1N:500000:7"
    run $U1 "$GS" "$U1N"
    expect_rc 0
    expect_out "0: $U1N 200000 65536" "1: $U1N 500000 7"
    expect_err "getsubids: warning: /etc/subuid:3: line for $U1N ignored: start is not a plain decimal"
    expect_err "getsubids: warning: /etc/subuid:5: line for $U1N ignored: expected three fields"
    [ "$(wc -l <"$T/err")" = 2 ] || fail "expected two warnings (none for $U2N's line): $ERR"
}

t_world_writable_subuid_refused() {
    chmod 0666 /etc/subuid
    run $U1 "$GS" "$U1N"
    expect_rc 1
    expect_no_out
    expect_err "getsubids: cannot list the uid ranges of $U1N: /etc/subuid is writable by group or others (mode 0666), so it is not trusted; run: chmod go-w /etc/subuid"
    expect_one_err_line
    # Only the file that is read counts: subgid is fine.
    run $U1 "$GS" -g "$U1N"
    expect_rc 0
    expect_out "0: $U1N 200000 65536"
}

# A failing source after a good one: no partial list on stdout.
t_untrusted_id_permission_prints_nothing() {
    put /etc/id_permission/uids "$U1:100:10"
    chmod 0664 /etc/id_permission/uids
    run $U1 "$GS" "$U1N"
    expect_rc 1
    expect_no_out
    expect_err "run: chmod go-w /etc/id_permission/uids"
}

t_symlinked_subgid_refused() {
    mv /etc/subgid /etc/subgid.real && ln -s subgid.real /etc/subgid
    run $U1 "$GS" -g "$U1N"
    expect_rc 1
    expect_no_out
    expect_err "/etc/subgid is a symbolic link"
}

t_help_and_version() {
    local opt
    for opt in -h --help; do
        run $U1 "$GS" $opt
        expect_rc 0
        [ "$(head -1 "$T/out")" = "Usage: getsubids [-g] USER" ] || fail "$opt printed: $OUT"
        expect_no_err
    done
    for opt in -V --version; do
        run $U1 "$GS" $opt
        expect_rc 0
        grep -qxE 'getsubids \(idgate\) [0-9]+\.[0-9]+\.[0-9]+' "$T/out" || fail "$opt: $OUT"
    done
}

t_bad_usage() {
    local args
    for args in "" "-x $U1N" "--bogus $U1N" "-g" "$U1N $U2N" "$U1N -g"; do
        # shellcheck disable=SC2086 # the words are the arguments
        run $U1 "$GS" $args
        expect_rc 1
        expect_no_out
        expect_one_err_line
    done
    run $U1 "$GS" "$U1N" -g
    expect_err "options such as -g go before USER"
    run $U1 "$GS" ""
    expect_rc 1
    expect_err "USER is empty"
    # "--" ends the options.
    run $U1 "$GS" -g -- "$U1N"
    expect_rc 0
    expect_out "0: $U1N 200000 65536"
}

t_write_failure() {
    as $U1 "$GS" "$U1N" >/dev/full 2>"$T/err"
    RC=$?
    ERR=$(cat "$T/err")
    expect_rc 1
    expect_err "getsubids: cannot write to standard output: No space left on device"
}

# The comparison table: for every query a client makes, as users and as
# root, idgate's standard output and exit status are shadow's byte for byte.
# The files hold name-keyed, uid-keyed, repeated and commented lines, an
# owner that is no account, a group that is no user, and an account whose
# name is another account's uid. Each row is printed, so that the log is
# the table.
t_table_same_as_shadow() {
    [ -x "$SHADOW_GS" ] ||
        { fail "$SHADOW_GS (Debian package uidmap) is needed to compare with shadow"; return; }
    cp /etc/passwd "$T/passwd.keep"
    cp /etc/group "$T/group.keep"
    # An account named like another's uid, and a group that is no user.
    echo "4007:x:4008:4008:idgate test user:/nonexistent:/usr/sbin/nologin" >>/etc/passwd
    echo "idgt-grp:x:4050:" >>/etc/group
    local layout="# idgate comparison table
$U1N:200000:65536
$U1:300000:10

   # an indented comment
containers:2147483647:2147483648
$U2N:400000:65536
$U1N:200000:65536
4008:510000:1
4007:520000:1
${U1N}0:800000:1
${U1}0:900000:1"
    put /etc/subuid "$layout"
    put /etc/subgid "$layout" "4050:610000:7" "idgt-grp:620000:7"
    local u args rows=0 same=0 src rc
    for u in $U1 $U3 0; do
        for args in "$U1N" "$U1" "$U2N" "$U2" "$U3N" "$U3" containers 4007 4008 idgt-nobody \
            99999 "-g $U1N" "-g $U1" "-g $U2N" "-g $U3N" "-g containers" "-g idgt-grp" \
            "-g 4050" "-g 4008"; do
            # shellcheck disable=SC2086 # the words are the arguments
            as "$u" "$SHADOW_GS" $args >"$T/shadow.out" 2>/dev/null
            src=$?
            # shellcheck disable=SC2086
            as "$u" "$GS" $args >"$T/out" 2>/dev/null
            rc=$?
            rows=$((rows + 1))
            printf 'as %-5s getsubids %-16s shadow: exit %s %-40s idgate: exit %s %s\n' "$u" "$args" \
                "$src" "$(paste -sd'|' "$T/shadow.out")" "$rc" "$(paste -sd'|' "$T/out")"
            if [ "$src" = "$rc" ] && cmp -s "$T/shadow.out" "$T/out"; then
                same=$((same + 1))
            else
                fail "getsubids $args as uid $u: shadow exits $src with '$(cat "$T/shadow.out")', idgate $rc with '$(cat "$T/out")'"
            fi
        done
    done
    echo "comparison table: $same of $rows rows identical to shadow"
    cp "$T/passwd.keep" /etc/passwd
    cp "$T/group.keep" /etc/group
}

# The one difference getsubids(1) lists for a query: an account whose name
# is its own uid in decimal. Shadow lists its line twice (once by name, once
# by uid); a line is one allotment, and idgate lists it once.
t_numeric_name_equal_to_uid_listed_once() {
    cp /etc/passwd "$T/passwd.keep"
    echo "4004:x:4004:4004:idgate test user:/nonexistent:/usr/sbin/nologin" >>/etc/passwd
    put /etc/subuid "4004:500000:1"
    run $U1 "$GS" 4004
    expect_rc 0
    expect_out "0: 4004 500000 1"
    if [ -x "$SHADOW_GS" ]; then
        as $U1 "$SHADOW_GS" 4004 >"$T/shadow.out" 2>/dev/null
        [ "$(cat "$T/shadow.out")" = "0: 4004 500000 1
1: 4004 500000 1" ] || fail "shadow's answer changed; update getsubids(1): $(cat "$T/shadow.out")"
    fi
    cp "$T/passwd.keep" /etc/passwd
}
