# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# subid-add: first fit under login.defs, the safety rules (never over an
# owner's range or an account's id), file hygiene, bad input that changes
# nothing, many writers at once (itself and shadow's usermod), SIGKILL at
# random moments, --check, and shadow reading what it wrote.

# subid-add as installed (root's, mode 0755), copied once: every test of
# this file runs the same binary, even while the build tree is relinked.
SA=$T/bin/subid-add
SHADOW_GS=/usr/bin/getsubids

# The default files (lib.sh): idgt1 has 200000-265535, idgt2 400000-465535.
# With shadow's defaults (SUB_UID_MIN 100000, COUNT 65536, UID_MAX 60000),
# the free slots of 65536 ids, lowest first, are therefore 100000 (its gap
# ends at 199999), 265536 and 331072 (gap 265536-399999), then 465536 and
# every 65536 ids after it.

# Test accounts, added once for this file. Their ids (4100-4179) are below
# UID_MAX, where no range may go anyway, so they move no allocation:
#   idga00..idga19  4100-4119  twenty allocations at once
#   idgm00..idgm09  4120-4129  subid-add beside usermod
#   idgu00..idgu09  4130-4139  usermod beside subid-add
#   idgk00..idgk39  4140-4179  the SIGKILL rounds
# usermod wants a shadow entry too.
add_account() { # NAME UID
    echo "$1:x:$2:$2:idgate test user:/nonexistent:/usr/sbin/nologin" >>/etc/passwd
    echo "$1:x:$2:" >>/etc/group
    echo "$1:!:19000::::::" >>/etc/shadow
}

sa_setup() {
    local i
    install -o root -g root -m 0755 "$IDG_BUILD/subid-add/subid-add" "$SA" || return 1
    for ((i = 0; i < 20; i++)); do add_account "$(printf 'idga%02d' $i)" $((4100 + i)); done
    for ((i = 0; i < 10; i++)); do add_account "$(printf 'idgm%02d' $i)" $((4120 + i)); done
    for ((i = 0; i < 10; i++)); do add_account "$(printf 'idgu%02d' $i)" $((4130 + i)); done
    for ((i = 0; i < 40; i++)); do add_account "$(printf 'idgk%02d' $i)" $((4140 + i)); done
    SAP=$T/sa.pristine
    mkdir -p "$SAP" || return 1
    cp /etc/passwd /etc/group /etc/shadow /etc/login.defs "$SAP/" || return 1
}
sa_setup || echo "    FAIL: cannot install subid-add or add its test accounts"

# sa_fresh: every test starts here. The accounts and login.defs as set up
# above (tests add accounts and login.defs variants), and no backup, lock or
# temporary file of the sources.
sa_fresh() {
    local f
    for f in passwd group shadow login.defs; do cp "$SAP/$f" "/etc/$f"; done
    rm -f /etc/subuid- /etc/subgid- /etc/subuid-+ /etc/subgid-+ /etc/subuid+ /etc/subgid+ \
        /etc/subuid.lock /etc/subgid.lock /etc/subuid.[0-9]* /etc/subgid.[0-9]*
}

# sa ARGS...: run subid-add as root; sets RC, OUT, ERR. (Builtins only
# around it: a process costs milliseconds here, and there are hundreds.)
sa() {
    "$SA" "$@" >"$T/out" 2>"$T/err"
    RC=$?
    IFS= read -r -d '' OUT <"$T/out"
    IFS= read -r -d '' ERR <"$T/err"
    OUT=${OUT%$'\n'}
    ERR=${ERR%$'\n'}
}

now_us() {
    echo "${EPOCHREALTIME//[.,]/}"
}

# set_defs LINE...: login.defs without its SUB_UID_*/SUB_GID_* settings
# (so shadow's defaults apply), then these lines.
set_defs() {
    grep -vE '^[[:space:]]*SUB_[UG]ID_' "$SAP/login.defs" >/etc/login.defs
    [ $# -eq 0 ] || printf '%s\n' "$@" >>/etc/login.defs
}

# put FILE LINE...: FILE holds these lines, owner root, mode 0644.
put() {
    local f=$1
    shift
    printf '%s\n' "$@" >"$f"
    chown root:root "$f"
    chmod 0644 "$f"
}

expect_out() { # LINE...: stdout is exactly these lines
    printf '%s\n' "$@" >"$T/want"
    cmp -s "$T/want" "$T/out" || fail "stdout is '$(cat "$T/out")', expected '$(cat "$T/want")'"
}

# expect_one_err: stderr is exactly one line, "subid-add: ...".
expect_one_err() {
    local lines
    mapfile -t lines <"$T/err"
    [ "${#lines[@]}" = 1 ] && [ "${ERR#subid-add: }" != "$ERR" ] ||
        fail "stderr is not exactly one 'subid-add: ' line: $ERR"
}

# expect_file FILE LINE...: FILE is exactly these lines.
expect_file() {
    local f=$1
    shift
    printf '%s\n' "$@" >"$T/want"
    cmp -s "$T/want" "$f" || fail "$f is:
$(cat "$f")
expected:
$(cat "$T/want")"
}

# expect_appended FILE OLD LINE: FILE is OLD (a copy) and then LINE, and
# diff sees exactly that one added line.
expect_appended() {
    local f=$1 old=$2 line=$3 d
    { cat "$old"; printf '%s\n' "$line"; } >"$T/want"
    cmp -s "$T/want" "$f" || fail "$f is not its old version plus '$line':
$(diff "$old" "$f")"
    d=$(diff "$old" "$f" | grep '^[<>]')
    [ "$d" = "> $line" ] || fail "diff of $f shows '$d', expected one added line '> $line'"
}

# snapshot: both files and their backups: type, mode, owner, inode, size
# (so that a rewrite with the same bytes is caught too), then their bytes.
snapshot() {
    stat -c '%n %F %a %U %G %i %s' /etc/subuid /etc/subuid- /etc/subgid /etc/subgid- 2>&1
    cat /etc/subuid /etc/subuid- /etc/subgid /etc/subgid- 2>&1
}

# snap: remember them; $T/subuid.0 and $T/subgid.0 are copies of the files.
snap() {
    snapshot >"$T/snap.0"
    cat /etc/subuid >"$T/subuid.0" 2>/dev/null || : >"$T/subuid.0"
    cat /etc/subgid >"$T/subgid.0" 2>/dev/null || : >"$T/subgid.0"
}

# expect_unchanged: both files and their backups are as snap left them.
expect_unchanged() {
    snapshot >"$T/snap.1"
    cmp -s "$T/snap.0" "$T/snap.1" || fail "the files or their backups changed:
$(diff "$T/snap.0" "$T/snap.1")"
}

# expect_no_leftovers: no temporary, lock or pid file of either file.
expect_no_leftovers() {
    local p left=()
    for p in /etc/sub[ug]id+ /etc/sub[ug]id-+ /etc/sub[ug]id.lock /etc/sub[ug]id.[0-9]*; do
        if [ -e "$p" ]; then left+=("$p"); fi
    done
    [ ${#left[@]} = 0 ] || fail "left behind: ${left[*]}"
}

# refused MESSAGE ARGS...: subid-add ARGS exits 1 with one stderr line
# holding MESSAGE, prints nothing on stdout, and changes neither file.
refused() {
    local msg=$1
    shift
    snap
    sa "$@"
    expect_rc 1
    expect_one_err
    [[ $ERR == *"$msg"* ]] || fail "stderr lacks '$msg'; stderr: $ERR"
    [ -z "$OUT" ] || fail "stdout of a refusal ($*): $OUT"
    expect_unchanged
    expect_no_leftovers
}

# first_fit uid|gid FILE COUNT MIN MAX ACCT_MAX: an independent oracle (awk
# over the file, the passwd or group database and 0..ACCT_MAX) for the
# lowest start of COUNT free ids in [MIN, MAX]; "exhausted" when none.
first_fit() {
    local db=passwd
    [ "$1" = gid ] && db=group
    {
        echo "0 $6"
        getent "$db" | awk -F: '{ print $3, $3 }'
        awk -F: '!/^[[:space:]]*(#|$)/ && NF == 3 { printf "%.0f %.0f\n", $2, $2 + $3 - 1 }' "$2"
    } | sort -n -k1,1 | awk -v c="$3" -v min="$4" -v max="$5" '
        BEGIN { cand = min; found = 0 }
        !found && $2 >= cand {
            if ($1 > cand && $1 - cand >= c) found = 1
            else cand = $2 + 1
        }
        END { if (cand + c - 1 > max) print "exhausted"; else printf "%.0f\n", cand }'
}

# overlaps FILE: lines (any owners) that share ids, one per line; empty if none.
overlaps() {
    awk -F: '!/^[[:space:]]*(#|$)/ { printf "%.0f %.0f %s\n", $2, $2 + $3 - 1, $1 }' "$1" |
        sort -n -k1,1 | awk '
            NR > 1 && $1 <= last { print $3 " " $1 "-" $2 " overlaps " who " (up to " last ")" }
            NR == 1 || $2 > last { last = $2; who = $3 }'
}

# -------------------------------------------------------------------------
# 1. Allocation

t_first_fit_both_files_then_idempotent() {
    sa_fresh
    # 100000-165535 is free (idgt1 starts at 200000); ask the oracle too.
    local u g
    u=$(first_fit uid /etc/subuid 65536 100000 600100000 60000)
    g=$(first_fit gid /etc/subgid 65536 100000 600100000 60000)
    [ "$u $g" = "100000 100000" ] || fail "oracle says $u $g, reasoning says 100000 100000"
    snap
    sa "$U3N"
    expect_rc 0
    expect_no_err
    expect_out "/etc/subuid: added $U3N:100000:65536 (uids 100000-165535)" \
        "/etc/subgid: added $U3N:100000:65536 (gids 100000-165535)"
    expect_appended /etc/subuid "$T/subuid.0" "$U3N:100000:65536"
    expect_appended /etc/subgid "$T/subgid.0" "$U3N:100000:65536"
    expect_no_leftovers

    # Again: nothing changes, not even the inode.
    snap
    sa "$U3N"
    expect_rc 0
    expect_no_err
    expect_out "/etc/subuid:4: $U3N already has $U3N:100000:65536 (uids 100000-165535); nothing changed" \
        "/etc/subgid:4: $U3N already has $U3N:100000:65536 (gids 100000-165535); nothing changed"
    expect_unchanged
    expect_no_leftovers

    # The next user gets the next gap: 265536, after idgt1's range.
    u=$(first_fit uid /etc/subuid 65536 100000 600100000 60000)
    [ "$u" = 265536 ] || fail "oracle says $u, reasoning says 265536"
    sa idga00
    expect_rc 0
    expect_out "/etc/subuid: added idga00:265536:65536 (uids 265536-331071)" \
        "/etc/subgid: added idga00:265536:65536 (gids 265536-331071)"
}

t_count_and_smaller_request_reuses() {
    sa_fresh
    snap
    sa -c 10 "$U3N"
    expect_rc 0
    expect_out "/etc/subuid: added $U3N:100000:10 (uids 100000-100009)" \
        "/etc/subgid: added $U3N:100000:10 (gids 100000-100009)"
    expect_appended /etc/subuid "$T/subuid.0" "$U3N:100000:10"
    snap
    sa --count 5 idga00
    expect_rc 0
    expect_appended /etc/subuid "$T/subuid.0" "idga00:100010:5"
    expect_appended /etc/subgid "$T/subgid.0" "idga00:100010:5"
    # A range at least as large as asked serves the request.
    snap
    sa -c 7 "$U3N"
    expect_rc 0
    expect_err ""
    grep -qF "already has $U3N:100000:10" "$T/out" || fail "not reused: $OUT"
    expect_unchanged
    # A larger one does not: a second line, first fit after idga00's
    # 100010-100014 (100015-199999 is free).
    snap
    sa -c 65536 "$U3N"
    expect_rc 0
    expect_appended /etc/subuid "$T/subuid.0" "$U3N:100015:65536"
}

t_uid_only_and_gid_only() {
    sa_fresh
    snap
    sa --uid-only "$U3N"
    expect_rc 0
    expect_out "/etc/subuid: added $U3N:100000:65536 (uids 100000-165535)"
    expect_appended /etc/subuid "$T/subuid.0" "$U3N:100000:65536"
    cmp -s /etc/subgid "$T/subgid.0" || fail "--uid-only changed /etc/subgid"
    [ ! -e /etc/subgid- ] || fail "--uid-only rewrote /etc/subgid"
    snap
    sa --gid-only -c 3 idga00
    expect_rc 0
    expect_out "/etc/subgid: added idga00:100000:3 (gids 100000-100002)"
    expect_appended /etc/subgid "$T/subgid.0" "idga00:100000:3"
    cmp -s /etc/subuid "$T/subuid.0" || fail "--gid-only changed /etc/subuid"
    expect_no_leftovers
}

# A user with a uid range but no gid range (a run killed between the two
# files, or --uid-only) is completed, not given a second uid range.
t_partial_user_is_completed() {
    sa_fresh
    put /etc/subuid "$U1N:200000:65536" "$U3N:700000:65536"
    snap
    sa "$U3N"
    expect_rc 0
    expect_out "/etc/subuid:2: $U3N already has $U3N:700000:65536 (uids 700000-765535); nothing changed" \
        "/etc/subgid: added $U3N:100000:65536 (gids 100000-165535)"
    cmp -s /etc/subuid "$T/subuid.0" || fail "/etc/subuid changed"
    expect_appended /etc/subgid "$T/subgid.0" "$U3N:100000:65536"
    # A line keyed by the uid is the user's too.
    put /etc/subuid "$U3:700000:65536"
    snap
    sa --uid-only "$U3N"
    expect_rc 0
    expect_out "/etc/subuid:1: $U3N already has $U3:700000:65536 (uids 700000-765535); nothing changed"
    expect_unchanged
}

# USER may be given as a uid; the range goes to that account.
t_numeric_user_argument() {
    sa_fresh
    snap
    sa "$U3"
    expect_rc 0
    expect_no_err
    local line
    line=$(tail -n 1 /etc/subuid)
    case $line in
    "$U3N:100000:65536" | "$U3:100000:65536") ;;
    *) fail "subid-add $U3 added '$line'" ;;
    esac
    expect_appended /etc/subuid "$T/subuid.0" "$line"
    expect_appended /etc/subgid "$T/subgid.0" "$line"
    snap
    sa "$U3N"
    expect_rc 0
    grep -qF "already has $line" "$T/out" || fail "not recognised as $U3N's: $OUT"
    expect_unchanged
}

# A login name that cannot be an owner field (here it holds a blank, as
# LDAP/SSSD names may) is written as the uid, which names the same account.
t_unwritable_name_written_as_uid() {
    sa_fresh
    local u
    echo "idg bad:x:4190:4190::/nonexistent:/usr/sbin/nologin" >>/etc/passwd
    snap
    sa "idg bad"
    expect_rc 0
    expect_no_err
    expect_appended /etc/subuid "$T/subuid.0" "4190:100000:65536"
    expect_appended /etc/subgid "$T/subgid.0" "4190:100000:65536"
    snap
    for u in "idg bad" 4190; do
        sa "$u"
        expect_rc 0
        expect_out "/etc/subuid:4: $u already has 4190:100000:65536 (uids 100000-165535); nothing changed" \
            "/etc/subgid:4: $u already has 4190:100000:65536 (gids 100000-165535); nothing changed"
    done
    expect_unchanged
    sa --check
    expect_rc 0
    sa_fresh
}

t_help_and_version() {
    sa_fresh
    snap
    sa --help
    expect_rc 0
    expect_no_err
    [[ $OUT == "Usage: subid-add [options] USER"* ]] || fail "--help: $OUT"
    sa -h
    expect_rc 0
    [[ $OUT == "Usage: subid-add"* ]] || fail "-h: $OUT"
    sa --version
    expect_rc 0
    [[ $OUT == "subid-add (idgate) "* ]] || fail "--version: $OUT"
    expect_unchanged
}

t_explicit_range() {
    sa_fresh
    snap
    sa --range 700000-700999 "$U3N"
    expect_rc 0
    expect_out "/etc/subuid: added $U3N:700000:1000 (uids 700000-700999)" \
        "/etc/subgid: added $U3N:700000:1000 (gids 700000-700999)"
    expect_appended /etc/subuid "$T/subuid.0" "$U3N:700000:1000"
    expect_appended /etc/subgid "$T/subgid.0" "$U3N:700000:1000"
    snap
    sa --range 700000-700999 "$U3N"
    expect_rc 0
    grep -qF "already has $U3N:700000:1000" "$T/out" || fail "not idempotent: $OUT"
    expect_unchanged
    # Just above UID_MAX (60000) is allowed; the pool bounds only steer first fit.
    sa --range 60001-60010 idga00
    expect_rc 0
    grep -qx "idga00:60001:10" /etc/subuid || fail "60001-60010 not added"
    # One id, the last one there is.
    sa --uid-only --range 4294967294-4294967294 idga01
    expect_rc 0
    grep -qx "idga01:4294967294:1" /etc/subuid || fail "4294967294-4294967294 not added"
}

t_dry_run_changes_nothing() {
    sa_fresh
    snap
    sa --dry-run "$U3N"
    expect_rc 0
    expect_no_err
    expect_out "/etc/subuid: would add $U3N:100000:65536 (uids 100000-165535)" \
        "/etc/subgid: would add $U3N:100000:65536 (gids 100000-165535)"
    expect_unchanged
    expect_no_leftovers
    sa --dry-run --remove "$U1N"
    expect_rc 0
    expect_out "/etc/subuid:2: would remove $U1N:200000:65536 (uids 200000-265535)" \
        "/etc/subgid:2: would remove $U1N:200000:65536 (gids 200000-265535)"
    expect_unchanged
    expect_no_leftovers
}

t_remove() {
    sa_fresh
    # idgt1 by name and by uid, a comment, idgt2 in between.
    put /etc/subuid "# keep me" "$U1N:200000:65536" "$U2N:400000:65536" "$U1:300000:10" \
        "" "$U1N:500000:5"
    put /etc/subgid "$U2N:400000:65536" "$U1N:200000:65536"
    snap
    sa --remove "$U1N"
    expect_rc 0
    expect_no_err
    expect_out "/etc/subuid:2: removed $U1N:200000:65536 (uids 200000-265535)" \
        "/etc/subuid:4: removed $U1:300000:10 (uids 300000-300009)" \
        "/etc/subuid:6: removed $U1N:500000:5 (uids 500000-500004)" \
        "/etc/subgid:2: removed $U1N:200000:65536 (gids 200000-265535)"
    expect_file /etc/subuid "# keep me" "$U2N:400000:65536" ""
    expect_file /etc/subgid "$U2N:400000:65536"
    cmp -s /etc/subuid- "$T/subuid.0" || fail "/etc/subuid- is not the previous version"
    expect_no_leftovers
    # Nothing left to remove: exit 0, files untouched.
    snap
    sa --remove "$U1N"
    expect_rc 0
    expect_out "/etc/subuid: $U1N has no ranges to remove" "/etc/subgid: $U1N has no ranges to remove"
    expect_unchanged
    # An owner that is no account (any more) can be removed too.
    put /etc/subuid "idg-ghost:700000:10" "$U2N:400000:65536"
    sa --uid-only --remove idg-ghost
    expect_rc 0
    expect_out "/etc/subuid:1: removed idg-ghost:700000:10 (uids 700000-700009)"
    expect_file /etc/subuid "$U2N:400000:65536"
}

t_remove_with_range() {
    sa_fresh
    put /etc/subuid "$U1N:200000:65536" "$U1N:300000:10" "$U2N:400000:65536"
    put /etc/subgid "$U1N:200000:65536" "$U1N:300000:10" "$U2N:400000:65536"
    snap
    sa --remove --uid-only --range 300000-300009 "$U1N"
    expect_rc 0
    expect_out "/etc/subuid:2: removed $U1N:300000:10 (uids 300000-300009)"
    expect_file /etc/subuid "$U1N:200000:65536" "$U2N:400000:65536"
    cmp -s /etc/subgid "$T/subgid.0" || fail "--uid-only --remove changed /etc/subgid"
    # A range covering several lines removes them all, only the user's.
    sa --remove --gid-only --range 0-4294967294 "$U1N"
    expect_rc 0
    expect_file /etc/subgid "$U2N:400000:65536"
    # Partly covered: refused, lines are removed whole.
    sa_fresh
    idg_reset_files
    refused "is only partly inside" --remove --range 200000-200005 "$U1N"
}

t_deterministic() {
    sa_fresh
    # start = SUB_UID_MIN + (uid - UID_MIN) * COUNT = 100000 + (4003 - 1000) * 65536
    local s=$((100000 + (U3 - 1000) * 65536))
    [ "$s" = 196904608 ] || fail "arithmetic: $s"
    snap
    sa --deterministic "$U3N"
    expect_rc 0
    expect_out "/etc/subuid: added $U3N:$s:65536 (uids $s-$((s + 65535)))" \
        "/etc/subgid: added $U3N:$s:65536 (gids $s-$((s + 65535)))"
    expect_appended /etc/subuid "$T/subuid.0" "$U3N:$s:65536"
    expect_appended /etc/subgid "$T/subgid.0" "$U3N:$s:65536"

    # From login.defs (SUB_GID_DETERMINISTIC follows SUB_UID's), with its own
    # MIN and COUNT.
    set_defs "SUB_UID_DETERMINISTIC yes" "SUB_UID_MIN 1000000" "SUB_UID_COUNT 1000" \
        "SUB_GID_MIN 2000000" "SUB_GID_COUNT 10"
    snap
    sa idga00
    expect_rc 0
    expect_appended /etc/subuid "$T/subuid.0" "idga00:$((1000000 + 3100 * 1000)):1000"
    expect_appended /etc/subgid "$T/subgid.0" "idga00:$((2000000 + 3100 * 10)):10"
    # SUB_GID_DETERMINISTIC no overrides it for gids: first fit there
    # (100000-165535 is free in /etc/subgid).
    set_defs "SUB_UID_DETERMINISTIC yes" "SUB_GID_DETERMINISTIC no"
    snap
    sa idga01
    expect_rc 0
    expect_appended /etc/subuid "$T/subuid.0" "idga01:$((100000 + 3101 * 65536)):65536"
    expect_appended /etc/subgid "$T/subgid.0" "idga01:100000:65536"
    set_defs
}

t_deterministic_refusals() {
    sa_fresh
    local s=$((100000 + (U3 - 1000) * 65536))
    # Its slot is taken: refused naming the owner, never moved.
    put /etc/subuid "$U1N:$((s + 100)):10"
    refused "deterministic mode: uid range $s-$((s + 65535)) overlaps $U1N's $((s + 100))-$((s + 109)) (/etc/subuid:1)" \
        --deterministic "$U3N"
    idg_reset_files
    # Beyond SUB_UID_MAX.
    set_defs "SUB_UID_MAX 1000000"
    refused "the slot of uid $U3 (65536 ids from SUB_UID_MIN 100000) passes SUB_UID_MAX 1000000" \
        --deterministic "$U3N"
    set_defs
    # Below UID_MIN: no slot.
    refused "daemon's uid 1 is below UID_MIN 1000" --deterministic daemon
    # Options that make no sense with it.
    refused "--deterministic and --range exclude each other" --deterministic --range 700000-700009 "$U3N"
    refused "--remove takes no --count or --deterministic" --deterministic --remove "$U3N"
}

t_login_defs_pool_honoured() {
    sa_fresh
    # uids: 250000 is inside idgt1's 200000-265535, so the first fit is 265536.
    # gids: their own pool, from 5000000.
    set_defs "SUB_UID_MIN 250000" "SUB_UID_MAX 700000" "SUB_UID_COUNT 1000" \
        "SUB_GID_MIN 5000000" "SUB_GID_MAX 5000006" "SUB_GID_COUNT 7"
    [ "$(first_fit uid /etc/subuid 1000 250000 700000 60000)" = 265536 ] || fail "oracle disagrees"
    snap
    sa "$U3N"
    expect_rc 0
    expect_appended /etc/subuid "$T/subuid.0" "$U3N:265536:1000"
    expect_appended /etc/subgid "$T/subgid.0" "$U3N:5000000:7"
    # The gid pool holds exactly one range: the next user finds none.
    refused "no free gid range of 7 ids is left between SUB_GID_MIN 5000000 and SUB_GID_MAX 5000006" idga00
    # Without any SUB_* setting, and without login.defs: shadow's defaults
    # (uids: 100000-199999 is still free, below idgt3's 265536-266535).
    set_defs
    snap
    sa --dry-run -c 100000 idga00
    expect_rc 0
    expect_out "/etc/subuid: would add idga00:100000:100000 (uids 100000-199999)" \
        "/etc/subgid: would add idga00:100000:100000 (gids 100000-199999)"
    sa --dry-run idga00
    expect_rc 0
    expect_out "/etc/subuid: would add idga00:100000:65536 (uids 100000-165535)" \
        "/etc/subgid: would add idga00:100000:65536 (gids 100000-165535)"
    rm /etc/login.defs
    sa --dry-run -c 100001 idga00
    expect_rc 0
    expect_out "/etc/subuid: would add idga00:266536:100001 (uids 266536-366536)" \
        "/etc/subgid: would add idga00:265536:100001 (gids 265536-365536)"
    set_defs
}

t_pool_exhausted() {
    sa_fresh
    # [100000, 265535] holds one free range of 65536 (100000-165535); the
    # rest is idgt1's or too short.
    set_defs "SUB_UID_MAX 265535" "SUB_GID_MAX 265535"
    sa "$U3N"
    expect_rc 0
    expect_out "/etc/subuid: added $U3N:100000:65536 (uids 100000-165535)" \
        "/etc/subgid: added $U3N:100000:65536 (gids 100000-165535)"
    refused "no free uid range of 65536 ids is left between SUB_UID_MIN 100000 and SUB_UID_MAX 265535 (/etc/login.defs)" \
        idga00
    # Exactly one range's room, at the very end of the pool: it fits.
    set_defs "SUB_UID_MIN 100000" "SUB_UID_MAX 165535" "SUB_GID_MAX 165535"
    idg_reset_files
    sa "$U3N"
    expect_rc 0
    grep -qx "$U3N:100000:65536" /etc/subuid || fail "the last 65536 ids of the pool were not given"
    set_defs
}

# -------------------------------------------------------------------------
# 2. Safety

t_never_over_an_account_id() {
    sa_fresh
    # An account inside the pool (NFS/LDAP style) and a group inside it.
    echo "idgx:x:100500:$U3::/nonexistent:/usr/sbin/nologin" >>/etc/passwd
    echo "idgy:x:100700:" >>/etc/group
    local u g
    u=$(first_fit uid /etc/subuid 65536 100000 600100000 60000)
    g=$(first_fit gid /etc/subgid 65536 100000 600100000 60000)
    [ "$u $g" = "100501 100701" ] || fail "oracle says $u $g, reasoning says 100501 100701"
    snap
    sa "$U3N"
    expect_rc 0
    expect_appended /etc/subuid "$T/subuid.0" "$U3N:100501:65536"
    expect_appended /etc/subgid "$T/subgid.0" "$U3N:100701:65536"
    # Explicitly: refused, naming the account or group.
    idg_reset_files
    refused "uid range 100000-100999 overlaps uid 100500 of account idgx (a range must never hold an account's id: CVE-2024-56433)" \
        --range 100000-100999 idga00
    refused "gid range 100600-100799 overlaps gid 100700 of group idgy" --gid-only --range 100600-100799 idga00
    # The account's id at either end of the range.
    refused "uid 100500 of account idgx" --uid-only --range 100500-100600 idga00
    refused "uid 100500 of account idgx" --uid-only --range 100400-100500 idga00
    sa --uid-only --range 100501-100600 idga00
    expect_rc 0
    sa_fresh
    # A pool starting at 1: nothing up to UID_MAX (60000), and not nobody's
    # 65534 either, so 65535.
    idg_reset_files
    set_defs "SUB_UID_MIN 1"
    [ "$(first_fit uid /etc/subuid 65536 1 600100000 60000)" = 65535 ] || fail "oracle disagrees"
    sa --uid-only --dry-run "$U3N"
    expect_rc 0
    expect_out "/etc/subuid: would add $U3N:65535:65536 (uids 65535-131070)"
    set_defs
}

t_range_over_another_owner_refused() {
    sa_fresh
    refused "uid range 465535-465600 overlaps $U2N's 400000-465535 (/etc/subuid:3)" \
        --range 465535-465600 "$U3N"
    refused "uid range 100000-200000 overlaps $U1N's 200000-265535 (/etc/subuid:2)" \
        --range 100000-200000 "$U3N"
    refused "uid range 150000-4294967294 overlaps $U1N's 200000-265535" \
        --range 150000-4294967294 "$U3N"
    # Only in subgid: still nothing written, not even subuid.
    put /etc/subgid "$U2N:700000:10"
    refused "gid range 700005-700020 overlaps $U2N's 700000-700009 (/etc/subgid:1)" \
        --range 700005-700020 "$U3N"
    # Its own range: also an overlap when it is not the same range.
    refused "overlaps $U1N's 200000-265535" --range 200000-200009 "$U1N"
}

t_range_below_uid_max_refused() {
    sa_fresh
    refused "uid range 50000-50009 overlaps uids 0-60000 (up to UID_MAX of /etc/login.defs)" \
        --range 50000-50009 "$U3N"
    refused "overlaps uids 0-60000" --range 60000-60009 "$U3N"
    refused "overlaps uid 0 of account root" --range 0-5 "$U3N"
    # With another UID_MAX, that one.
    set_defs "UID_MAX 70000"
    sed -i '/^UID_MAX[[:space:]]/d' /etc/login.defs
    echo "UID_MAX 70000" >>/etc/login.defs
    refused "overlaps uids 0-70000" --uid-only --range 65535-69999 "$U3N"
    set_defs
}

# -------------------------------------------------------------------------
# 3. File hygiene

t_comments_order_and_unknown_lines_kept() {
    sa_fresh
    put /etc/subuid "# subuid, edited by hand" "$U1N:200000:65536" "" "   # indented" \
        "$U2:300000:10" "$U2N:400000:65536" "99999:900000:10" "  " "$U1N:500000:5"
    cp /etc/subuid /etc/subgid
    snap
    sa "$U3N"
    expect_rc 0
    expect_appended /etc/subuid "$T/subuid.0" "$U3N:100000:65536"
    expect_appended /etc/subgid "$T/subgid.0" "$U3N:100000:65536"
    # A last line without its newline gets one; nothing else moves.
    printf '%s\n%s' "# no newline at the end" "$U1N:200000:65536" >/etc/subuid
    snap
    sa --uid-only idga00
    expect_rc 0
    expect_file /etc/subuid "# no newline at the end" "$U1N:200000:65536" "idga00:100000:65536"
    # Removing keeps every other byte.
    put /etc/subuid "#c" "$U1N:200000:65536" "" "$U3N:100000:65536" "# tail"
    sa --uid-only --remove "$U1N"
    expect_rc 0
    expect_file /etc/subuid "#c" "" "$U3N:100000:65536" "# tail"
}

t_mode_owner_backup_and_no_leftovers() {
    sa_fresh
    chmod 0600 /etc/subuid
    chmod 0640 /etc/subgid
    snap
    (
        umask 077
        sa "$U3N"
        expect_rc 0
        exit "$CASE_FAILED"
    ) || CASE_FAILED=1
    local f
    for f in subuid subgid; do
        [ "$(stat -c '%a %U %G %F' "/etc/$f")" = "644 root root regular file" ] ||
            fail "/etc/$f is $(stat -c '%a %U %G %F' "/etc/$f"), expected 644 root root"
        cmp -s "/etc/$f-" "$T/$f.0" || fail "/etc/$f- is not the previous version byte for byte"
    done
    expect_no_leftovers
    # The second edit: the backup is now the first edit's result.
    cp /etc/subuid "$T/first"
    sa idga00
    expect_rc 0
    cmp -s /etc/subuid- "$T/first" || fail "/etc/subuid- is not the version before the second edit"
    expect_no_leftovers
}

t_missing_or_empty_file() {
    sa_fresh
    rm /etc/subuid
    : >/etc/subgid
    sa "$U3N"
    expect_rc 0
    expect_file /etc/subuid "$U3N:100000:65536"
    expect_file /etc/subgid "$U3N:100000:65536"
    [ "$(stat -c '%a %U %G' /etc/subuid)" = "644 root root" ] || fail "new /etc/subuid mode"
    [ ! -e /etc/subuid- ] || fail "a backup of a file that did not exist"
    [ -e /etc/subgid- ] && [ ! -s /etc/subgid- ] || fail "/etc/subgid- should be the empty old file"
    expect_no_leftovers
}

# The second file cannot be written (its temporary name is taken by a
# directory): exit 1, one line naming it, it is unchanged; once fixed, a
# second run completes the user without a second range anywhere.
t_write_failure_is_recoverable() {
    sa_fresh
    mkdir /etc/subgid+
    touch /etc/subgid+/x
    cp /etc/subgid "$T/subgid.keep"
    sa "$U3N"
    expect_rc 1
    expect_one_err
    expect_err "cannot update /etc/subgid"
    cmp -s /etc/subgid "$T/subgid.keep" || fail "/etc/subgid changed"
    rm -r /etc/subgid+
    sa "$U3N"
    expect_rc 0
    [ "$(grep -c "^$U3N:" /etc/subuid) $(grep -c "^$U3N:" /etc/subgid)" = "1 1" ] ||
        fail "not one range each: $(cat /etc/subuid /etc/subgid)"
    expect_no_leftovers
}

# -------------------------------------------------------------------------
# 4. Bad input: exit 1, one line, both files byte for byte unchanged

t_bad_user_and_arguments() {
    sa_fresh
    refused "no user named idg-nosuch in the passwd database" idg-nosuch
    refused "no user named idg-nosuch" --uid-only --range 700000-700009 idg-nosuch
    refused "no USER given" -c 5
    refused "no USER given"
    refused "one USER at a time" "$U3N" idga00
    refused "--uid-only and --gid-only exclude each other" --uid-only --gid-only "$U3N"
    refused "--count and --range exclude each other" -c 5 --range 700000-700009 "$U3N"
    refused "--check takes no USER" --check "$U3N"
}

t_bad_counts() {
    sa_fresh
    local c
    for c in 0 12x -1 0x10 " 5" "5 " "" 010 +5 4294967296 99999999999999999999 1e3; do
        refused "invalid count '$c': it must be a plain decimal from 1 to 4294967295" -c "$c" "$U3N"
    done
    refused "invalid count '00'" --count=00 "$U3N"
    # Valid numbers, but larger than any room there is.
    refused "4294967295" -c 4294967295 "$U3N"
    refused "no free uid range of 600000001 ids is left" -c 600000001 "$U3N"
}

t_bad_ranges() {
    sa_fresh
    local r
    for r in 4294967290-4294967295 4294967295-4294967295 0-4294967295 100010-100000 junk \
        100000 100000- -100000 1-2-3 " 100000-100009" "100000-100009 " 0x186a0-0x186a9 \
        "100000 - 100009" 0100000-100009 ""; do
        refused "invalid range '$r'" --range "$r" "$U3N"
    done
}

# An unknown option or a missing argument is one problem: one line, ours
# (not getopt's "/path/to/subid-add: unrecognized option" besides).
t_bad_options_one_line() {
    sa_fresh
    refused "unknown option" --bogus "$U3N"
    refused "unknown option" -x "$U3N"
    refused "" -c
    refused "" --range
}

t_not_root() {
    sa_fresh
    snap
    run $U3 "$SA" "$U3N"
    expect_rc 1
    expect_one_err
    expect_err "must run as root"
    [ -z "$OUT" ] || fail "stdout: $OUT"
    expect_unchanged
    expect_no_leftovers
}

# subid-add edits the files only: where nsswitch.conf does not list them
# for subid, what it would add grants nothing, so it refuses; with files and
# a module, it adds but says the module's ranges were not checked.
t_nsswitch_without_files_refused() {
    sa_fresh
    sed -i '/^subid:/d' /etc/nsswitch.conf
    echo "subid: sss" >>/etc/nsswitch.conf
    refused "/etc/nsswitch.conf does not name files" "$U3N"
    sed -i 's/^subid:.*/subid: files sss/' /etc/nsswitch.conf
    snap
    sa "$U3N"
    expect_rc 0
    expect_out "/etc/subuid: added $U3N:100000:65536 (uids 100000-165535)" \
        "/etc/subgid: added $U3N:100000:65536 (gids 100000-165535)"
    [[ $ERR == *"ranges from subid source sss"*"cannot be listed"* ]] ||
        fail "no warning about the unchecked source; stderr: $ERR"
}

t_malformed_line_refuses_that_file() {
    sa_fresh
    put /etc/subuid "# x" "$U1N:200000:65536" "$U2N:abc:10" "$U2N:400000:65536"
    refused "/etc/subuid:3: start is not a plain decimal" "$U3N"
    refused "/etc/subuid:3:" --uid-only "$U3N"
    refused "/etc/subuid:3:" --remove "$U2N"
    refused "/etc/subuid:3:" --range 700000-700009 "$U3N"
    # A line past the end of the id space is malformed too.
    put /etc/subuid "$U1N:200000:65536" "$U2N:4294967290:10"
    refused "/etc/subuid:2:" "$U3N"
    # Only in the second file: the first is not written either.
    idg_reset_files
    put /etc/subgid "$U1N:200000:65536" "$U2N:400000"
    refused "/etc/subgid:2:" "$U3N"
    # The file not being edited does not matter (the documented rule: a file
    # with a malformed line is not edited).
    put /etc/subuid "$U1N:200000:65536" "$U2N:abc:10"
    put /etc/subgid "$U1N:200000:65536"
    snap
    sa --gid-only "$U3N"
    expect_rc 0
    expect_out "/etc/subgid: added $U3N:100000:65536 (gids 100000-165535)"
    cmp -s /etc/subuid "$T/subuid.0" || fail "/etc/subuid changed"
    expect_appended /etc/subgid "$T/subgid.0" "$U3N:100000:65536"
}

t_untrusted_files_refused() {
    sa_fresh
    chmod 0666 /etc/subuid
    refused "/etc/subuid is writable by group or others (mode 0666)" "$U3N"
    refused "/etc/subuid is writable by group or others" --remove "$U1N"
    chmod 0664 /etc/subuid
    refused "/etc/subuid is writable by group or others (mode 0664)" "$U3N"
    chmod 0644 /etc/subuid
    chown "$U1" /etc/subgid
    refused "/etc/subgid" "$U3N"
    chown root /etc/subgid
    # A symbolic link: refused, and still a link to the untouched file.
    mv /etc/subuid /etc/subuid.real
    ln -s subuid.real /etc/subuid
    cp /etc/subuid.real "$T/real.0"
    refused "/etc/subuid is a symbolic link" "$U3N"
    [ -L /etc/subuid ] || fail "/etc/subuid is no longer a link"
    cmp -s /etc/subuid.real "$T/real.0" || fail "the link's target changed"
    rm /etc/subuid
    mv /etc/subuid.real /etc/subuid
    # A directory.
    mv /etc/subgid "$T/subgid.keep"
    mkdir /etc/subgid
    cp /etc/subuid "$T/subuid.keep"
    sa "$U3N"
    expect_rc 1
    expect_one_err
    expect_err "/etc/subgid"
    cmp -s /etc/subuid "$T/subuid.keep" || fail "/etc/subuid changed"
    [ -d /etc/subgid ] && rmdir /etc/subgid || fail "/etc/subgid is no longer an empty directory"
    mv "$T/subgid.keep" /etc/subgid
    expect_no_leftovers
}

t_bad_login_defs_refused() {
    sa_fresh
    local n
    set_defs
    n=$(($(wc -l </etc/login.defs) + 1))
    set_defs "SUB_UID_COUNT 0x10"
    refused "/etc/login.defs:$n: SUB_UID_COUNT is not a plain decimal" "$U3N"
    set_defs "SUB_UID_COUNT 010"
    refused "/etc/login.defs:$n: SUB_UID_COUNT" "$U3N"
    set_defs "SUB_GID_MIN -5"
    refused "/etc/login.defs:$n: SUB_GID_MIN" "$U3N"
    set_defs "SUB_UID_MAX 1 2"
    refused "/etc/login.defs:$n: SUB_UID_MAX has more than one value" "$U3N"
    set_defs "SUB_UID_DETERMINISTIC maybe"
    refused "/etc/login.defs:$n: SUB_UID_DETERMINISTIC must be yes or no" "$U3N"
    set_defs "SUB_UID_COUNT 0"
    refused "SUB_UID_COUNT is 0; a range holds at least one id" "$U3N"
    set_defs "SUB_GID_MIN 700000" "SUB_GID_MAX 600000"
    refused "SUB_GID_MIN is above its _MAX" "$U3N"
    set_defs "SUB_UID_MIN 100000" "SUB_UID_MAX 100009" "SUB_UID_COUNT 11"
    refused "SUB_UID_COUNT is larger than the pool" "$U3N"
    set_defs
}

# A login.defs that is not a regular file: said so, without naming a
# setting (once "/etc/login.defs:  is not a regular file; fix the setting").
t_login_defs_not_a_file() {
    sa_fresh
    rm /etc/login.defs
    mkdir /etc/login.defs
    refused "/etc/login.defs" "$U3N"
    [[ $ERR == *"not a regular file"* && $ERR != *":  "* && $ERR != *"fix the setting"* ]] ||
        fail "message: $ERR"
    rmdir /etc/login.defs
    set_defs
}

t_lock_without_pid_refused_at_once() {
    sa_fresh
    printf 'hello' >/etc/subuid.lock
    snap
    local s e
    s=$(now_us)
    sa "$U3N"
    e=$(now_us)
    expect_rc 1
    expect_one_err
    expect_err "/etc/subuid.lock holds no process id"
    expect_unchanged
    [ $((e - s)) -lt 3000000 ] || fail "took $(((e - s) / 1000)) ms; expected no waiting"
    [ "$(cat /etc/subuid.lock)" = hello ] || fail "the lock was touched"
    rm -f /etc/subuid.lock
    expect_no_leftovers
}

# The one slow test (the lock timeout is 15 s, like lckpwdf's). The lock is
# on /etc/subgid, so that /etc/subuid's lock was already taken and its new
# content planned: it must be neither written nor left locked.
t_lock_held_by_live_process_times_out() {
    sa_fresh
    sleep 600 &
    local holder=$! s e
    printf '%d\0' "$holder" >/etc/subgid.lock
    cp /etc/subgid.lock "$T/lock.0"
    snap
    s=$(now_us)
    sa "$U3N"
    e=$(now_us)
    expect_rc 1
    expect_one_err
    expect_err "/etc/subgid is locked by process $holder (/etc/subgid.lock) and stayed locked for 15 s"
    [ -z "$OUT" ] || fail "stdout: $OUT"
    expect_unchanged
    [ $((e - s)) -ge 14500000 ] && [ $((e - s)) -lt 30000000 ] ||
        fail "gave up after $(((e - s) / 1000)) ms, expected about 15 s"
    cmp -s /etc/subgid.lock "$T/lock.0" || fail "the live process's lock was touched"
    [ ! -e /etc/subuid.lock ] || fail "/etc/subuid.lock left behind"
    kill "$holder"
    rm -f /etc/subgid.lock
    expect_no_leftovers
}

# -------------------------------------------------------------------------
# 5. Concurrency

t_twenty_at_once() {
    sa_fresh
    local i f pids=() rc line bad=0 want got
    for ((i = 0; i < 20; i++)); do
        "$SA" "$(printf 'idga%02d' $i)" >"$T/c$i.out" 2>"$T/c$i.err" &
        pids+=($!)
    done
    for ((i = 0; i < 20; i++)); do
        wait "${pids[i]}"
        rc=$?
        [ "$rc" = 0 ] && [ ! -s "$T/c$i.err" ] ||
            fail "subid-add idga$i exited $rc: $(cat "$T/c$i.err")"
        # Every line it reports added is in the file.
        while read -r line; do
            line=${line#*added }
            line=${line%% *}
            grep -qxF "$line" /etc/subuid && grep -qxF "$line" /etc/subgid ||
                fail "idga$i reported $line, not in both files"
        done <"$T/c$i.out"
        [ "$(grep -c ': added ' "$T/c$i.out")" = 2 ] || fail "idga$i output: $(cat "$T/c$i.out")"
    done
    for f in /etc/subuid /etc/subgid; do
        for ((i = 0; i < 20; i++)); do
            [ "$(grep -c "^$(printf 'idga%02d' $i):" "$f")" = 1 ] || bad=1
        done
        [ "$bad" = 0 ] || fail "not every user exactly once in $f: $(cat "$f")"
        [ "$(grep -vc '^#' "$f")" = 22 ] || fail "$f has $(grep -vc '^#' "$f") ranges, expected 22"
        got=$(overlaps "$f")
        [ -z "$got" ] || fail "overlaps in $f: $got"
        # The twenty lowest free slots, whatever order the writers went in.
        want="100000 265536 331072"
        for ((i = 0; i < 17; i++)); do want+=" $((465536 + i * 65536))"; done
        got=$(grep '^idga' "$f" | cut -d: -f2 | sort -n | tr '\n' ' ')
        [ "$got" = "$want " ] || fail "starts in $f: $got; expected $want"
    done
    sa --check
    expect_rc 0
    expect_no_err
    expect_no_leftovers
}

t_beside_shadow_usermod() {
    sa_fresh
    local i m u s mpid upid mrc urc line
    for ((i = 0; i < 10; i++)); do
        m=$(printf 'idgm%02d' $i)
        u=$(printf 'idgu%02d' $i)
        s=$((500000000 + i * 65536))
        "$SA" "$m" >"$T/m$i.out" 2>"$T/m$i.err" &
        mpid=$!
        usermod --add-subuids "$s-$((s + 65535))" --add-subgids "$s-$((s + 65535))" "$u" \
            >"$T/u$i.out" 2>"$T/u$i.err" &
        upid=$!
        wait "$mpid"
        mrc=$?
        wait "$upid"
        urc=$?
        [ "$mrc" = 0 ] && [ ! -s "$T/m$i.err" ] || fail "subid-add $m exited $mrc: $(cat "$T/m$i.err")"
        [ "$urc" = 0 ] || fail "usermod $u exited $urc: $(cat "$T/u$i.err")"
        ! grep -qi "lock" "$T/u$i.err" || fail "usermod $u: $(cat "$T/u$i.err")"
    done
    for ((i = 0; i < 10; i++)); do
        s=$((500000000 + i * 65536))
        u=$(printf 'idgu%02d' $i)
        grep -qxF "$u:$s:65536" /etc/subuid && grep -qxF "$u:$s:65536" /etc/subgid ||
            fail "usermod's $u:$s:65536 is lost"
        while read -r line; do
            line=${line#*added }
            line=${line%% *}
            grep -qxF "$line" /etc/subuid && grep -qxF "$line" /etc/subgid ||
                fail "subid-add's $line is lost"
        done <"$T/m$i.out"
        [ "$(grep -c ': added ' "$T/m$i.out")" = 2 ] || fail "idgm$i output: $(cat "$T/m$i.out")"
    done
    [ "$(grep -vc '^#' /etc/subuid)" = 22 ] || fail "/etc/subuid: $(cat /etc/subuid)"
    [ "$(grep -vc '^#' /etc/subgid)" = 22 ] || fail "/etc/subgid: $(cat /etc/subgid)"
    [ -z "$(overlaps /etc/subuid)$(overlaps /etc/subgid)" ] || fail "overlaps: $(overlaps /etc/subuid)"
    sa --check
    expect_rc 0
    expect_no_leftovers
}

# -------------------------------------------------------------------------
# 6. Crash safety: SIGKILL at random moments over a 100,000-line file

t_sigkill_leaves_old_or_new_version() {
    sa_fresh
    # Valid, non-overlapping, owners that exist (idgt1, and idgt2 by uid),
    # all above 1,000,000: first fit still finds room below.
    {
        printf '%s\n' "$IDG_DEFAULT_SUBUID"
        awk -v u="$U2" 'BEGIN { for (i = 0; i < 100000; i++)
            printf "%s:%d:100\n", (i % 2 ? "idgt1" : u), 1000000 + i * 100 }'
    } >/etc/subuid
    cp /etc/subuid /etc/subgid
    [ "$(wc -l </etc/subuid)" = 100003 ] || fail "the generated file has $(wc -l </etc/subuid) lines"

    # How long one run takes here (T). The first rounds kill at random in
    # 0 to T; the later ones in [lo, hi], between the latest kill that
    # found the old files and the earliest run that finished first, closing
    # in on the renames at the end of a run (the window of interest is a few
    # ms wide).
    local s e run lo hi
    s=$(now_us)
    sa idgk39
    e=$(now_us)
    expect_rc 0
    run=$((e - s))
    [ "$run" -gt 2000 ] || run=2000
    lo=0
    hi=$run

    local i user lu lg ou nu og ng cu cg ob pid st d c
    local before=0 after=0 done_first=0 gid_after=0
    for ((i = 0; i < 30; i++)); do
        user=$(printf 'idgk%02d' $i)
        "$SA" --dry-run "$user" >"$T/dry" 2>&1
        lu=$(sed -n 's|^/etc/subuid: would add \([^ ]*\) .*|\1|p' "$T/dry")
        lg=$(sed -n 's|^/etc/subgid: would add \([^ ]*\) .*|\1|p' "$T/dry")
        [ -n "$lu" ] && [ -n "$lg" ] || { fail "dry run for $user: $(cat "$T/dry")"; break; }
        ou=$(sha256sum </etc/subuid)
        og=$(sha256sum </etc/subgid)
        nu=$({ cat /etc/subuid; echo "$lu"; } | sha256sum)
        ng=$({ cat /etc/subgid; echo "$lg"; } | sha256sum)
        ob=$(sha256sum </etc/subuid-)
        if ((i < 8)); then
            d=$((((RANDOM << 15) | RANDOM) % run))
        else
            if ((hi - lo < 4000)); then # too narrow (or crossed, by jitter): reopen
                c=$(((lo + hi) / 2))
                lo=$((c > 2000 ? c - 2000 : 0))
                hi=$((lo + 4000))
            fi
            d=$((lo + ((RANDOM << 15) | RANDOM) % (hi - lo)))
        fi

        "$SA" "$user" >/dev/null 2>&1 &
        pid=$!
        sleep "$(printf '%d.%06d' $((d / 1000000)) $((d % 1000000)))"
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        st=$?

        cu=$(sha256sum </etc/subuid)
        cg=$(sha256sum </etc/subgid)
        if [ "$st" = 0 ]; then
            done_first=$((done_first + 1))
            ((d >= hi)) || hi=$d
            [ "$cu" = "$nu" ] && [ "$cg" = "$ng" ] ||
                fail "round $i: subid-add finished, but the files are not the new versions"
        elif [ "$st" = 137 ]; then
            case $cu in
            "$ou")
                before=$((before + 1))
                ((d <= lo)) || lo=$d
                ;;
            "$nu") after=$((after + 1)) ;;
            *)
                fail "round $i: /etc/subuid is neither the old nor the new version (killed after ${d} us)"
                break
                ;;
            esac
            case $cg in
            "$og") ;;
            "$ng") gid_after=$((gid_after + 1)) ;;
            *)
                fail "round $i: /etc/subgid is neither the old nor the new version (killed after ${d} us)"
                break
                ;;
            esac
            # subgid is written after subuid, never before.
            [ "$cg" != "$ng" ] || [ "$cu" = "$nu" ] || fail "round $i: /etc/subgid written before /etc/subuid"
        else
            fail "round $i: subid-add exited $st"
            break
        fi
        # The backup is always a whole version: the one before, or this old one.
        case $(sha256sum </etc/subuid-) in
        "$ob" | "$ou") ;;
        *) fail "round $i: /etc/subuid- is torn" ;;
        esac
    done
    echo "    $i rounds, runs of about $((run / 1000)) ms:" \
        "$before killed before /etc/subuid was renamed, $after after it ($gid_after after" \
        "/etc/subgid's too), $done_first finished before the kill"
    local p left=()
    for p in /etc/sub[ug]id+ /etc/sub[ug]id-+ /etc/sub[ug]id.lock /etc/sub[ug]id.[0-9]*; do
        if [ -e "$p" ]; then left+=("$p"); fi
    done
    echo "    left by the killed runs: ${left[*]:-nothing}"

    # A normal run afterwards: not wedged by a dead lock, leftovers ignored.
    "$SA" --dry-run idgk38 >"$T/dry" 2>&1
    lu=$(sed -n 's|^/etc/subuid: would add \([^ ]*\) .*|\1|p' "$T/dry")
    cp /etc/subuid "$T/subuid.0"
    s=$(now_us)
    sa idgk38
    e=$(now_us)
    expect_rc 0
    expect_no_err
    expect_appended /etc/subuid "$T/subuid.0" "$lu"
    [ $((e - s)) -lt 5000000 ] || fail "the run after the kills took $(((e - s) / 1000)) ms"
    [ ! -e /etc/subuid.lock ] && [ ! -e /etc/subuid+ ] && [ ! -e /etc/subgid.lock ] &&
        [ ! -e /etc/subgid+ ] || fail "a lock or temporary file survives a normal run"
}

# Every crash point, not just random ones: strace kills subid-add on entering
# the Nth call of each syscall that changes the filesystem (so every state
# between two of them is reached once), over leftovers of the previous
# point: stale locks, a half-written /etc/subuid+, /etc/subuid.<pid>.
# subid-add closes only descriptors it opened: not standard input, output or
# error, whichever files it edits (a plan it never opened once held fd 0 and
# closed it, which could drop the .pwd.lock taken on fd 0 when started with
# stdin closed).
t_closes_only_its_own_descriptors() {
    sa_fresh
    command -v strace >/dev/null ||
        { echo "    strace is not installed: close check skipped"; return; }
    local opt
    for opt in --gid-only --uid-only --dry-run --remove; do
        (
            export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
            strace -f -o "$T/trace" -e trace=close "$SA" "$opt" "$U3N" </dev/null >/dev/null 2>&1
        )
        if grep -Eq 'close\([012]\)' "$T/trace"; then
            fail "subid-add $opt closed a standard descriptor: $(grep -E 'close\([012]\)' "$T/trace")"
        fi
    done
}

t_sigkill_at_every_syscall() {
    sa_fresh
    command -v strace >/dev/null ||
        { echo "    strace is not installed: every-syscall sweep skipped"; return; }
    local old="# test allotments
$U1N:200000:65536
$U2N:400000:65536" sc n st s e ou og nu ng cu cg points=0 ustate gstate
    local -A seen=()
    ou=$(printf '%s\n' "$old" | sha256sum)
    nu=$(printf '%s\n' "$old" "$U3N:100000:65536" | sha256sum)
    og=$ou
    ng=$nu
    for sc in unlink link write copy_file_range fchown fchmod fsync rename; do
        for ((n = 1; n < 40; n++)); do
            printf '%s\n' "$old" >/etc/subuid
            printf '%s\n' "$old" >/etc/subgid
            s=$(now_us)
            # (In a subshell, so that bash's "Killed" notice goes nowhere;
            # LeakSanitizer, in a sanitizer build, cannot run under ptrace.)
            (
                export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
                strace -f -o /dev/null -e trace="$sc" -e inject="$sc:signal=KILL:when=$n" \
                    "$SA" "$U3N" >/dev/null 2>"$T/err"
                exit $?
            ) 2>/dev/null
            st=$?
            e=$(now_us)
            [ $((e - s)) -lt 5000000 ] ||
                fail "$sc #$n: took $(((e - s) / 1000)) ms (wedged by the previous point's leftovers?)"
            cu=$(sha256sum </etc/subuid)
            cg=$(sha256sum </etc/subgid)
            case $cu in "$ou") ustate=old ;; "$nu") ustate=new ;; *) ustate=torn ;; esac
            case $cg in "$og") gstate=old ;; "$ng") gstate=new ;; *) gstate=torn ;; esac
            if [ "$st" = 0 ]; then
                # Fewer than n such calls: the run completed.
                [ "$ustate $gstate" = "new new" ] || fail "$sc: completed run left $ustate $gstate"
                break
            fi
            [ "$st" = 137 ] || { fail "$sc #$n: exit status $st: $(cat "$T/err")"; break; }
            points=$((points + 1))
            seen["$ustate $gstate"]=$((${seen["$ustate $gstate"]:-0} + 1))
            case "$ustate $gstate" in
            "old old" | "new old" | "new new") ;;
            *) fail "killed before $sc #$n: /etc/subuid is $ustate, /etc/subgid is $gstate" ;;
            esac
        done
    done
    echo "    $points crash points: ${seen["old old"]:-0} left both files old," \
        "${seen["new old"]:-0} only /etc/subuid new, ${seen["new new"]:-0} both new"
    # Each state was reached: the sweep did cover the renames.
    [ "${seen["old old"]:-0}" -gt 0 ] && [ "${seen["new old"]:-0}" -gt 0 ] &&
        [ "${seen["new new"]:-0}" -gt 0 ] || fail "the sweep missed a state"
    # And a last, normal run over the leftovers of the last point.
    printf '%s\n' "$old" >/etc/subuid
    printf '%s\n' "$old" >/etc/subgid
    sa "$U3N"
    expect_rc 0
    expect_file /etc/subuid "# test allotments" "$U1N:200000:65536" "$U2N:400000:65536" \
        "$U3N:100000:65536"
    [ ! -e /etc/subuid.lock ] && [ ! -e /etc/subgid.lock ] || fail "a lock survives a normal run"
}

# -------------------------------------------------------------------------
# 7. --check

t_check_clean() {
    sa_fresh
    snap
    sa --check
    expect_rc 0
    expect_no_err
    expect_out "subid-add: /etc/subuid and /etc/subgid: 4 entries, no problems"
    expect_unchanged
    rm /etc/subuid /etc/subgid
    sa --check
    expect_rc 0
    expect_out "subid-add: /etc/subuid and /etc/subgid: 0 entries, no problems"
}

t_check_finds_every_problem() {
    sa_fresh
    put /etc/subuid "# problems" "$U1N:200000:65536" "$U1N:x:1" "$U2N:210000:10" \
        "idg-ghost:700000:10" "$U1N:0:5" "$U1N:50000:100" "$U1N:4294967290:10" \
        "$U2N:4294967294:1"
    put /etc/subgid "$U1N:200000:65536" "$U2N:$U1:1"
    snap
    sa --check
    expect_rc 1
    expect_out \
        "subid-add: /etc/subuid:3: start is not a plain decimal from 0 to 4294967294; the line grants nothing; fix or remove it" \
        "subid-add: /etc/subuid:8: ids beyond 4294967294: start + count passes 4294967295, the end of the id space; the line grants nothing; fix or remove it" \
        "subid-add: /etc/subuid:4: $U2N's 210000-210009 overlaps $U1N's 200000-265535 (/etc/subuid:2): two owners share these ids; remove one (subid-add --remove OWNER --range FIRST-LAST) and allocate again" \
        "subid-add: /etc/subuid:5: owner idg-ghost is not an account in the passwd database; remove the line (subid-add --remove idg-ghost) or create the account" \
        "subid-add: /etc/subuid:6: $U1N's 0-4 contains uid 0 of account root: that account can be impersonated inside a namespace (CVE-2024-56433); remove the line and allocate again" \
        "subid-add: /etc/subuid:7: $U1N's 50000-50099 overlaps uids 0-60000 (up to UID_MAX of login.defs), where system and regular accounts get their ids; remove the line and allocate again" \
        "subid-add: /etc/subgid:2: $U2N's $U1-$U1 contains gid $U1 of group $U1N: that group can be impersonated inside a namespace (CVE-2024-56433); remove the line and allocate again"
    [ "$ERR" = "subid-add: 7 problems found in /etc/subuid and /etc/subgid" ] ||
        fail "stderr: $ERR"
    expect_unchanged
    # An untrusted file is a problem too.
    idg_reset_files
    chmod 0666 /etc/subgid
    sa --check
    expect_rc 1
    expect_out "subid-add: /etc/subgid is writable by group or others (mode 0666), so it is not trusted; run: chmod go-w /etc/subgid"
    [ "$ERR" = "subid-add: 1 problem found in /etc/subuid and /etc/subgid" ] || fail "stderr: $ERR"
}

# --check only reads 0644 files: any user may lint their own setup, and
# finds what root finds; edits still need root.
t_check_as_a_user() {
    sa_fresh
    put /etc/subuid "$U1N:200000:65536" "$U1N:x:1"
    snap
    run $U3 "$SA" --check
    expect_rc 1
    expect_out "subid-add: /etc/subuid:2: start is not a plain decimal from 0 to 4294967294; the line grants nothing; fix or remove it"
    [ "$ERR" = "subid-add: 1 problem found in /etc/subuid and /etc/subgid" ] || fail "stderr: $ERR"
    expect_unchanged
    idg_reset_files
    snap
    run $U3 "$SA" --check
    expect_rc 0
    expect_no_err
    run $U3 "$SA" --dry-run "$U3N"
    expect_rc 1
    expect_err "must run as root"
    expect_err "subid-add --check lints them as any user"
    expect_unchanged
}

# One account's lines under its name and under its uid are one owner's
# (newuidmap unites them): overlapping each other, they share no ids with
# anyone else.
t_check_same_owner_by_name_and_uid() {
    sa_fresh
    put /etc/subuid "$U1N:200000:65536" "$U1:200000:10" "$U1N:200005:10"
    sa --check
    expect_rc 0
    expect_out "subid-add: /etc/subuid and /etc/subgid: 5 entries, no problems"
    expect_no_err
}

# -------------------------------------------------------------------------
# 8. Shadow

t_shadow_getsubids_reads_it() {
    sa_fresh
    [ -x "$SHADOW_GS" ] || { fail "$SHADOW_GS (Debian package uidmap) is needed"; return; }
    sa "$U3N"
    expect_rc 0
    sa --range 900000-900009 idga00
    expect_rc 0
    "$SHADOW_GS" "$U3N" >"$T/out" 2>"$T/err"
    expect_out "0: $U3N 100000 65536"
    "$SHADOW_GS" -g "$U3N" >"$T/out" 2>"$T/err"
    expect_out "0: $U3N 100000 65536"
    "$SHADOW_GS" idga00 >"$T/out" 2>"$T/err"
    expect_out "0: idga00 900000 10"
    # And shadow's usermod, editing after us, keeps our lines.
    usermod --add-subuids 950000-950009 idga00 2>"$T/err" || fail "usermod: $(cat "$T/err")"
    "$SHADOW_GS" idga00 >"$T/out" 2>"$T/err"
    expect_out "0: idga00 900000 10" "1: idga00 950000 10"
    grep -qx "$U3N:100000:65536" /etc/subuid || fail "usermod lost our line"
}

# lock_is PID FILE: FILE is a lock in shadow's format naming PID.
lock_is() {
    [ -e "$2" ] && cmp -s "$2" <(printf '%d\0' "$1")
}

# subid-add, blocked on /etc/subgid.lock, holds /etc/.pwd.lock and
# /etc/subuid.lock (shadow's format, its pid); usermod meanwhile waits, and
# both complete once the blocking holder is gone (its lock, now stale, is
# taken over).
t_usermod_waits_for_subid_add() {
    sa_fresh
    sleep 600 &
    local holder=$! sapid umpid rc
    printf '%d\0' "$holder" >/etc/subgid.lock
    "$SA" idgm00 >"$T/m.out" 2>"$T/m.err" &
    sapid=$!
    wait_for "subid-add to hold /etc/subuid.lock" lock_is "$sapid" /etc/subuid.lock || return
    usermod --add-subuids 500000000-500065535 --add-subgids 500000000-500065535 idgu00 \
        >"$T/u.out" 2>"$T/u.err" &
    umpid=$!
    sleep 0.5
    kill -0 "$umpid" 2>/dev/null || fail "usermod did not wait: $(cat "$T/u.err")"
    kill -0 "$sapid" 2>/dev/null || fail "subid-add did not wait for /etc/subgid.lock"
    grep -q 'idgu00\|idgm00' /etc/subuid /etc/subgid && fail "written while locked"
    kill "$holder"
    wait "$holder" 2>/dev/null
    wait "$sapid"
    rc=$?
    [ "$rc" = 0 ] || fail "subid-add exited $rc: $(cat "$T/m.err")"
    wait "$umpid"
    rc=$?
    [ "$rc" = 0 ] && [ ! -s "$T/u.err" ] || fail "usermod exited $rc: $(cat "$T/u.err")"
    local f
    for f in /etc/subuid /etc/subgid; do
        [ "$(grep -v '^#' "$f" | cut -d: -f1 | tr '\n' ' ')" = "$U1N $U2N idgm00 idgu00 " ] ||
            fail "$f: $(cat "$f")"
    done
    grep -qx "idgm00:100000:65536" /etc/subuid || fail "subid-add's line: $(cat /etc/subuid)"
    expect_no_leftovers
}

t_stale_shadow_lock_taken_over() {
    sa_fresh
    local dead s e
    sh -c 'exit 0' &
    dead=$!
    wait "$dead"
    kill -0 "$dead" 2>/dev/null && { fail "pid $dead is still in use"; return; }
    printf '%d\0' "$dead" >/etc/subuid.lock # shadow's format
    printf '%d\n' "$dead" >/etc/subgid.lock # a newline instead, as some write it
    snap
    s=$(now_us)
    sa "$U3N"
    e=$(now_us)
    expect_rc 0
    expect_no_err
    expect_appended /etc/subuid "$T/subuid.0" "$U3N:100000:65536"
    expect_appended /etc/subgid "$T/subgid.0" "$U3N:100000:65536"
    [ $((e - s)) -lt 3000000 ] || fail "took $(((e - s) / 1000)) ms over a stale lock"
    expect_no_leftovers
}

# -------------------------------------------------------------------------
# 9. Window lines (FIRST-LAST:START:COUNT)

# --window writes one line to both files, under the same locks and atomic
# write; the same window again changes nothing.
t_window_written_once() {
    sa_fresh
    cp /etc/subuid "$T/u.old"
    cp /etc/subgid "$T/g.old"
    sa --window 50000-59999 --start 2147483648
    expect_rc 0
    expect_no_err
    expect_out "/etc/subuid: added 50000-59999:2147483648:65536 (uids 2147483648-2802843647)" \
        "/etc/subgid: added 50000-59999:2147483648:65536 (gids 2147483648-2802843647)"
    expect_appended /etc/subuid "$T/u.old" "50000-59999:2147483648:65536"
    expect_appended /etc/subgid "$T/g.old" "50000-59999:2147483648:65536"
    snap
    sa --window 50000-59999 --start 2147483648
    expect_rc 0
    expect_out "/etc/subuid:4: the window is there already: 50000-59999:2147483648:65536 (uids 2147483648-2802843647); nothing changed" \
        "/etc/subgid:4: the window is there already: 50000-59999:2147483648:65536 (gids 2147483648-2802843647); nothing changed"
    expect_unchanged
    # --count and one file only.
    sa --window 60000-60009 --start 3000000000 --count 1000 --uid-only
    expect_rc 0
    expect_out "/etc/subuid: added 60000-60009:3000000000:1000 (uids 3000000000-3000009999)"
    # And removed by its owner field.
    sa --remove 60000-60009
    expect_rc 0
    expect_out "/etc/subuid:5: removed 60000-60009:3000000000:1000 (uids 3000000000-3000009999)" \
        "/etc/subgid: 60000-60009 has no ranges to remove"
}

# A window's span is checked as a range is: never over another owner's
# range or window, an account's id (CVE-2024-56433) or the ids up to
# UID_MAX, never past 4294967294. Each refusal changes nothing.
t_window_refused_where_a_range_would_be() {
    sa_fresh
    put /etc/subuid "$U1N:200000:65536" "50000-59999:2147483648:65536"
    put /etc/subgid "$U1N:200000:65536"
    refused "window 70000-70009's span 2147483648-2148139007 (65536 ids for each of 10 uids) overlaps window 50000-59999's span 2147483648-2802843647 (/etc/subuid:2)" \
        --window 70000-70009 --start 2147483648
    refused "overlaps $U1N's 200000-265535 (/etc/subuid:1)" --window 70000-70009 --start 150000
    refused "overlaps uid 65534 of account nobody (a range must never hold an account's id: CVE-2024-56433)" \
        --window 70000-70009 --start 65530 --count 1
    refused "overlaps uids 0-60000 (up to UID_MAX of /etc/login.defs)" \
        --window 70000-70009 --start 60000
    refused "window 70000-90000 with 65536 ids per uid from 3000000000: the window's span" \
        --window 70000-90000 --start 3000000000
    refused "--window needs --start" --window 70000-70009
    refused "--start goes with --window" --start 5 "$U3N"
    refused "--window takes no USER" --window 70000-70009 --start 3000000000 "$U3N"
    refused "invalid window '9-5'" --window 9-5 --start 3000000000
}

# A user in a window has its slot already; a user outside is allotted
# around the span, never inside it.
t_window_slot_already_held() {
    sa_fresh
    add_account idgw1 50001
    put /etc/subuid "50000-50999:100000:65536"
    put /etc/subgid "50000-50999:100000:65536"
    snap
    sa idgw1
    expect_rc 0
    expect_out "/etc/subuid:1: idgw1 already has 50000-50999:100000:65536 (uids 165536-231071, its slot of the window); nothing changed" \
        "/etc/subgid:1: idgw1 already has 50000-50999:100000:65536 (gids 165536-231071, its slot of the window); nothing changed"
    expect_unchanged
    # The span is 100000-65635999: the first fit for another user lies after it.
    sa "$U3N"
    expect_rc 0
    expect_out "/etc/subuid: added $U3N:65636000:65536 (uids 65636000-65701535)" \
        "/etc/subgid: added $U3N:65636000:65536 (gids 65636000-65701535)"
    # --range into the span is a collision, even for a uid of the window.
    refused "overlaps window 50000-50999's span 100000-65635999 (/etc/subuid:1)" \
        --range 300000-365535 idgw1
}

# --check: a window needs no account; overlaps with other owners, account
# ids, UID_MAX and a span past 4294967294 are problems; a line of an
# account that stays within its own slot is not.
t_check_windows() {
    sa_fresh
    add_account idgw1 50001
    put /etc/subuid "50000-59999:2147483648:65536" "idgw1:2147549184:10" \
        "$U2N:2147500000:5" "60000-60009:2147483648:1" "70000-70099:4294000000:65536" \
        "80000-80009:4000:1"
    put /etc/subgid "50000-59999:2147483648:65536"
    sa --check
    expect_rc 1
    expect_out \
        "subid-add: /etc/subuid:5: the window's span, START + (LAST - FIRST + 1) * COUNT ids, passes 4294967294, the end of the id space; the line grants nothing; fix or remove it" \
        "subid-add: /etc/subuid:4: window 60000-60009's span 2147483648-2147483657 overlaps window 50000-59999's span 2147483648-2802843647 (/etc/subuid:1): two owners share these ids; remove one (subid-add --remove OWNER --range FIRST-LAST) and allocate again" \
        "subid-add: /etc/subuid:3: $U2N's 2147500000-2147500004 overlaps window 50000-59999's span 2147483648-2802843647 (/etc/subuid:1): two owners share these ids; remove one (subid-add --remove OWNER --range FIRST-LAST) and allocate again" \
        "subid-add: /etc/subuid:6: window 80000-80009's span 4000-4009 contains uid $U1 of account $U1N: that account can be impersonated inside a namespace (CVE-2024-56433); remove the line and allocate again"
    [ "$ERR" = "subid-add: 4 problems found in /etc/subuid and /etc/subgid" ] || fail "stderr: $ERR"
}
