#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Run one integration test file against the built helpers, inside private
# mount and pid namespaces, where /etc and /dev are overlayfs copies of the
# host's: whatever a test writes to /etc/subuid, /etc/passwd or /dev/log lands in a
# tmpfs that vanishes with the namespace. The host's /etc never changes.
#
#   sandbox.sh BUILD_DIR TEST_FILE
#
# Needs root (to mount, and to make the helpers setuid root); exits 77 (skip)
# otherwise, saying so.
set -u

# meson points LD_LIBRARY_PATH at the build tree for targets that link our
# libsubid.so.4; shadow's tools (getsubids) carry the same soname and would
# load ours (an ASan build's, even). The tests run installed-style binaries.
unset LD_LIBRARY_PATH

if [ "$(id -u)" != 0 ]; then
    echo "SKIP: integration tests need root (mount namespaces, setuid binaries)"
    exit 77
fi
if [ $# -ne 2 ]; then
    echo "usage: $0 BUILD_DIR TEST_FILE" >&2
    exit 2
fi

if [ -z "${IDG_IN_SANDBOX:-}" ]; then
    # The mountpoint is made out here, so that it can be removed afterwards.
    IDG_IN_SANDBOX=$(mktemp -d /tmp/idgate-sandbox.XXXXXX) || exit 1
    export IDG_IN_SANDBOX
    # A private pid namespace too, with the test file as its init: when the
    # file ends, the kernel kills whatever it left running (a process that
    # still holds meson's stdout or stderr would make meson wait for it to
    # the timeout), and a test that sets ns_last_pid to force pid reuse
    # moves only its own pids, not those of a test running beside it.
    # --kill-child: a timeout's signal to unshare reaches the whole tree.
    unshare --mount --propagation private --pid --fork --kill-child --mount-proc -- "$0" "$@"
    rc=$?
    rmdir "$IDG_IN_SANDBOX"
    exit $rc
fi

IDG_BUILD=$(cd "$1" && pwd)
IDG_TESTS=$(cd "$(dirname "$0")" && pwd)
export IDG_BUILD IDG_TESTS
# shellcheck source=lib.sh
. "$IDG_TESTS/lib.sh"
idg_sandbox_setup || { echo "FAIL: cannot set up the sandbox"; exit 1; }
# shellcheck disable=SC1090
. "$2"
idg_run_all
