#!/bin/sh
# Installs the C library built by `cargo build --release`: header, liblncmail.so, liblncmail.a
# and lncmail.pc (docs/c-api.md, "Installing").
#   ffi/install.sh [PREFIX]          PREFIX defaults to /usr/local
# Environment: DESTDIR (staging root for packagers), LNCMAIL_LIB_DIR (where the built libraries
# are; default target/release, or $CARGO_TARGET_DIR/release).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
prefix=${1:-/usr/local}
dest=${DESTDIR:-}
libs=${LNCMAIL_LIB_DIR:-${CARGO_TARGET_DIR:-$root/target}/release}
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/ffi/Cargo.toml" | head -n 1)
for f in liblncmail.so liblncmail.a; do
  [ -f "$libs/$f" ] || { echo "install.sh: $libs/$f is missing: run cargo build --release -p lncmail-ffi first" >&2; exit 2; }
done
install -d "$dest$prefix/include" "$dest$prefix/lib/pkgconfig"
install -m 0644 "$root/include/lncmail.h" "$dest$prefix/include/lncmail.h"
install -m 0755 "$libs/liblncmail.so" "$dest$prefix/lib/liblncmail.so"
install -m 0644 "$libs/liblncmail.a" "$dest$prefix/lib/liblncmail.a"
sed -e "s|@PREFIX@|$prefix|" -e "s|@VERSION@|$version|" "$root/ffi/lncmail.pc.in" > "$dest$prefix/lib/pkgconfig/lncmail.pc"
echo "installed lncmail $version into $dest$prefix"
