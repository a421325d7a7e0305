#!/usr/bin/env bash
# Make sure the machine's PostgreSQL 15 has pgvector (>= 0.8, for hnsw.iterative_scan); idempotent.
#
# Debian 12 ships PostgreSQL 15 but no pgvector package, so this builds Debian's own pgvector source package
# (from trixie, fetched with apt through a private source list; the machine's apt sources stay untouched)
# against postgresql-server-dev-15 PINNED to the installed server's version: an unpinned install would
# upgrade the server under running clusters. Takes ~1 minute once; then it is a file check.
set -euo pipefail
MAJOR=15
BIN=/usr/lib/postgresql/$MAJOR/bin
CONTROL=/usr/share/postgresql/$MAJOR/extension/vector.control
[ -f "$CONTROL" ] && [ -x "$BIN/postgres" ] && exit 0
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
if ! dpkg-query -W -f='${Status}' postgresql-$MAJOR 2>/dev/null | grep -q "ok installed"; then
  $SUDO apt-get install -y -qq --no-upgrade postgresql-$MAJOR
fi
VERSION=$(dpkg-query -W -f='${Version}' postgresql-$MAJOR)
$SUDO apt-get install -y -qq --no-upgrade "postgresql-server-dev-$MAJOR=$VERSION" make gcc
[ -f "$CONTROL" ] && exit 0
WORK=$(mktemp -d)
chmod 755 "$WORK"  # apt downloads as the _apt user
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/lists/partial"
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" > "$WORK/sources.list"
APT=(-o Dir::Etc::SourceList="$WORK/sources.list" -o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists="$WORK/lists")
apt-get -qq "${APT[@]}" update
(cd "$WORK" && apt-get -qq "${APT[@]}" source --download-only pgvector 2>/dev/null)
tar -xzf "$WORK"/pgvector_*.orig.tar.gz -C "$WORK"
cd "$WORK"/pgvector-*/
make -s OPTFLAGS="" PG_CONFIG="$BIN/pg_config" >/dev/null
$SUDO make -s install PG_CONFIG="$BIN/pg_config" >/dev/null
echo "installed pgvector $(sed -n "s/default_version = '\(.*\)'/\1/p" "$CONTROL") into PostgreSQL $VERSION"
