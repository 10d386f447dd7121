#!/usr/bin/env bash
# A private ClickHouse cluster for palabre on this machine: one ZooKeeper and SHARDS x REPLICAS
# clickhouse-server processes, all bound to 127.0.0.1, installed from Debian's packages when
# missing, each with its own config, ports and data directory under palabre's data dir, so it
# never collides with the single private server (deploy/clickhouse.sh) or a system ClickHouse.
#
#   deploy/cluster.sh start            install if needed, start whatever does not run (ZooKeeper,
#                                      servers; what runs is reused), wait until every server
#                                      answers, reaches ZooKeeper and has no read-only
#                                      replicated table
#   deploy/cluster.sh stop             stop the servers, then ZooKeeper, cleanly
#   deploy/cluster.sh status           say what runs (exit 3 unless everything does)
#   deploy/cluster.sh dsn              print the DSN palabre should use (every server listed)
#   deploy/cluster.sh nodes            one line per server: node shard replica tcp http pid|-
#
# For fault tests (I is a server's number, 1..SHARDS*REPLICAS, as `nodes` lists them):
#   deploy/cluster.sh kill-node I      SIGKILL server I
#   deploy/cluster.sh stop-node I      stop server I cleanly
#   deploy/cluster.sh start-node I     start server I again and wait until it answers
#   deploy/cluster.sh kill-zookeeper   SIGKILL ZooKeeper (replicated tables turn read-only)
#   deploy/cluster.sh stop-zookeeper   stop ZooKeeper cleanly
#   deploy/cluster.sh start-zookeeper  start ZooKeeper again and wait until it answers
#
# Environment:
#   PALABRE_DATA              data dir (default ./.data); the cluster lives in $PALABRE_DATA/cluster
#   PALABRE_CLUSTER_NAME      cluster name in remote_servers and the {cluster} macro (default palabre)
#   PALABRE_CLUSTER_SHARDS    shards (default 2)
#   PALABRE_CLUSTER_REPLICAS  replicas per shard (default 2)
#   PALABRE_CLUSTER_PORT      base port (default 19100), see below
#   PALABRE_CLUSTER_WAIT      seconds to wait for start-up (default 120)
#
# Ports, from the base port B: ZooKeeper's client port is B; server I (1..9) listens on
# B+10*I (native), B+10*I+1 (HTTP) and B+10*I+2 (interserver). With the default B=19100:
# ZooKeeper 19100, servers 19110, 19120, 19130, 19140 (HTTP 19111…, interserver 19112…).
# Server I belongs to shard (I-1)/REPLICAS+1 as replica (I-1)%REPLICAS+1; its macros are
# {cluster}=NAME, {shard}=S, {replica}=sSrR (e.g. s2r1). The default settings profile makes
# INSERTs into Distributed tables synchronous (insert_distributed_sync=1). The data dir
# remembers the cluster's name and shape and refuses to start with another one.
set -euo pipefail

data=${PALABRE_DATA:-.data}
mkdir -p "$data" 2>/dev/null || { echo "cluster: cannot create data dir $data" >&2; exit 1; }
data=$(cd "$data" && pwd)
dir="$data/cluster"
name=${PALABRE_CLUSTER_NAME:-palabre}
shards=${PALABRE_CLUSTER_SHARDS:-2}
replicas=${PALABRE_CLUSTER_REPLICAS:-2}
base=${PALABRE_CLUSTER_PORT:-19100}
wait_s=${PALABRE_CLUSTER_WAIT:-120}
zkdir="$dir/zookeeper"
zkport=$base
zkpidfile="$zkdir/zookeeper.pid"

say() { echo "cluster: $*" >&2; }
die() { say "$*"; exit 1; }

[[ $name =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "PALABRE_CLUSTER_NAME '$name': use letters, digits and '_'"
[[ $shards =~ ^[1-9]$ && $replicas =~ ^[1-9]$ ]] || die "PALABRE_CLUSTER_SHARDS and PALABRE_CLUSTER_REPLICAS are 1..9"
nodes=$((shards * replicas))
((nodes <= 9)) || die "$shards shards x $replicas replicas: at most 9 servers"
[[ $base =~ ^[0-9]+$ ]] && ((base >= 1024 && base + 10 * nodes + 2 <= 65535)) || die "PALABRE_CLUSTER_PORT $base is out of range"
# Never overlap the single private server's ports.
for p in "${PALABRE_CH_PORT:-19000}" "${PALABRE_CH_HTTP_PORT:-18123}"; do
	if ((p >= base && p <= base + 10 * nodes + 2)); then
		die "ports $base..$((base + 10 * nodes + 2)) would include the single server's port $p; set PALABRE_CLUSTER_PORT"
	fi
done

node_dir() { echo "$dir/node$1"; }
tcp_port() { echo $((base + 10 * $1)); }
http_port() { echo $((base + 10 * $1 + 1)); }
inter_port() { echo $((base + 10 * $1 + 2)); }
shard_of() { echo $((($1 - 1) / replicas + 1)); }
replica_of() { echo $((($1 - 1) % replicas + 1)); }
replica_name() { echo "s$(shard_of "$1")r$(replica_of "$1")"; }
check_node() { [[ ${1:-} =~ ^[0-9]+$ ]] && (($1 >= 1 && $1 <= nodes)) || die "server number '${1:-}': use 1..$nodes"; }

zk_classpath() {
	local cp="$zkdir/conf" j
	for j in zookeeper zookeeper-jute slf4j-api slf4j-log4j12 log4j-1.2 netty-handler netty-common \
		netty-buffer netty-transport netty-codec netty-resolver netty-transport-native-unix-common \
		netty-transport-classes-epoll netty-transport-native-epoll commons-cli; do
		[ -f "/usr/share/java/$j.jar" ] && cp="$cp:/usr/share/java/$j.jar"
	done
	echo "$cp"
}

install() {
	local need=()
	command -v clickhouse-server >/dev/null || need+=(clickhouse-server)
	command -v clickhouse-client >/dev/null || need+=(clickhouse-client)
	[ -f /usr/share/java/zookeeper.jar ] || need+=(zookeeper)
	command -v java >/dev/null || need+=(default-jre-headless)
	[ ${#need[@]} -eq 0 ] && return
	local cmd="apt-get update && apt-get install -y --no-install-recommends ${need[*]}"
	[ "$(id -u)" = 0 ] || die "missing ${need[*]}; as root, run: $cmd"
	say "installing Debian's ${need[*]} (log: $data/cluster-install.log)"
	export DEBIAN_FRONTEND=noninteractive
	# Another installation may hold dpkg's lock (test-deps, the single server): wait for it.
	if ! { apt-get -o DPkg::Lock::Timeout=300 update -qq &&
		apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${need[@]}"; } >"$data/cluster-install.log" 2>&1; then
		die "installation failed; see $data/cluster-install.log"
	fi
}

# check_layout refuses to start over data made for another shape: the macros, and so the
# ZooKeeper paths of every replicated table, depend on it.
check_layout() {
	local want="name=$name shards=$shards replicas=$replicas"
	mkdir -p "$dir"
	if [ -f "$dir/layout" ] && [ "$(cat "$dir/layout")" != "$want" ]; then
		die "$dir holds a cluster made with '$(cat "$dir/layout")', not '$want'; stop it and remove $dir, or set PALABRE_DATA"
	fi
	echo "$want" >"$dir/layout"
	if [ -f "$dir/port" ] && [ "$(cat "$dir/port")" != "$base" ] && any_running; then
		die "the cluster in $dir runs from base port $(cat "$dir/port"), not $base; stop it first"
	fi
	echo "$base" >"$dir/port"
}

# lives: a process lives until it is gone or a zombie that nobody reaps. A zombie whose other
# threads are still exiting (a killed server's hundreds) lives too: they hold its files and
# ports until the last one is gone.
lives() {
	kill -0 "$1" 2>/dev/null || return 1
	[[ $(ps -o stat= -p "$1" 2>/dev/null) != Z* ]] && return 0
	local tasks=(/proc/"$1"/task/*)
	((${#tasks[@]} > 1))
}
# pid_alive prints the pid in PIDFILE when that process lives and its command line names
# MARK (its config file), so that a pid reused by another program after a crash is not taken
# for ours.
pid_alive() { # pidfile, mark
	[ -f "$1" ] || return 1
	local pid
	pid=$(cat "$1")
	[ -n "$pid" ] && lives "$pid" || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$2" || return 1
	echo "$pid"
}
node_pid() { pid_alive "$(node_dir "$1")/clickhouse.pid" "$(node_dir "$1")/config.xml"; }
zk_pid() { pid_alive "$zkpidfile" "$zkdir/conf/zoo.cfg"; }
any_running() {
	zk_pid >/dev/null && return 0
	local i
	for ((i = 1; i <= nodes; i++)); do node_pid "$i" >/dev/null && return 0; done
	return 1
}

client() { # node, then clickhouse-client arguments
	local i=$1
	shift
	clickhouse-client --host 127.0.0.1 --port "$(tcp_port "$i")" --connect_timeout 2 "$@"
}
answers() { client "$1" -q 'SELECT 1' >/dev/null 2>&1; }

# zk_says sends a four-letter word to ZooKeeper and prints the answer.
zk_says() {
	local reply
	reply=$(timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$zkport && printf '$1' >&3 && cat <&3" 2>/dev/null) || true
	printf '%s' "$reply"
}
# zk_answers says whether ZooKeeper serves sessions: `ruok` answers imok as soon as the process
# runs, while it may still be loading its data and refusing sessions; `srvr` names its mode
# only once it serves.
zk_answers() { [[ $(zk_says srvr) == *"Mode: "* ]]; }
# port_taken says whether something already listens on a loopback port.
port_taken() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

write_zk_config() {
	mkdir -p "$zkdir/conf" "$zkdir/data" "$zkdir/log"
	cat >"$zkdir/conf/zoo.cfg" <<CFG
# Written by deploy/cluster.sh; palabre's private ZooKeeper. Edits are overwritten.
tickTime=1000
initLimit=10
syncLimit=5
dataDir=$zkdir/data
clientPort=$zkport
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=ruok,srvr,mntr
# The server ClickHouse's session timeout (4 s) is granted only if minSessionTimeout allows it.
minSessionTimeout=2000
maxSessionTimeout=60000
autopurge.snapRetainCount=3
autopurge.purgeInterval=1
# 4 MB transaction log files instead of 64 MB. forceSync=no: a killed ZooKeeper process
# loses nothing (the OS keeps what it wrote); only a machine crash could.
preAllocSize=4096
forceSync=no
CFG
	cat >"$zkdir/conf/log4j.properties" <<CFG
log4j.rootLogger=WARN, FILE
log4j.appender.FILE=org.apache.log4j.RollingFileAppender
log4j.appender.FILE.File=$zkdir/log/zookeeper.log
log4j.appender.FILE.MaxFileSize=10MB
log4j.appender.FILE.MaxBackupIndex=2
log4j.appender.FILE.layout=org.apache.log4j.PatternLayout
log4j.appender.FILE.layout.ConversionPattern=%d{ISO8601} %-5p [%t] %c{1}: %m%n
CFG
}

start_zookeeper() {
	local pid
	if pid=$(zk_pid) && zk_answers; then
		say "ZooKeeper already running (pid $pid) on 127.0.0.1:$zkport"
		return
	fi
	if zk_answers; then
		die "port $zkport answers as ZooKeeper but is not this cluster's (no live pid in $zkpidfile); set PALABRE_CLUSTER_PORT"
	fi
	if pid=$(zk_pid); then # alive but not answering: a stuck start, replace it
		kill -KILL "$pid" 2>/dev/null || true
		sleep 0.5
	fi
	port_taken "$zkport" && die "port $zkport is taken by another program; set PALABRE_CLUSTER_PORT"
	write_zk_config
	say "starting ZooKeeper on 127.0.0.1:$zkport (data in $zkdir)"
	# setsid: it outlives the make or test process that started it.
	setsid java -Xms16m -Xmx256m -XX:+UseSerialGC -Dzookeeper.admin.enableServer=false \
		-Dlog4j.configuration="file:$zkdir/conf/log4j.properties" -cp "$(zk_classpath)" \
		org.apache.zookeeper.server.ZooKeeperServerMain "$zkdir/conf/zoo.cfg" \
		>"$zkdir/log/stdout.log" 2>&1 </dev/null &
	echo $! >"$zkpidfile"
	local deadline=$((SECONDS + wait_s))
	until zk_answers; do
		if ! zk_pid >/dev/null; then
			say "ZooKeeper exited during start-up; last lines of its logs:"
			tail -n 20 "$zkdir/log/stdout.log" "$zkdir/log/zookeeper.log" >&2 2>/dev/null || true
			exit 1
		fi
		((SECONDS < deadline)) || die "ZooKeeper does not answer on 127.0.0.1:$zkport after ${wait_s}s; see $zkdir/log"
		sleep 0.3
	done
	say "ZooKeeper ready on 127.0.0.1:$zkport"
}

write_node_config() {
	local i=$1 d s r j
	d=$(node_dir "$i")
	mkdir -p "$d/data" "$d/tmp" "$d/user_files" "$d/log" "$d/format_schemas"
	[ -w "$d" ] || die "data dir $d is not writable"
	{
		cat <<XML
<?xml version="1.0"?>
<!-- Written by deploy/cluster.sh; server $i of palabre's private cluster. Edits are overwritten. -->
<yandex>
    <logger>
        <level>warning</level>
        <log>$d/log/server.log</log>
        <errorlog>$d/log/server.err.log</errorlog>
        <size>100M</size>
        <count>3</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <tcp_port>$(tcp_port "$i")</tcp_port>
    <http_port>$(http_port "$i")</http_port>
    <interserver_http_port>$(inter_port "$i")</interserver_http_port>
    <interserver_http_host>127.0.0.1</interserver_http_host>
    <path>$d/data/</path>
    <tmp_path>$d/tmp/</tmp_path>
    <user_files_path>$d/user_files/</user_files_path>
    <format_schema_path>$d/format_schemas/</format_schema_path>
    <users_config>$d/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <max_connections>1024</max_connections>
    <keep_alive_timeout>3</keep_alive_timeout>
    <max_concurrent_queries>100</max_concurrent_queries>
    <!-- $nodes servers share the machine: small caches. -->
    <uncompressed_cache_size>134217728</uncompressed_cache_size>
    <mark_cache_size>67108864</mark_cache_size>
    <mlock_executable>false</mlock_executable>
    <macros>
        <cluster>$name</cluster>
        <shard>$(shard_of "$i")</shard>
        <replica>$(replica_name "$i")</replica>
    </macros>
    <remote_servers>
        <$name>
XML
		for ((s = 1; s <= shards; s++)); do
			echo "            <shard>"
			echo "                <internal_replication>true</internal_replication>"
			for ((r = 1; r <= replicas; r++)); do
				j=$(((s - 1) * replicas + r))
				echo "                <replica><host>127.0.0.1</host><port>$(tcp_port "$j")</port></replica>"
			done
			echo "            </shard>"
		done
		cat <<XML
        </$name>
    </remote_servers>
    <zookeeper>
        <node><host>127.0.0.1</host><port>$zkport</port></node>
        <session_timeout_ms>4000</session_timeout_ms>
        <operation_timeout_ms>5000</operation_timeout_ms>
    </zookeeper>
    <distributed_ddl>
        <path>/clickhouse/task_queue/ddl</path>
    </distributed_ddl>
</yandex>
XML
	} >"$d/config.xml"
	cat >"$d/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
    <profiles>
        <default>
            <max_memory_usage>1000000000</max_memory_usage>
            <load_balancing>random</load_balancing>
            <!-- An INSERT into a Distributed table returns once every shard has stored its rows. -->
            <insert_distributed_sync>1</insert_distributed_sync>
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

# launch_node starts server I unless it already runs; it does not wait.
launch_node() {
	local i=$1 d pid
	d=$(node_dir "$i")
	if pid=$(node_pid "$i") && answers "$i"; then
		say "server $i already running (pid $pid) on 127.0.0.1:$(tcp_port "$i")"
		return
	fi
	if answers "$i"; then
		die "port $(tcp_port "$i") answers but is not this cluster's server $i (no live pid in $d/clickhouse.pid); set PALABRE_CLUSTER_PORT"
	fi
	if pid=$(node_pid "$i"); then # alive but not answering (yet): leave it to finish starting
		return
	fi
	local p
	for p in "$(tcp_port "$i")" "$(http_port "$i")" "$(inter_port "$i")"; do
		port_taken "$p" && die "port $p (server $i) is taken by another program; set PALABRE_CLUSTER_PORT"
	done
	write_node_config "$i"
	setsid clickhouse-server --config-file="$d/config.xml" >"$d/log/stdout.log" 2>&1 </dev/null &
	echo $! >"$d/clickhouse.pid"
}

# await_node waits until server I answers and, when ZooKeeper runs, until it reaches
# ZooKeeper and none of its replicated tables is read-only. It returns 3, once it has shown
# the server's logs, when the server exited during start-up.
await_node() {
	local i=$1 d deadline
	d=$(node_dir "$i")
	deadline=$((SECONDS + wait_s))
	until answers "$i"; do
		if ! node_pid "$i" >/dev/null; then
			say "server $i exited during start-up; last lines of its logs:"
			tail -n 20 "$d/log/stdout.log" "$d/log/server.err.log" >&2 2>/dev/null || true
			return 3
		fi
		((SECONDS < deadline)) || die "server $i does not answer on 127.0.0.1:$(tcp_port "$i") after ${wait_s}s; see $d/log"
		sleep 0.3
	done
	zk_pid >/dev/null || return 0
	local q="SELECT (SELECT count() FROM system.zookeeper WHERE path = '/') > 0 AND (SELECT count() FROM system.replicas WHERE is_readonly OR is_session_expired) = 0"
	until [ "$(client "$i" -q "$q" 2>/dev/null)" = 1 ]; do
		((SECONDS < deadline)) || die "server $i has read-only replicated tables after ${wait_s}s; see $d/log/server.err.log"
		sleep 0.3
	done
}

# settle_node waits for server I, launched. One that exits during start-up is started once
# more, as a supervisor would: 18.16 was seen to exit once when a replica killed under load
# was started again (its logs, shown by await_node, say why).
settle_node() {
	local i=$1 rc=0
	await_node "$i" || rc=$?
	if ((rc == 3)); then
		say "starting server $i once more, in 2 s"
		sleep 2
		rc=0
		launch_node "$i"
		await_node "$i" || rc=$?
	fi
	((rc == 0)) || exit 1
}

stop_pid() { # what, pidfile, mark, signal
	local pid
	if ! pid=$(pid_alive "$2" "$3"); then
		rm -f "$2"
		return
	fi
	kill "-$4" "$pid" 2>/dev/null || true
	for _ in $(seq 1 100); do
		lives "$pid" || { rm -f "$2"; say "$1 stopped"; return; }
		sleep 0.2
	done
	say "$1 still running after 20s; sending SIGKILL"
	kill -KILL "$pid" 2>/dev/null || true
	rm -f "$2"
}

# preflight refuses, before starting anything, ports that another program holds.
preflight() {
	local i p
	if ! zk_pid >/dev/null && port_taken "$zkport"; then
		die "port $zkport (ZooKeeper) is taken by another program; set PALABRE_CLUSTER_PORT"
	fi
	for ((i = 1; i <= nodes; i++)); do
		node_pid "$i" >/dev/null && continue
		for p in "$(tcp_port "$i")" "$(http_port "$i")" "$(inter_port "$i")"; do
			port_taken "$p" && die "port $p (server $i) is taken by another program; set PALABRE_CLUSTER_PORT"
		done
	done
	return 0
}

stop_node() { stop_pid "server $1" "$(node_dir "$1")/clickhouse.pid" "$(node_dir "$1")/config.xml" "$2"; }
stop_zookeeper() { stop_pid ZooKeeper "$zkpidfile" "$zkdir/conf/zoo.cfg" "$1"; }

start() {
	install
	check_layout
	preflight
	start_zookeeper
	local i
	for ((i = 1; i <= nodes; i++)); do launch_node "$i"; done
	for ((i = 1; i <= nodes; i++)); do settle_node "$i"; done
	say "ready: $shards shard(s) x $replicas replica(s), cluster '$name', servers on 127.0.0.1:$(tcp_port 1)..$(tcp_port "$nodes") (data in $dir)"
}

stop() {
	local i
	# Servers first, in parallel, so that they close their ZooKeeper sessions.
	for ((i = 1; i <= nodes; i++)); do stop_node "$i" TERM & done
	wait
	stop_zookeeper TERM
	say "stopped"
}

status() {
	local i pid ok=0
	if pid=$(zk_pid) && zk_answers; then
		say "ZooKeeper running (pid $pid) on 127.0.0.1:$zkport"
	else
		say "ZooKeeper not running"
		ok=3
	fi
	for ((i = 1; i <= nodes; i++)); do
		if pid=$(node_pid "$i") && answers "$i"; then
			say "server $i (shard $(shard_of "$i"), replica $(replica_name "$i")) running (pid $pid) on 127.0.0.1:$(tcp_port "$i")"
		else
			say "server $i (shard $(shard_of "$i"), replica $(replica_name "$i")) not running"
			ok=3
		fi
	done
	return $ok
}

dsn() {
	local i hosts=""
	for ((i = 1; i <= nodes; i++)); do hosts="$hosts${hosts:+,}127.0.0.1:$(tcp_port "$i")"; done
	echo "clickhouse://$hosts/palabre"
}

list_nodes() {
	local i
	for ((i = 1; i <= nodes; i++)); do
		echo "$i $(shard_of "$i") $(replica_name "$i") $(tcp_port "$i") $(http_port "$i") $(node_pid "$i" || echo -)"
	done
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) status ;;
dsn) dsn ;;
nodes) list_nodes ;;
kill-node) check_node "${2:-}"; stop_node "$2" KILL ;;
stop-node) check_node "${2:-}"; stop_node "$2" TERM ;;
start-node) check_node "${2:-}"; install; check_layout; launch_node "$2"; settle_node "$2"; say "server $2 ready on 127.0.0.1:$(tcp_port "$2")" ;;
kill-zookeeper) stop_zookeeper KILL ;;
stop-zookeeper) stop_zookeeper TERM ;;
start-zookeeper) install; check_layout; start_zookeeper ;;
*) echo "usage: $0 start|stop|status|dsn|nodes|kill-node I|stop-node I|start-node I|kill-zookeeper|stop-zookeeper|start-zookeeper" >&2; exit 2 ;;
esac
