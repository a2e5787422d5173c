# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# subid-doctor: on a healthy sandbox every check passes and the live trial
# maps; then the setup is broken one way at a time, and each time the right
# check fails (or warns) with the right fix, the checks before it pass, and
# the JSON is one object of the documented schema.

DOC=$IDG_BUILD/subid-doctor/subid-doctor

# The check ids, in their order (subid-doctor(1)).
IDS="ranges.uid ranges.gid ranges.size ranges.conflict helpers.newuidmap helpers.newgidmap
kernel.userns kernel.apparmor kernel.nested trial runtime.pause runtime.xdg runtime.storage"

# A session directory for U1 (what pam_systemd makes).
runtime_dir() {
    XDG=$T/run/$1
    mkdir -p "$XDG"
    chown "$1:$1" "$XDG"
    chmod 0700 "$XDG"
}

# doctor UID ARGS...: run the doctor as UID with the sandbox's setuid
# helpers first in PATH (or $DPATH), and its session directory.
doctor() {
    local u=$1
    shift
    runtime_dir "$u"
    run "$u" env PATH="${DPATH:-$BIN:/usr/sbin:/usr/bin:/sbin:/bin}" XDG_RUNTIME_DIR="$XDG" \
        HOME=/nonexistent "$DOC" "$@"
}

# json: $T/out is one object of the schema; its checks go to $T/checks
# (id, status, message, fix; tab-separated) and their ids are $IDS in order.
json() {
    python3 - "$T/out" "$IDS" "$RC" "${ANY_TEXT:-}" >"$T/checks" 2>"$T/json.err" <<'PY'
import json, sys
text = open(sys.argv[1]).read()
doc = json.loads(text)  # exactly one value: trailing text would fail here
assert isinstance(doc, dict) and set(doc) == {"ok", "user", "checks"}, doc.keys()
assert isinstance(doc["ok"], bool) and isinstance(doc["user"], str) and doc["user"]
ids = []
for c in doc["checks"]:
    assert set(c) == {"id", "status", "message", "fix"}, c
    assert all(isinstance(c[k], str) for k in c), c
    assert c["status"] in ("ok", "warn", "fail"), c
    assert c["message"], c
    # One line each, unless the case put a newline into a path on purpose.
    assert sys.argv[4] or ("\n" not in c["message"] and "\n" not in c["fix"]), c
    assert c["status"] == "ok" or c["fix"], c  # every problem says what fixes it
    ids.append(c["id"])
    print("\t".join((c["id"], c["status"], c["message"], c["fix"])))
assert ids == sys.argv[2].split(), ids
failed = any(c["status"] == "fail" for c in doc["checks"])
assert doc["ok"] == (not failed)
assert int(sys.argv[3]) == (1 if failed else 0), sys.argv[3]
PY
    [ $? = 0 ] || fail "the JSON does not validate: $(cat "$T/json.err")
$OUT"
}

# status ID: the status of check ID.
status() {
    awk -F'\t' -v id="$1" '$1 == id {print $2}' "$T/checks"
}

# expect ID STATUS [MESSAGE-PART [FIX-PART]]
expect() {
    local line
    line=$(awk -F'\t' -v id="$1" '$1 == id' "$T/checks")
    [ "$(status "$1")" = "$2" ] || fail "$1 is '$(status "$1")', expected $2: $line"
    if [ -n "${3:-}" ]; then
        grep -qF -- "$3" <<<"$(cut -f3 <<<"$line")" || fail "$1's message lacks '$3': $line"
    fi
    if [ -n "${4:-}" ]; then
        grep -qF -- "$4" <<<"$(cut -f4 <<<"$line")" || fail "$1's fix lacks '$4': $line"
    fi
}

# first_fail ID: ID is the first check that fails.
first_fail() {
    local got
    got=$(awk -F'\t' '$2 == "fail" {print $1; exit}' "$T/checks")
    [ "$got" = "$1" ] || fail "the first failing check is '$got', expected $1: $(cat "$T/checks")"
}

# only_problems ID...: every check not named is ok.
only_problems() {
    local id bad
    for id in $IDS; do
        [[ " $* " == *" $id "* ]] && continue
        [ "$(status "$id")" = ok ] || bad+=" $id=$(status "$id")"
    done
    [ -z "${bad:-}" ] || fail "checks other than '$*' did not pass:$bad
$(cat "$T/checks")"
}

put() {
    printf '%s\n' "${@:2}" >"$1"
    chown root:root "$1"
    chmod 0644 "$1"
}

# write_map PID uid|gid MAP: as root, in one write (the kernel takes one).
write_map() {
    python3 -c 'import sys; open(sys.argv[1], "w").write(sys.argv[2] + "\n")' "/proc/$1/$2_map" "$3" ||
        fail "cannot write the $2_map of $1"
}

ms() {
    date +%s%N
}

# timed_doctor UID ARGS...: doctor, and its wall time in MS (milliseconds).
timed_doctor() {
    local t0
    t0=$(ms)
    doctor "$@"
    MS=$((($(ms) - t0) / 1000000))
}

t_healthy_all_pass_and_the_trial_maps() {
    local i t0 t1 times=()
    for i in 1 2 3 4 5 6 7; do
        t0=$(ms)
        doctor $U1 --json
        t1=$(ms)
        times+=($(((t1 - t0) / 1000)))
    done
    expect_rc 0
    json
    only_problems
    expect trial ok "mapped 65537 uids and 65537 gids" ""
    expect trial ok "uid_map 0 $U1 1, 1 200000 65536; gid_map 0 $U1 1, 1 200000 65536"
    expect ranges.uid ok "idgt1 has 200000-265535 (/etc/subuid:2)"
    expect helpers.newuidmap ok "$BIN/newuidmap (idgate's 0.1.0), setuid root (mode 4755)"
    grep -q '"ok": true' <<<"$OUT" || fail "not ok: $OUT"
    # Its run time here (microseconds, median of 7, including process start).
    local sorted
    sorted=$(printf '%s\n' "${times[@]}" | sort -n | tr '\n' ' ')
    echo "    subid-doctor on a healthy setup: median $(printf '%s\n' "${times[@]}" | sort -n | sed -n 4p) us (runs: $sorted)"
    [ "$(printf '%s\n' "${times[@]}" | sort -n | sed -n 4p)" -lt 1000000 ] ||
        fail "the doctor took a second or more"
    # Nothing left running: the trial's child is reaped (idg_stragglers checks too).
    [ -z "$(pgrep -u $U1)" ] || fail "processes of $U1 left: $(pgrep -u $U1 -a)"
    # The checklist, readable at a glance.
    doctor $U1
    expect_rc 0
    grep -qx "ok   trial: newuidmap and newgidmap mapped .*" <<<"$OUT" || fail "no trial line: $OUT"
    grep -q "^subid-doctor: rootless containers of idgt1 should get their full mapping here$" <<<"$OUT" ||
        fail "no verdict line: $OUT"
    [ "$(grep -c '^ok   ' <<<"$OUT")" = 13 ] || fail "not 13 ok lines: $OUT"
}

t_root_checks_user_as_user() {
    runtime_dir $U1
    PATH=$BIN:$PATH "$DOC" --json "$U1N" >"$T/out" 2>"$T/err"
    RC=$?
    OUT=$(cat "$T/out")
    ERR=$(cat "$T/err")
    expect_rc 0
    json
    expect ranges.uid ok "idgt1 has 200000-265535"
    expect trial ok "uid_map 0 $U1 1, 1 200000 65536"
}

t_usage_errors_exit_2() {
    doctor $U1 --bogus
    expect_rc 2
    expect_err "unknown option '--bogus'; Usage: subid-doctor [--json] [USER]"
    doctor $U1 "$U2N"
    expect_rc 2
    expect_err "only root may check another user"
    doctor $U1 a b
    expect_rc 2
    "$DOC" >/dev/null 2>"$T/err"
    [ $? = 2 ] || fail "root without USER did not exit 2"
    doctor $U1 -V
    expect_rc 0
    [ "$OUT" = "subid-doctor (idgate) 0.1.0" ] || fail "version: $OUT"
    doctor $U1 --help
    expect_rc 0
    grep -qF "Usage: subid-doctor [--json] [USER]" <<<"$OUT" || fail "help: $OUT"
    # The user may name themselves.
    doctor $U1 --json "$U1N"
    expect_rc 0
}

t_no_line() {
    doctor $U3 --json
    json
    first_fail ranges.uid
    expect ranges.uid fail "idgt3 has no subordinate uid range in the sources (files)" \
        "ask an administrator to run: subid-add idgt3"
    expect ranges.gid fail "" "subid-add idgt3"
    expect trial warn "skipped: idgt3 has no uid range to map"
    only_problems ranges.uid ranges.gid trial
    # The checklist says the same, with the fix indented under it.
    doctor $U3
    expect_rc 1
    grep -qF "FAIL ranges.uid: idgt3 has no subordinate uid range" <<<"$OUT" || fail "$OUT"
    grep -qxF "     fix: ask an administrator to run: subid-add idgt3" <<<"$OUT" || fail "$OUT"
}

t_subgid_missing_is_half_a_setup() {
    put /etc/subgid "$U2N:400000:65536"
    doctor $U1 --json
    json
    first_fail ranges.gid
    expect ranges.gid fail "a subuid range without a subgid range, half a setup" \
        "ask an administrator to run: subid-add --gid-only idgt1"
    only_problems ranges.gid trial
}

t_world_writable_subuid() {
    chmod 0666 /etc/subuid
    doctor $U1 --json
    json
    first_fail ranges.uid
    expect ranges.uid fail "/etc/subuid is writable by group or others (mode 0666), so it is not trusted" \
        "ask an administrator to run: chmod go-w /etc/subuid"
    only_problems ranges.uid trial
}

t_malformed_line() {
    put /etc/subuid "$U2N:400000:65536" "$U1N:200000:65536x"
    doctor $U1 --json
    json
    first_fail ranges.uid
    expect ranges.uid fail "the line for them is malformed: /etc/subuid:2 (" \
        "fix or remove that line (subid-add --check"
    only_problems ranges.uid trial
}

t_sss_without_sssd() {
    printf '%s\n' "passwd: files" "group: files" "subid: sss" >/etc/nsswitch.conf
    timed_doctor $U1 --json
    json
    first_fail ranges.uid
    expect ranges.uid fail "subid source sss" "systemctl start sssd"
    expect ranges.gid fail "subid source sss"
    # No sssd: the module says so at once; a hung one is killed after 5 s.
    [ "$MS" -lt 6000 ] || fail "took $MS ms"
}

t_helper_without_setuid_first_in_path() {
    mkdir "$T/plain"
    install -m 0755 "$IDG_BUILD/newuidmap/newuidmap" "$T/plain/"
    DPATH=$T/plain:$BIN:/usr/bin:/bin doctor $U1 --json
    json
    first_fail helpers.newuidmap
    expect helpers.newuidmap fail "the PATH's newuidmap, $T/plain/newuidmap (idgate's 0.1.0): not installed with privilege" \
        "ask an administrator to run: chown root:root $T/plain/newuidmap && chmod 4755 $T/plain/newuidmap"
    # The trial shows what podman would see: the helper's own words.
    expect trial fail "newuidmap: not installed with privilege"
    only_problems helpers.newuidmap trial
}

t_helper_on_nosuid_mount() {
    mkdir "$T/nosuid"
    mount -t tmpfs -o nosuid,mode=0755 nosuid "$T/nosuid"
    install -m 4755 "$BIN/newuidmap" "$BIN/newgidmap" "$T/nosuid/"
    DPATH=$T/nosuid:/usr/bin:/bin doctor $U1 --json
    json
    first_fail helpers.newuidmap
    expect helpers.newuidmap fail "newuidmap is on a filesystem mounted nosuid" \
        "install newuidmap on a filesystem mounted without nosuid"
    expect helpers.newgidmap fail "newgidmap is on a filesystem mounted nosuid"
    expect trial fail "is on a filesystem mounted nosuid"
    only_problems helpers.newuidmap helpers.newgidmap trial
    umount "$T/nosuid"
}

# user.max_user_namespaces is per user namespace, and writable by the
# namespace's owner: root makes one that maps every id to itself (so the
# setuid helpers still work and the doctor is not "nested"), sets it to 0
# there and runs the doctor inside. The host's value never changes.
t_max_user_namespaces_zero() {
    local before
    before=$(cat /proc/sys/user/max_user_namespaces)
    unshare --user sleep 600 &
    local ns=$!
    wait_for "the namespace holder" in_new_userns $ns
    echo "0 0 4294967295" >/proc/$ns/uid_map
    echo "0 0 4294967295" >/proc/$ns/gid_map
    runtime_dir $U1
    nsenter --user --target $ns -- sh -c 'echo 0 >/proc/sys/user/max_user_namespaces &&
        exec setpriv --reuid='$U1' --regid='$U1' --clear-groups -- env PATH="$1" \
        XDG_RUNTIME_DIR="$2" HOME=/nonexistent "$3" --json' sh "$BIN:/usr/bin:/bin" "$XDG" "$DOC" \
        >"$T/out" 2>"$T/err"
    RC=$?
    OUT=$(cat "$T/out")
    ERR=$(cat "$T/err")
    kill $ns
    json
    first_fail kernel.userns
    expect kernel.userns fail "user.max_user_namespaces = 0" \
        "ask an administrator to run: sysctl -w user.max_user_namespaces="
    expect trial warn "skipped: no user namespace can be created here"
    only_problems kernel.userns trial
    [ "$(cat /proc/sys/user/max_user_namespaces)" = "$before" ] || fail "the host's limit changed"
}

# A pause process whose map no longer matches: U1 had 300000-365535 when it
# started; /etc/subuid now says 200000-265535.
t_stale_pause_process() {
    target $U1
    write_map $TARGET uid "0 $U1 1
1 300000 65536"
    runtime_dir $U1
    mkdir -p "$XDG/libpod/tmp"
    echo $TARGET >"$XDG/libpod/tmp/pause.pid"
    chown -R $U1:$U1 "$XDG/libpod"
    doctor $U1 --json
    json
    first_fail runtime.pause
    expect runtime.pause fail "podman's pause process $TARGET ($XDG/libpod/tmp/pause.pid) maps uids $U1-$U1, 300000-365535, but your ranges are now 200000-265535 (/etc/subuid:2)" \
        "run: podman system migrate"
    only_problems runtime.pause
    # Once it matches, it passes.
    kill $TARGET
    target $U1
    write_map $TARGET uid "0 $U1 1
1 200000 65536"
    write_map $TARGET gid "0 $U1 1
1 200000 65536"
    echo $TARGET >"$XDG/libpod/tmp/pause.pid"
    doctor $U1 --json
    json
    expect runtime.pause ok "pause process $TARGET"
}

t_xdg_runtime_dir_problems() {
    run $U1 env PATH="$BIN:/usr/bin:/bin" HOME=/nonexistent "$DOC" --json
    json
    expect runtime.xdg warn "XDG_RUNTIME_DIR is not set" "loginctl enable-linger idgt1"
    expect_rc 0
    runtime_dir $U1
    chmod 0755 "$XDG"
    run $U1 env PATH="$BIN:/usr/bin:/bin" XDG_RUNTIME_DIR="$XDG" HOME=/nonexistent "$DOC" --json
    json
    expect runtime.xdg warn "has mode 0755, not 0700" "run: chmod 0700 $XDG"
}

t_too_small_range() {
    put /etc/subuid "$U1N:200000:1000"
    put /etc/subgid "$U1N:200000:1000"
    doctor $U1 --json
    expect_rc 0
    json
    expect ranges.size warn "idgt1 has 1000 subordinate uids, fewer than 65536" \
        "subid-add --remove idgt1, then subid-add --count 65536 idgt1"
    expect trial ok "mapped 1001 uids"
    only_problems ranges.size
}

t_range_over_an_accounts_uid() {
    put /etc/subuid "$U1N:4002:65536"
    doctor $U1 --json
    json
    first_fail ranges.conflict
    expect ranges.conflict fail "idgt1's uid range 4002-69537 (/etc/subuid:1) contains uid 4002 of account idgt2" \
        "subid-add --remove idgt1 --range 4002-69537 --uid-only"
    only_problems ranges.conflict
}

t_range_over_another_owners() {
    put /etc/subgid "$U2N:400000:65536" "$U1N:430000:65536"
    doctor $U1 --json
    json
    first_fail ranges.conflict
    expect ranges.conflict fail "idgt1's 430000-495535 (/etc/subgid:2) overlaps idgt2's 400000-465535 (/etc/subgid:1)" \
        "subid-add --check lists every overlap"
    # The helpers take it (both ranges are allotted): the trial maps.
    expect trial ok
    only_problems ranges.conflict
}

# Every string of the JSON is escaped: a session directory named with a
# quote, a backslash, a tab, a newline, UTF-8 and a byte that is no UTF-8
# (shown as U+FFFD) reads back as the same text; the checklist keeps it on
# one line.
t_json_escapes_every_string() {
    local odd
    odd=$(printf '%s/x"y\\z\tw\nv-é-\377' "$T")
    run $U1 env PATH="$BIN:/usr/bin:/bin" XDG_RUNTIME_DIR="$odd" HOME=/nonexistent "$DOC" --json
    expect_rc 0
    ANY_TEXT=1 json
    python3 - "$T/out" "$T" <<'PY' || fail "the odd path did not read back: $OUT"
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
want = sys.argv[2] + '/x"y\\z\tw\nv-é-\ufffd'
msg = [c["message"] for c in doc["checks"] if c["id"] == "runtime.xdg"][0]
assert msg == "XDG_RUNTIME_DIR " + want + ": No such file or directory", repr(msg)
PY
    run $U1 env PATH="$BIN:/usr/bin:/bin" XDG_RUNTIME_DIR="$odd" HOME=/nonexistent "$DOC"
    grep -q '^warn runtime.xdg: XDG_RUNTIME_DIR .*/x"y\\z?w?v-é-' <<<"$OUT" ||
        fail "the checklist line: $(grep runtime.xdg <<<"$OUT")"
}

t_module_that_does_not_load() {
    printf '%s\n' "passwd: files" "group: files" "subid: files nosuchmodule" >/etc/nsswitch.conf
    doctor $U1 --json
    json
    first_fail ranges.uid
    expect ranges.uid fail "subid source nosuchmodule (the subid: line of /etc/nsswitch.conf) is unreachable: libsubid_nosuchmodule.so cannot be loaded" \
        "install the module libsubid_nosuchmodule.so or to remove nosuchmodule from the subid: line"
    only_problems ranges.uid ranges.gid trial
}

# A source whose server does not answer (the test module sleeps, as
# libsubid_sss.so waits on an sssd that hangs) is cut off after 5 s.
t_source_that_hangs_is_cut_off() {
    idg_plugin_setup || { fail "no test module"; return; }
    printf '%s\n' "* sleep 60" >/etc/idgate-test-plugin
    printf '%s\n' "passwd: files" "group: files" "subid: files idgtest" >/etc/nsswitch.conf
    timed_doctor $U1 --json
    json
    first_fail ranges.uid
    expect ranges.uid fail "the subid sources (files idgtest) did not answer within 5 s" \
        "check the services the subid: line of /etc/nsswitch.conf names (files idgtest"
    [ "$MS" -lt 9000 ] || fail "took $MS ms"
}

t_no_new_privs() {
    runtime_dir $U1
    run $U1 setpriv --no-new-privs env PATH="$BIN:/usr/bin:/bin" XDG_RUNTIME_DIR="$XDG" \
        HOME=/nonexistent "$DOC" --json
    json
    first_fail helpers.newuidmap
    expect helpers.newuidmap fail "no_new_privs is set for this process (NoNewPrivs: 1)" \
        "run it from a process without no_new_privs"
    expect helpers.newgidmap fail "no_new_privs"
    expect trial fail "no_new_privs"
    only_problems helpers.newuidmap helpers.newgidmap trial
}

t_file_capabilities_and_a_helper_you_cannot_run() {
    mkdir -p "$T/caps" "$T/locked"
    install -m 0755 "$IDG_BUILD/newuidmap/newuidmap" "$T/caps/"
    setcap cap_setuid+ep "$T/caps/newuidmap" || { fail "setcap failed"; return; }
    install -m 4750 "$BIN/newgidmap" "$T/locked/"
    DPATH=$T/caps:$T/locked:$BIN:/usr/bin:/bin doctor $U1 --json
    expect_rc 0
    json
    expect helpers.newuidmap ok "the PATH gives $T/caps/newuidmap (idgate's 0.1.0), file capabilities cap_setuid=ep"
    expect helpers.newgidmap ok "$BIN/newgidmap (idgate's 0.1.0), setuid root (mode 4755); before it, $T/locked/newgidmap, which you cannot execute, is skipped"
    expect trial ok "mapped 65537 uids"
    only_problems
}

t_storage_conf_problems() {
    local home=$T/home1
    mkdir -p "$home/.config/containers"
    printf '[storage]\ndriver = "overlay"\n[storage.options.overlay]\nmount_program = "/nonexistent/fuse-overlayfs"\n' \
        >"$home/.config/containers/storage.conf"
    chown -R $U1:$U1 "$home"
    runtime_dir $U1
    run $U1 env PATH="$BIN:/usr/bin:/bin" XDG_RUNTIME_DIR="$XDG" HOME="$home" "$DOC" --json
    expect_rc 0
    json
    expect runtime.storage warn "storage.conf:4: mount_program /nonexistent/fuse-overlayfs: No such file or directory" \
        "install it"
    chmod 0200 "$home/.config/containers/storage.conf"
    run $U1 env PATH="$BIN:/usr/bin:/bin" XDG_RUNTIME_DIR="$XDG" HOME="$home" "$DOC" --json
    json
    expect runtime.storage warn "cannot read $home/.config/containers/storage.conf: Permission denied" \
        "chmod u+r"
}
