#!/usr/bin/env bash
# Installs what the tests drive besides ClickHouse, from Debian's packages, when missing:
# headless Chromium, which loads and submits the participants' pages, LibreOffice Calc
# (without its GUI), which opens every workbook the report tests write, and ZooKeeper with a
# headless Java runtime, which the cluster tests start (deploy/cluster.sh).
set -euo pipefail
need=()
command -v chromium >/dev/null || need+=(chromium)
command -v soffice >/dev/null || need+=(libreoffice-calc-nogui)
[ -f /usr/share/java/zookeeper.jar ] || need+=(zookeeper)
command -v java >/dev/null || need+=(default-jre-headless)
[ ${#need[@]} -eq 0 ] && exit 0
cmd="apt-get update && apt-get install -y --no-install-recommends ${need[*]}"
if [ "$(id -u)" != 0 ]; then
	echo "test-deps: missing ${need[*]}; as root, run: $cmd" >&2
	exit 1
fi
echo "test-deps: installing ${need[*]}" >&2
data=${PALABRE_DATA:-.data}
mkdir -p "$data"
export DEBIAN_FRONTEND=noninteractive
# Wait for another installation holding dpkg's lock (deploy/clickhouse.sh, deploy/cluster.sh).
if ! { apt-get -o DPkg::Lock::Timeout=300 update -qq &&
	apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${need[@]}"; } >"$data/test-deps-install.log" 2>&1; then
	echo "test-deps: installation failed; see $data/test-deps-install.log" >&2
	exit 1
fi
