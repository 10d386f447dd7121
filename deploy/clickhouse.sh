#!/usr/bin/env bash
# A private ClickHouse server for palabre on this machine: installed from Debian's packages
# when missing, bound to 127.0.0.1 only, with its own config, ports and data directory under
# palabre's data dir, so it never collides with a system ClickHouse.
#
#   deploy/clickhouse.sh start    install if needed, start (or reuse) the server, wait until it answers
#   deploy/clickhouse.sh stop     stop it cleanly
#   deploy/clickhouse.sh status   say whether it runs
#   deploy/clickhouse.sh dsn      print the DSN palabre should use
#
# Environment: PALABRE_DATA (default ./.data), PALABRE_CH_PORT (native, default 19000),
# PALABRE_CH_HTTP_PORT (default 18123), PALABRE_CH_WAIT (seconds, default 90).
set -euo pipefail

data=${PALABRE_DATA:-.data}
mkdir -p "$data" 2>/dev/null || { echo "clickhouse: cannot create data dir $data" >&2; exit 1; }
data=$(cd "$data" && pwd)
dir="$data/clickhouse"
port=${PALABRE_CH_PORT:-19000}
http_port=${PALABRE_CH_HTTP_PORT:-18123}
wait_s=${PALABRE_CH_WAIT:-90}
pidfile="$dir/clickhouse.pid"
log="$dir/log/server.log"

say() { echo "clickhouse: $*" >&2; }

install() {
	if command -v clickhouse-server >/dev/null && command -v clickhouse-client >/dev/null; then
		return
	fi
	local cmd="apt-get update && apt-get install -y clickhouse-server clickhouse-client"
	if [ "$(id -u)" != 0 ]; then
		say "ClickHouse is not installed. As root, run: $cmd"
		exit 1
	fi
	say "installing Debian's clickhouse-server and clickhouse-client"
	export DEBIAN_FRONTEND=noninteractive
	if ! { apt-get update -qq && apt-get install -y -qq clickhouse-server clickhouse-client; } >"$data/clickhouse-install.log" 2>&1; then
		say "installation failed; see $data/clickhouse-install.log"
		exit 1
	fi
}

write_config() {
	mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/log" "$dir/format_schemas"
	[ -w "$dir" ] || { say "data dir $dir is not writable"; exit 1; }
	cat >"$dir/config.xml" <<XML
<?xml version="1.0"?>
<!-- Written by deploy/clickhouse.sh; palabre's private server. Edits are overwritten. -->
<yandex>
    <logger>
        <level>warning</level>
        <log>$dir/log/server.log</log>
        <errorlog>$dir/log/server.err.log</errorlog>
        <size>100M</size>
        <count>3</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <tcp_port>$port</tcp_port>
    <http_port>$http_port</http_port>
    <path>$dir/data/</path>
    <tmp_path>$dir/tmp/</tmp_path>
    <user_files_path>$dir/user_files/</user_files_path>
    <format_schema_path>$dir/format_schemas/</format_schema_path>
    <users_config>$dir/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <max_connections>1024</max_connections>
    <keep_alive_timeout>3</keep_alive_timeout>
    <max_concurrent_queries>100</max_concurrent_queries>
    <uncompressed_cache_size>1073741824</uncompressed_cache_size>
    <mark_cache_size>536870912</mark_cache_size>
    <mlock_executable>false</mlock_executable>
</yandex>
XML
	cat >"$dir/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
    <profiles>
        <default>
            <max_memory_usage>4000000000</max_memory_usage>
            <load_balancing>random</load_balancing>
        </default>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas>
        <default>
            <interval><duration>3600</duration><queries>0</queries><errors>0</errors>
            <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval>
        </default>
    </quotas>
</yandex>
XML
}

answers() { clickhouse-client --host 127.0.0.1 --port "$port" --connect_timeout 2 -q 'SELECT 1' >/dev/null 2>&1; }

running_pid() {
	[ -f "$pidfile" ] || return 1
	local pid
	pid=$(cat "$pidfile")
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

start() {
	install
	if pid=$(running_pid) && answers; then
		say "already running (pid $pid) on 127.0.0.1:$port"
		return
	fi
	if answers; then
		say "port $port answers but is not palabre's server (no live pid in $pidfile); set PALABRE_CH_PORT"
		exit 1
	fi
	write_config
	say "starting on 127.0.0.1:$port (data in $dir)"
	# setsid: the server outlives the make or test process that started it.
	setsid clickhouse-server --config-file="$dir/config.xml" >"$dir/log/stdout.log" 2>&1 </dev/null &
	echo $! >"$pidfile"
	local deadline=$((SECONDS + wait_s))
	until answers; do
		if ! running_pid >/dev/null; then
			say "the server exited during start-up; last lines of its logs:"
			tail -n 20 "$dir/log/stdout.log" "$dir/log/server.err.log" >&2 2>/dev/null || true
			exit 1
		fi
		if [ $SECONDS -ge $deadline ]; then
			say "no answer on 127.0.0.1:$port after ${wait_s}s; see $log"
			exit 1
		fi
		sleep 0.3
	done
	say "ready on 127.0.0.1:$port"
}

stop() {
	local pid
	if ! pid=$(running_pid); then
		say "not running"
		rm -f "$pidfile"
		return
	fi
	kill -TERM "$pid"
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; say "stopped"; return; }
		sleep 0.2
	done
	say "still running after 20s; sending SIGKILL"
	kill -KILL "$pid" 2>/dev/null || true
	rm -f "$pidfile"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) if pid=$(running_pid) && answers; then say "running (pid $pid) on 127.0.0.1:$port"; else say "not running"; exit 3; fi ;;
dsn) echo "clickhouse://127.0.0.1:$port/palabre" ;;
*) echo "usage: $0 start|stop|status|dsn" >&2; exit 2 ;;
esac
