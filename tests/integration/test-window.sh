# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# Window allotments: one line "FIRST-LAST:START:COUNT" gives every uid U of
# the window COUNT ids from START + (U - FIRST) * COUNT, in /etc/subuid and
# /etc/subgid alike, with no line naming the user. The helpers grant the
# slot, refuse anything else naming the window, and log it; getsubids and the
# library answer the slot; util-linux's own reading of the files sees the
# window only for uid FIRST, and then the slot is the right one.

# The test users 4001-4003 in one window: slots of 65,536 ids from 3000000000.
W="$U1-4010:3000000000:65536"
S1=3000000000 S2=3000065536 S3=3000131072

window_files() {
    printf '%s\n' "# one line for uids $U1-4010" "$W" >/etc/subuid
    printf '%s\n' "# one line for uids $U1-4010" "$W" >/etc/subgid
}

t_window_maps_each_user_its_slot() {
    window_files
    syslog_start
    local u s
    for u in "$U1:$S1" "$U2:$S2" "$U3:$S3"; do
        s=${u#*:} u=${u%%:*}
        target "$u"
        run "$u" "$BIN/newuidmap" "$TARGET" 0 "$u" 1 1 "$s" 65536
        expect_rc 0
        expect_no_err
        run "$u" "$BIN/newgidmap" "$TARGET" 0 "$u" 1 1 "$s" 65536
        expect_rc 0
        expect_map "$TARGET" uid "0 $u 1
1 $s 65536"
        expect_map "$TARGET" gid "0 $u 1
1 $s 65536"
        syslog_expect "caller uid $u"
        syslog_expect "1 $s 65536 (/etc/subuid:2, window $U1-4010): allowed"
        syslog_expect "1 $s 65536 (/etc/subgid:2, window $U1-4010): allowed"
    done
}

# A user's line and their slot join, as adjacent lines do.
t_window_slot_joins_an_adjacent_line() {
    window_files
    printf '%s\n' "$U2N:$((S2 - 1000)):1000" >>/etc/subuid
    target $U2
    run $U2 "$BIN/newuidmap" "$TARGET" 0 $((S2 - 1000)) 66536
    expect_rc 0
    expect_map "$TARGET" uid "0 $((S2 - 1000)) 66536"
}

# Another uid's slot is not the caller's: refused, naming the window.
t_window_neighbours_slot_refused() {
    window_files
    syslog_start
    target $U1
    run $U1 "$BIN/newuidmap" "$TARGET" 0 $S2 65536
    expect_refused "$TARGET" uid "newuidmap: uid range 0-65535 -> $S2-$((S2 + 65535)) is not allotted to $U1N (uid $U1); $U1N has $S1-$((S1 + 65535)) in /etc/subuid:2, window $U1-4010"
    syslog_expect "refused: uid range 0-65535 -> $S2-$((S2 + 65535)) is not allotted"
    # One id past the slot is refused too.
    run $U1 "$BIN/newuidmap" "$TARGET" 0 $S1 65537
    expect_refused "$TARGET" uid "is only partly allotted to $U1N (uid $U1) ($((S1 + 65536))-$((S1 + 65536)) is not)"
}

t_user_outside_window_refused() {
    printf '%s\n' "$U1-$U2:3000000000:65536" >/etc/subuid
    target $U3
    run $U3 "$BIN/newuidmap" "$TARGET" 0 $S3 65536
    expect_refused "$TARGET" uid "$U3N has no uid ranges in /etc/subuid"
}

# A span past 4294967294 makes the line malformed: it grants nothing, even
# the slots that would fit, and says why.
t_malformed_span_refused_with_reason() {
    printf '%s\n' "$U1-4100:4294000000:65536" >/etc/subuid
    target $U1
    run $U1 "$BIN/newuidmap" "$TARGET" 0 4294000000 65536
    expect_refused "$TARGET" uid "$U1N has no uid ranges in /etc/subuid"
    run $U1 "$IDG_BUILD/getsubids/getsubids" "$U1N"
    expect_rc 1
    expect_err "/etc/subuid:1: line for $U1N ignored: the window's span"
}

# getsubids answers the slot, by name only: rootlesskit joins the answers
# for the name and for the uid, and must see each range once.
t_getsubids_answers_the_slot_once() {
    window_files
    local gs=$IDG_BUILD/getsubids/getsubids
    run $U3 "$gs" "$U2N"
    expect_rc 0
    [ "$OUT" = "0: $U2N $S2 65536" ] || fail "getsubids $U2N: $OUT"
    run $U3 "$gs" -g "$U2N"
    expect_rc 0
    [ "$OUT" = "0: $U2N $S2 65536" ] || fail "getsubids -g $U2N: $OUT"
    run $U3 "$gs" "$U2"
    expect_rc 1
    [ -z "$OUT" ] || fail "getsubids $U2 printed: $OUT"
    # The owner field as text is no owner: a window belongs to uids.
    run $U3 "$gs" "$U1-4010"
    expect_rc 1
}

# The library: ranges by owner name, owners by id (the formula inverted).
t_library_ranges_and_owners() {
    window_files
    local ci=$IDG_BUILD/tests/api/compat-idgate
    [ -x "$ci" ] || { fail "$ci was not built (needs Debian's libsubid-dev)"; return; }
    run $U1 "$ci" ranges u "$U3N"
    expect_rc 0
    [ "$OUT" = "count 1
$S3 65536" ] || fail "subid_get_uid_ranges($U3N): $OUT"
    run $U1 "$ci" owners u $((S2 + 65535))
    [ "$OUT" = "count 1
$U2" ] || fail "subid_get_uid_owners($((S2 + 65535))): $OUT"
    run $U1 "$ci" owners g $((S1 + 7))
    [ "$OUT" = "count 1
$U1" ] || fail "subid_get_gid_owners($((S1 + 7))): $OUT"
    # Past the span: nobody.
    run $U1 "$ci" owners u $((3000000000 + 10 * 65536))
    [ "$OUT" = "count 0" ] || fail "an id past the span has owners: $OUT"
}

# Two hosts, with different local lines but the same window line, give the
# same user the same range: nothing is kept per host.
t_two_hosts_same_answer() {
    local gs=$IDG_BUILD/getsubids/getsubids a b
    printf '%s\n' "$U1N:100000:65536" "$W" >/etc/subuid
    run $U3 "$gs" "$U2N"
    a=$OUT
    printf '%s\n' "# host b" "$U3N:500000:1000" "$U1N:200000:65536" "" "$W" >/etc/subuid
    run $U3 "$gs" "$U2N"
    b=$OUT
    [ "$a" = "0: $U2N $S2 65536" ] && [ "$a" = "$b" ] || fail "host a: '$a', host b: '$b'"
}

# util-linux 2.38's unshare --map-auto reads /etc/subuid itself, by the
# user's name or a leading number of the owner field: it sees the window
# only for uid FIRST, and the range it then asks for is that uid's slot, so
# our helper grants it. Any other uid finds nothing there and must name the
# range, as getsubids prints it, with --map-users.
t_unshare_map_auto_and_map_users() {
    window_files
    run $U1 env PATH="$BIN:/usr/bin:/bin" unshare --map-auto --map-root-user \
        cat /proc/self/uid_map
    expect_rc 0
    [ "$(awk '{print $1, $2, $3}' "$T/out")" = "0 $U1 1
1 $S1 65535" ] || fail "unshare --map-auto for uid FIRST: $OUT; $ERR"
    run $U2 env PATH="$BIN:/usr/bin:/bin" unshare --map-auto --map-root-user true
    [ "$RC" != 0 ] || fail "unshare --map-auto found a range for uid $U2 in a window line"
    run $U2 env PATH="$BIN:/usr/bin:/bin" unshare --map-users=$S2,0,65536 \
        --map-groups=$S2,0,65536 cat /proc/self/uid_map /proc/self/gid_map
    expect_rc 0
    [ "$(awk '{print $1, $2, $3}' "$T/out")" = "0 $S2 65536
0 $S2 65536" ] || fail "unshare --map-users with the slot: $OUT; $ERR"
}
