#!/bin/sh
# minio.sh ensures the pinned MinIO server binary exists at .cache/bin/minio
# (relative to the repository root) and prints its absolute path.
#
# The binary is only used as a separate process by the object-store contract
# tests (TONGBAN_TEST_MINIO_BIN); MinIO is AGPL and is never linked.
# It is rebuilt only when missing or when .cache/bin/minio.version does not
# name the pinned version; a binary already built from the pinned version
# (as reported by `go version -m`) is adopted without rebuilding.
set -eu

MODULE=github.com/minio/minio
VERSION=v0.0.0-20260212201848-7aac2a2c5b7c

root=$(cd "$(dirname "$0")/.." && pwd)
bindir="$root/.cache/bin"
bin="$bindir/minio"
stamp="$bindir/minio.version"

built_version() {
	go version -m "$bin" 2>/dev/null | awk -v m="$MODULE" '$1 == "mod" && $2 == m { print $3 }'
}

if [ -x "$bin" ] && [ -f "$stamp" ] && grep -qxF "$VERSION" "$stamp"; then
	echo "$bin"
	exit 0
fi

if [ -x "$bin" ] && [ "$(built_version)" = "$VERSION" ]; then
	echo "$VERSION" >"$stamp"
	echo "$bin"
	exit 0
fi

mkdir -p "$bindir"
rm -f "$stamp"
echo "building $MODULE@$VERSION into $bindir (takes a few minutes)" >&2
GOBIN="$bindir" go install "$MODULE@$VERSION"
if [ "$(built_version)" != "$VERSION" ]; then
	echo "minio.sh: $bin does not report $MODULE $VERSION after the build" >&2
	exit 1
fi
echo "$VERSION" >"$stamp"
echo "$bin"
