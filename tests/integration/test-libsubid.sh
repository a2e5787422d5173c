# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# libsubid: a program compiled against shadow's own <shadow/subid.h>
# (tests/api/compat.c, Debian's libsubid-dev) runs linked against shadow's
# libsubid.so.4 (compat-shadow) and against ours (compat-idgate); on the same
# files, as root and as a user, both print the same answers byte for byte:
# that proves the ABI (structs, enums, calls) and the semantics at once.
# Grant and ungrant are compared on fresh copies of the files where shadow's
# semantics and ours are meant to match; grants of new ranges follow our
# stricter, documented rules (subid.h) and are checked against those. And
# our library never prints unless asked through subid_init(), and never
# exits: a failing source is a -1.
#
# compat prints "count N" and the ranges (or owner uids, sorted) of a query,
# "error" for -1, "ok START COUNT"/"fail" for a grant, "ok"/"fail" for an
# ungrant (see compat.c).

# meson may point LD_LIBRARY_PATH at the build tree, where the dynamic linker
# would find our libsubid.so.4 for both programs: each must load its own,
# compat-idgate through its build rpath, compat-shadow from /usr/lib.
unset LD_LIBRARY_PATH

CS=$IDG_BUILD/tests/api/compat-shadow
CI=$IDG_BUILD/tests/api/compat-idgate
SHADOW_LIB=/usr/lib/x86_64-linux-gnu/libsubid.so.4
# Shadow's library leaks in grant/ungrant; in a sanitizer build that is not
# ours to report, so LeakSanitizer is off for the program linked to it.
CS_ENV=(env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0")

if [ ! -x "$CS" ] || [ ! -x "$CI" ]; then
    echo "SKIP: $CS and $CI were not built: they need shadow's <shadow/subid.h> and" \
        "libsubid.so (Debian package libsubid-dev, installed by scripts/deps) and the build's" \
        "libsubid_so"
    exit 77
fi

# Accounts and login.defs as the sandbox made them; tests that add accounts
# or change login.defs start from these (pristine).
LSP=$T/libsubid.pristine
mkdir -p "$LSP" && cp /etc/passwd /etc/group /etc/login.defs "$LSP/" ||
    echo "    FAIL: cannot save the sandbox's passwd, group and login.defs"

pristine() {
    local f
    for f in passwd group login.defs; do cp "$LSP/$f" "/etc/$f"; done
    # UID_MAX and GID_MAX as on Debian, whatever the host says.
    sed -i -E '/^[[:space:]]*(UID|GID)_MAX[[:space:]]/d' /etc/login.defs
    printf '%s\n' "UID_MAX 60000" "GID_MAX 60000" >>/etc/login.defs
}

add_account() { # NAME UID GID [GROUP-NAME]
    echo "$1:x:$2:$3:idgate test user:/nonexistent:/usr/sbin/nologin" >>/etc/passwd
    echo "${4:-$1}:x:$3:" >>/etc/group
}

# put FILE LINE...: FILE holds these lines, owner root, mode 0644.
put() {
    local f=$1
    shift
    mkdir -p "$(dirname "$f")"
    printf '%s\n' "$@" >"$f"
    chown root:root "$f"
    chmod 0644 "$f"
}

# both UID ARGS...: compat-shadow and compat-idgate as UID; their stdout and
# stderr in $T/{s,i}.{out,err}, exit statuses in SRC and IRC.
both() {
    local u=$1
    shift
    as "$u" "${CS_ENV[@]}" "$CS" "$@" >"$T/s.out" 2>"$T/s.err"
    SRC=$?
    as "$u" "$CI" "$@" >"$T/i.out" 2>"$T/i.err"
    IRC=$?
}

# oneline FILE: FILE's lines joined by '|', for messages.
oneline() {
    if [ -e "$1" ]; then tr '\n' '|' <"$1"; else echo "(no $1)"; fi
}

# same_any UID ARGS...: both programs return from the call (exit 0) and
# print the same answer, byte for byte.
same_any() {
    local u=$1
    shift
    both "$u" "$@"
    [ "$SRC" = 0 ] || fail "compat-shadow $* (uid $u) exited $SRC: $(cat "$T/s.err")"
    [ "$IRC" = 0 ] || fail "compat-idgate $* (uid $u) exited $IRC: $(cat "$T/i.err")"
    cmp -s "$T/s.out" "$T/i.out" && return 0
    fail "compat $* (uid $u): ours differs from shadow's
      shadow: $(oneline "$T/s.out")
      ours:   $(oneline "$T/i.out")  (stderr: $(cat "$T/i.err"))
      /etc/subuid: $(oneline /etc/subuid)
      /etc/subgid: $(oneline /etc/subgid)"
    return 1
}

# same UID ARGS...: same_any, and shadow's answer holds at least one range
# or owner: two empty answers that agree prove nothing.
same() {
    local first
    same_any "$@"
    first=$(head -1 "$T/s.out")
    if [ "${first#count }" = "$first" ] || [ "${first#count }" -eq 0 ]; then
        fail "shadow answered '$first' to compat ${*:2}: the case tests nothing"
    fi
}

expect_out() { # LINE...: stdout of the last run, byte for byte
    printf '%s\n' "$@" >"$T/want"
    cmp -s "$T/want" "$T/out" || fail "stdout is '$(cat "$T/out")', expected '$(cat "$T/want")'"
}

# The query layout: several lines per user, by name and by uid, a repeated
# line, comments and a blank line, lines of other users (root by name and
# by uid 0), an unknown user's line, a uid with no account, and ids held by
# two owners (200010-200014: idgt1 and idgt2; 260000-265009: idgt1 and root).
# Not in start order: ranges come back in file order.
LAYOUT="# libsubid test layout
$U1N:200000:65536

$U1:300000:10
   # an indented comment
$U2N:400000:65536
$U1N:100000:5
$U2:500000:1
idgt-nobody:700000:10
${U1}0:900000:1
$U1:600000:3
$U1N:200000:65536
$U2N:200010:5
root:260000:5
0:265000:10"

# Ids with owners in LAYOUT, first, last and shared ones among them...
OWNED="100000 100004 200000 200012 260002 265005 265535 300000 300009 400000 465535 500000
    600002 900000"
# ...and ids nobody has: the answer is "count 0".
UNOWNED="0 1 99999 100005 199999 265536 300010 500001 4294967294"

t_each_program_loads_its_library() {
    local want_s want_i u
    want_s=$(realpath "$SHADOW_LIB")
    want_i=$(realpath "$IDG_BUILD")/libsubid/
    for u in 0 $U1; do
        run $u "${CS_ENV[@]}" "$CS" which
        expect_rc 0
        [ "$OUT" = "$want_s" ] || fail "compat-shadow (uid $u) loaded $OUT, not $want_s"
        run $u "$CI" which
        expect_rc 0
        case $OUT in
        "$want_i"libsubid.so*) ;;
        *) fail "compat-idgate (uid $u) loaded '$OUT', not ours from $want_i" ;;
        esac
    done
}

t_queries_same_as_shadow() {
    local u k id
    put /etc/subuid "$LAYOUT"
    put /etc/subgid "$LAYOUT"
    for u in 0 $U1 $U3; do
        for k in u g; do
            same $u ranges $k "$U1N"
            same $u ranges $k "$U2N"
            same $u ranges $k root
            same $u ranges $k idgt-nobody
            same_any $u ranges $k "$U3N"
            for id in $OWNED; do same $u owners $k "$id"; done
            for id in $UNOWNED; do same_any $u owners $k "$id"; done
        done
    done
    # The reference: shadow's answer, which ours equals.
    run $U1 "$CI" ranges u "$U1N"
    expect_out "count 5" "200000 65536" "300000 10" "100000 5" "600000 3" "200000 65536"
    run $U1 "$CI" owners g 200012
    expect_out "count 2" "$U1" "$U2"
    run $U1 "$CI" ranges g "$U3N"
    expect_out "count 0"
}

# A decimal OWNER: shadow matches the lines whose owner field is that
# string (getpwnam() of "4001" finds no account, so no name lines).
t_numeric_owner_query_same_as_shadow() {
    local u k
    put /etc/subuid "$LAYOUT"
    put /etc/subgid "$LAYOUT"
    for u in 0 $U1; do
        for k in u g; do
            same $u ranges $k "$U1"
            same $u ranges $k "$U2"
            same $u ranges $k 0
            same $u ranges $k "${U1}0"
            same_any $u ranges $k "$U3"
        done
    done
}

t_only_uid_lines_same_as_shadow() {
    local u
    put /etc/subuid "$U3:123456:7" "$U1N:200000:65536" "$U3:1000000:65536"
    put /etc/subgid "$U3:223456:8"
    for u in 0 $U1 $U3; do
        same $u ranges u "$U3N"
        same $u ranges g "$U3N"
        same $u owners u 1000000
        same $u owners g 223463
    done
}

t_default_files_same_as_shadow() {
    local u k
    for u in 0 $U1; do
        for k in u g; do
            same $u ranges $k "$U1N"
            same $u ranges $k "$U2N"
            same $u owners $k 265535
            same $u owners $k 400000
            same_any $u owners $k 265536
        done
    done
}

# Lines that neither library accepts are skipped by both.
t_skipping_bad_lines_same_as_shadow() {
    local u
    put /etc/subuid "$U1N:200000:65536" "$U1N:400000" "$U1N:abc:5" "$U1N:250000:3 " \
        "garbage" "$U1N:300000:1" "$U2N:400000:65536"
    for u in 0 $U1; do
        same $u ranges u "$U1N"
        same $u ranges u "$U2N"
        same $u owners u 300000
        same_any $u owners u 250001
    done
}

# Lines of owners that are no account: shadow lists them for that name, and
# an owners query that meets one fails (it cannot turn the name into a uid).
t_unknown_owner_same_as_shadow() {
    local u
    put /etc/subuid "$U1N:200000:65536" "idgt-nobody:700000:10" "${U1N}0:800000:1"
    put /etc/subgid "$U1N:200000:65536" "idgt-nobody:700000:10"
    for u in 0 $U1; do
        same $u ranges u idgt-nobody
        same $u ranges u "${U1N}0"
        same $u ranges g idgt-nobody
        same $u owners u 200000
        same_any $u owners u 700005
        same_any $u owners u 800000
        same_any $u owners g 700000
        same_any $u ranges u idgt-none # no account, no lines
        same_any $u ranges u ""
    done
}

# With no /etc/subuid shadow's queries fail (-1).
t_missing_file_same_as_shadow() {
    local u
    rm -f /etc/subuid
    for u in 0 $U1; do
        same_any $u ranges u "$U1N"
        same_any $u owners u 200000
    done
    # The other file still answers.
    same $U1 ranges g "$U1N"
}

# In /etc/subgid shadow gives a decimal owner field the meaning of a GROUP
# id: the lines of user NAME are those owned by NAME or by the gid of the
# group called NAME (getgrnam). idgt5 has uid 4005, and its group idgt5
# gid 4105; the group idgg5 has gid 4005.
t_subgid_owner_by_group_gid_same_as_shadow() {
    local u
    pristine
    add_account idgt5 4005 4105
    echo "idgg5:x:4005:" >>/etc/group
    put /etc/subuid "4005:100000:1" "4105:200000:1" "idgt5:300000:1"
    put /etc/subgid "4005:100000:1" "4105:200000:1" "idgt5:300000:1"
    for u in 0 $U1; do
        same $u ranges u idgt5
        same $u ranges g idgt5
        same $u owners g 100000
        same $u owners g 200000
        same $u owners g 300000
    done
    pristine
}

# A subgid owner that is a group but no user: shadow lists its lines by the
# group's gid, and an owners query that meets its name fails.
t_subgid_owner_group_only_same_as_shadow() {
    local u
    pristine
    echo "idgg5:x:4005:" >>/etc/group
    put /etc/subgid "4005:100000:1" "idgg5:400000:1"
    for u in 0 $U1; do
        same $u ranges g idgg5
        same_any $u owners g 400000
    done
    pristine
}

# ---- grant and ungrant: each library on its own fresh copy of the files

EDIT=("# libsubid edit layout" "$U1N:200000:65536" "$U2N:400000:65536" "$U1N:500000:100"
    "$U1N:600000:10")

# fresh LINE...: /etc/subuid and /etc/subgid hold these lines; no lock,
# backup or temporary file of them is left from a previous run.
fresh() {
    rm -f /etc/subuid- /etc/subgid- /etc/subuid+ /etc/subgid+ /etc/subuid-+ /etc/subgid-+ \
        /etc/subuid.lock /etc/subgid.lock /etc/subuid.[0-9]* /etc/subgid.[0-9]*
    put /etc/subuid "$@"
    put /etc/subgid "$@"
}

# our_hygiene FILE: after one of our edits: no lock file left, and FILE
# still root's, mode 0644.
our_hygiene() {
    [ ! -e "$1.lock" ] || fail "our library left $1.lock behind"
    [ "$(stat -c '%U:%G %a' "$1")" = "root:root 644" ] ||
        fail "$1 is now $(stat -c '%U:%G %a' "$1")"
}

# same_edit changes|keeps COMMAND u|g ARGS...: as root, on fresh copies of
# EDIT (or of the lines in the array EDIT_LINES when set), both libraries
# answer the same and leave the same file; shadow's edit changes the file or
# keeps it as it was, as said (an edit that changes nothing in either proves
# little when a change was meant).
same_edit() {
    local want=$1 f
    shift
    [ "$2" = u ] && f=/etc/subuid || f=/etc/subgid
    local -a lines=("${EDIT[@]}")
    [ -z "${EDIT_LINES+x}" ] || lines=("${EDIT_LINES[@]}")
    printf '%s\n' "${lines[@]}" >"$T/orig"

    fresh "${lines[@]}"
    "${CS_ENV[@]}" "$CS" "$@" >"$T/s.out" 2>"$T/s.err"
    SRC=$?
    cp "$f" "$T/s.file"
    fresh "${lines[@]}"
    "$CI" "$@" >"$T/i.out" 2>"$T/i.err"
    IRC=$?
    cp "$f" "$T/i.file"

    [ "$SRC" = 0 ] || fail "compat-shadow $* exited $SRC: $(cat "$T/s.err")"
    [ "$IRC" = 0 ] || fail "compat-idgate $* exited $IRC: $(cat "$T/i.err")"
    if [ "$want" = changes ]; then
        ! cmp -s "$T/orig" "$T/s.file" || fail "shadow's $* changed nothing: the case tests nothing"
    else
        cmp -s "$T/orig" "$T/s.file" || fail "shadow's $* changed $f: $(cat "$T/s.file")"
    fi
    cmp -s "$T/s.out" "$T/i.out" ||
        fail "compat $*: ours answered '$(cat "$T/i.out")', shadow '$(cat "$T/s.out")'"
    cmp -s "$T/s.file" "$T/i.file" ||
        fail "compat $*: $f differs from shadow's (from: $(oneline "$T/orig"))
      shadow: $(oneline "$T/s.file")
      ours:   $(oneline "$T/i.file")"
    our_hygiene "$f"
}

t_ungrant_same_as_shadow() {
    local k
    pristine
    for k in u g; do
        same_edit changes ungrant $k "$U1N" 500000 100   # a whole line
        same_edit changes ungrant $k "$U1N" 200000 10    # its head
        same_edit changes ungrant $k "$U1N" 265000 536   # its tail
        same_edit changes ungrant $k "$U1N" 500000 100010 # two whole lines
        same_edit changes ungrant $k "$U1N" 199990 70000 # a line inside a larger request
        same_edit keeps ungrant $k "$U1N" 300000 10      # ids it does not have
        same_edit keeps ungrant $k "$U1N" 400000 10      # idgt2's ids
        same_edit keeps ungrant $k "$U3N" 200000 65536   # an owner with no lines
    done
}

# Part of a line: shadow cuts the line to the head and appends the tail as
# a new line at the end of the file.
t_ungrant_split_same_as_shadow() {
    local k
    pristine
    for k in u g; do
        same_edit changes ungrant $k "$U1N" 210000 10
        same_edit changes ungrant $k "$U1N" 500001 98
    done
}

# With reuse and a range of the owner at least COUNT large, both return the
# first such line of the file (its whole range) and write nothing. (Shadow's
# 4.13 leaves /etc/subuid.lock behind on this path; ours must not, and
# same_edit checks that.)
t_grant_reuse_same_as_shadow() {
    local k
    pristine
    for k in u g; do
        same_edit keeps grant $k "$U1N" 0 1000 reuse
        same_edit keeps grant $k "$U1N" 0 65536 reuse
        same_edit keeps grant $k "$U1N" 0 10 reuse     # three lines fit; the first
        same_edit keeps grant $k "$U1N" 300000 100 reuse # START does not matter
        same_edit keeps grant $k "$U2N" 0 1 reuse
    done
}

# Lines whose owner field is the uid: shadow's edits match the owner field
# as a string, so OWNER 4001 reaches them and OWNER idgt1 does not.
t_edit_uid_keyed_lines_same_as_shadow() {
    local k
    local -a EDIT_LINES=("# uid-keyed" "$U1N:200000:65536" "$U1:300000:10" "$U1N:500000:100")
    pristine
    for k in u g; do
        same_edit changes ungrant $k "$U1" 300000 10
        same_edit keeps ungrant $k "$U1N" 300000 10
        same_edit keeps grant $k "$U1" 0 5 reuse
    done
}

# New ranges: ours is deliberately stricter than shadow (subid.h): the first
# free run at or above START that overlaps no owner's range and holds no
# account's id (uid in subuid, gid in subgid) and no id up to UID_MAX
# (GID_MAX). Shadow's 4.13 puts every one of these right after the range
# that ends highest (600010 here, whatever START), also moves the file's
# first comment down, and has no account or UID_MAX rule. (The START 0 and
# 1000 cases assume no account with an id in 60001-60100, as on Debian.)
# our_grant u|g OWNER START COUNT reuse|new WANT-START WANT-COUNT: on a fresh
# EDIT, ours answers "ok WANT-START WANT-COUNT", the file keeps every line
# and gains exactly "OWNER:WANT-START:WANT-COUNT", and shadow's library
# reads the range back from our file.
our_grant() {
    local k=$1 owner=$2 f line
    [ "$k" = u ] && f=/etc/subuid || f=/etc/subgid
    fresh "${EDIT[@]}"
    run 0 "$CI" grant "$k" "$owner" "$3" "$4" "$5"
    expect_rc 0
    expect_no_err
    expect_out "ok $6 $7"
    for line in "${EDIT[@]}"; do
        grep -qxF -- "$line" "$f" || fail "grant $*: $f lost '$line': $(cat "$f")"
    done
    [ "$(grep -cxF -- "$owner:$6:$7" "$f")" = 1 ] || fail "grant $*: $f lacks '$owner:$6:$7'"
    [ "$(wc -l <"$f")" = $((${#EDIT[@]} + 1)) ] || fail "grant $*: $f is now: $(cat "$f")"
    our_hygiene "$f"
    run $U1 "${CS_ENV[@]}" "$CS" ranges "$k" "$owner"
    grep -qxF -- "$6 $7" "$T/out" || fail "shadow's library does not read $6 $7 back: $OUT"
}

t_grant_new_ours_first_fit() {
    local k
    pristine
    for k in u g; do
        our_grant $k "$U3N" 250000 1000 new 265536 1000  # START inside idgt1's range
        our_grant $k "$U3N" 265536 134464 new 265536 134464 # the whole gap, exactly
        our_grant $k "$U3N" 265536 134465 new 600010 134465 # one more: after the last
        our_grant $k "$U3N" 0 100 new 60001 100            # never up to UID_MAX
        our_grant $k "$U3N" 1000 10 new 60001 10
        our_grant $k "$U3N" 500000 1000 new 500100 1000    # START on idgt1's second line
        # Reuse without a range of the owner that large: a new one.
        our_grant $k "$U1N" 300000 70000 reuse 300000 70000
        our_grant $k "$U2N" 100000 65537 reuse 100000 65537
    done
}

t_grant_new_ours_skips_account_ids() {
    local k
    pristine
    add_account idgacct 266000 266000
    add_account idgacct2 300500 300600 idgacct2g
    for k in u g; do
        our_grant $k "$U3N" 265536 1000 new 266001 1000
    done
    # The uid counts in subuid, the gid in subgid.
    our_grant u "$U3N" 300000 1000 new 300501 1000
    our_grant g "$U3N" 300000 1000 new 300601 1000
    pristine
}

t_grant_new_ours_refusals() {
    local k f args
    pristine
    for k in u g; do
        [ $k = u ] && f=/etc/subuid || f=/etc/subgid
        for args in "$U3N 4294000000 1000000 new" "$U3N 0 4294967295 new" \
            "$U1N 4294967290 70000 reuse"; do
            fresh "${EDIT[@]}"
            # shellcheck disable=SC2086 # the words are the arguments
            run 0 "$CI" -i none grant $k $args
            expect_rc 0
            expect_out fail
            expect_no_err
            printf '%s\n' "${EDIT[@]}" | cmp -s - "$f" || fail "grant $k $args changed $f"
            our_hygiene "$f"
        done
    done
}

# Only root may edit: ours answers "fail", prints nothing, changes nothing.
# (Shadow's 4.13 prints "Failed loging subuids" on stdout here, and crashes
# when subid_init() was not called.)
t_edit_as_user_fails_quietly() {
    local i k f
    pristine
    for k in u g; do
        [ $k = u ] && f=/etc/subuid || f=/etc/subgid
        for i in none null; do
            fresh "${EDIT[@]}"
            run $U1 "$CI" -i $i grant $k "$U1N" 0 10 reuse
            expect_rc 0
            expect_out fail
            expect_no_err
            run $U1 "$CI" -i $i grant $k "$U3N" 0 10 new
            expect_out fail
            expect_no_err
            run $U1 "$CI" -i $i ungrant $k "$U1N" 500000 100
            expect_rc 0
            expect_out fail
            expect_no_err
            printf '%s\n' "${EDIT[@]}" | cmp -s - "$f" || fail "a user's call changed $f"
            [ ! -e "$f.lock" ] || fail "a user's call left $f.lock"
        done
    done
}

# A source that fails (here: an untrusted /etc/subuid, which shadow reads
# anyway) makes every call return -1 or false: the program goes on and
# prints "error"/"fail", and nothing reaches stderr unless subid_init() was
# given a stream.
t_failing_source_quiet_and_not_fatal() {
    local u i
    pristine
    chmod 0666 /etc/subuid
    for u in 0 $U1; do
        for i in none null; do
            run $u "$CI" -i $i ranges u "$U1N"
            expect_rc 0
            expect_out error
            expect_no_err
            run $u "$CI" -i $i owners u 200000
            expect_rc 0
            expect_out error
            expect_no_err
        done
        # The other file is fine.
        run $u "$CI" -i none ranges g "$U1N"
        expect_out "count 1" "200000 65536"
    done
    for i in none null; do
        run 0 "$CI" -i $i grant u "$U1N" 0 10 reuse
        expect_rc 0
        expect_out fail
        expect_no_err
        run 0 "$CI" -i $i ungrant u "$U1N" 200000 10
        expect_rc 0
        expect_out fail
        expect_no_err
    done
    [ "$(stat -c %a /etc/subuid)" = 666 ] && [ "$(cat /etc/subuid)" = "$IDG_DEFAULT_SUBUID" ] ||
        fail "/etc/subuid was changed: $(cat /etc/subuid)"
    # Asked, it does say why: the silence above is not for want of a message.
    run $U1 "$CI" -i stderr ranges u "$U1N"
    expect_rc 0
    expect_out error
    expect_err /etc/subuid
}

t_symlinked_source_quiet_and_not_fatal() {
    local i
    mv /etc/subgid /etc/subgid.real && ln -s subgid.real /etc/subgid
    for i in none null; do
        run $U1 "$CI" -i $i ranges g "$U1N"
        expect_rc 0
        expect_out error
        expect_no_err
        run 0 "$CI" -i $i owners g 400000
        expect_rc 0
        expect_out error
        expect_no_err
    done
    run $U1 "$CI" -i stderr ranges g "$U1N"
    expect_out error
    expect_err /etc/subgid
}
