#!/usr/bin/env bash
# test_install.sh BUILD SOURCE PYTHON SANITIZE -- what `meson install` gives
# users, proved on a copy installed into a temporary DESTDIR: the shared and
# static library, the public headers and nothing private, fmcheck.pc, the
# Python package; reports/api/example.c built through `pkg-config --cflags
# --libs fmcheck` against that copy (shared, then static) and run with it;
# the installed Python package imported.  Speaks TAP, one line per step.
set -u
build=$1 src=$2 py=$3 san=$4
tmp=$(mktemp -d /tmp/fmcheck-install-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root n=0 failed=0

# step DESCRIPTION COMMAND...: one TAP line; the output of a failure as
# diagnostics.
step() {
  local what=$1
  shift
  n=$((n + 1))
  if "$@" >"$tmp/log" 2>&1; then
    echo "ok $n - $what"
  else
    failed=1
    echo "not ok $n - $what"
    sed 's/^/# /' "$tmp/log"
  fi
}

step "meson install --destdir" meson install --no-rebuild --quiet -C "$build" --destdir "$root"
pc=$(find "$root" -name fmcheck.pc | head -1)
lib=$(dirname "$(find "$root" -name 'libfmcheck.so.0' | head -1)")
inc=$(dirname "$(find "$root" -name fmcheck.h | head -1)")
pkg=$(dirname "$(find "$root" -path '*fmcheck/__init__.py' | head -1)")

installed() {
  for f in "$lib/libfmcheck.so.0" "$lib/libfmcheck.a" "$pc" "$pkg/_install.py" \
           "$pkg/testing.py"; do
    test -f "$f" || { echo "missing: $f"; return 1; }
  done
  # the man page and the bash completion where man and bash-completion look
  find "$root" -path '*/share/man/man1/fmcheck.1' | grep -q . || { echo "missing: fmcheck.1"; return 1; }
  find "$root" -path '*/share/bash-completion/completions/fmcheck' | grep -q . ||
    { echo "missing: bash completion"; return 1; }
  # the public headers are exactly the umbrella header and the status list
  ls "$inc"
  test "$(ls "$inc" | tr '\n' ' ')" = "fm_status_codes.h fmcheck.h "
}
step "library, headers (public only), fmcheck.pc, Python package, man page and completion installed" installed

export PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR=$root
cflags="-std=c11 -Wall -Wextra -pedantic -Werror"
[ "$san" = none ] || cflags="$cflags -fsanitize=$san"

shared() {
  # shellcheck disable=SC2046
  cc $cflags "$src/reports/api/example.c" $(pkg-config --cflags --libs fmcheck) \
    -o "$tmp/example" && LD_LIBRARY_PATH=$lib ldd "$tmp/example" | grep -F "$lib/libfmcheck.so.0"
}
step "example.c builds with pkg-config --cflags --libs fmcheck (installed copy)" shared
step "example runs on the installed libfmcheck.so.0" env LD_LIBRARY_PATH="$lib" "$tmp/example"

static() {
  local libs
  # the dependencies stay shared (-Bdynamic), so their own private
  # libraries are not wanted: Debian's libmatheval.pc lists flex's -ll,
  # which is not installed
  libs=$(pkg-config --static --libs fmcheck | sed 's/-lfmcheck//; s/ -ll\b//g')
  # shellcheck disable=SC2086
  cc $cflags "$src/reports/api/example.c" $(pkg-config --cflags fmcheck) -L"$lib" \
    -Wl,-Bstatic -lfmcheck -Wl,-Bdynamic $libs -o "$tmp/example-static" &&
    ! ldd "$tmp/example-static" | grep -q libfmcheck && "$tmp/example-static"
}
step "example links libfmcheck.a with pkg-config --static and runs" static

pyimport() {
  env PYTHONPATH="$(dirname "$pkg")" FMCHECK_LIB="$lib/libfmcheck.so.0" "$py" -c '
import fmcheck
c = fmcheck.Case("gauss1d-cond_ot")
assert fmcheck.__file__.startswith("'"$root"'"), fmcheck.__file__
print(fmcheck.__version__, c.name, c.u(0.5, c.sample(4, t=0.5)).shape)'
}
if [ "$san" = none ]; then
  step "the installed Python package imports and evaluates" pyimport
else
  n=$((n + 1))
  echo "ok $n - the installed Python package # SKIP sanitizer build: python cannot load it"
fi
echo "1..$n"
exit $failed
