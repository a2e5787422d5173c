#!/bin/sh
# meson install script for -Dprivilege=caps: give the helpers exactly the one
# capability each needs, instead of the setuid bit.
set -eu
bindir=$1
case $bindir in
/*) dir="${DESTDIR:-}$bindir" ;;
*) dir="$MESON_INSTALL_DESTDIR_PREFIX/$bindir" ;;
esac
setcap cap_setuid+ep "$dir/newuidmap"
setcap cap_setgid+ep "$dir/newgidmap"
