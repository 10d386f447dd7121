#!/usr/bin/env bash
# Checks deploy/cluster.sh end to end on a throw-away 2-shard x 2-replica cluster of its own
# (own data dir and ports, removed afterwards): cold start, system.clusters and macros, a
# ReplicatedReplacingMergeTree + Distributed table created ON CLUSTER, synchronous inserts
# spread over both shards and identical on both replicas, a re-sent block dropped, a server
# SIGKILLed and started again, ZooKeeper stopped and started again, a full stop and a warm
# start over the same data, a start after every process was SIGKILLed. Prints the start
# times and the cluster's memory; exits non-zero on the first failure.
#
#   deploy/cluster-selftest.sh
#
# Environment: PALABRE_CLUSTER_PORT (default 19800, so it never meets `make cluster`'s
# 19100), PALABRE_SELFTEST_DIR (default a fresh temporary dir), PALABRE_SELFTEST_KEEP=1 to
# leave the cluster running and its data in place.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cluster="$here/cluster.sh"
export PALABRE_CLUSTER_PORT=${PALABRE_CLUSTER_PORT:-19800}
export PALABRE_CLUSTER_SHARDS=2 PALABRE_CLUSTER_REPLICAS=2 PALABRE_CLUSTER_NAME=selftest
export PALABRE_DATA=${PALABRE_SELFTEST_DIR:-$(mktemp -d /tmp/palabre-cluster-selftest.XXXXXX)}
keep=${PALABRE_SELFTEST_KEEP:-}
rows=10000

log() { echo "selftest: $*" >&2; }
fail() {
	log "FAIL: $*"
	exit 1
}
cleanup() {
	local status=$?
	if [ -n "$keep" ]; then
		log "left running; data in $PALABRE_DATA (stop: PALABRE_DATA=$PALABRE_DATA PALABRE_CLUSTER_PORT=$PALABRE_CLUSTER_PORT $cluster stop)"
	else
		"$cluster" stop >/dev/null 2>&1 || true
		[ "$status" = 0 ] && rm -rf "$PALABRE_DATA"
		[ "$status" = 0 ] || log "data and logs left in $PALABRE_DATA/cluster"
	fi
	exit "$status"
}
trap cleanup EXIT

port() { echo $((PALABRE_CLUSTER_PORT + 10 * $1)); }
q() { # node, query
	clickhouse-client --host 127.0.0.1 --port "$(port "$1")" --connect_timeout 2 -q "$2"
}
expect() { # what, want, got
	[ "$3" = "$2" ] || fail "$1: want '$2', got '$3'"
	log "ok: $1 = $2"
}
now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc | xargs printf '%.1f'; }
rss_mb() {
	local pids
	pids=$(cat "$PALABRE_DATA"/cluster/node*/clickhouse.pid "$PALABRE_DATA"/cluster/zookeeper/zookeeper.pid | paste -sd,)
	ps -o rss= -p "$pids" | awk '{s += $1} END {printf "%.0f", s / 1024}'
}
sync_replicas() { # every server has fetched what its shard has
	local i
	for i in 1 2 3 4; do q "$i" "SYSTEM SYNC REPLICA st.answers_local" || fail "SYNC REPLICA on server $i"; done
}
# counts prints, per server, how many rows its local table holds (FINAL: after dedup).
counts() { local i; for i in 1 2 3 4; do printf '%s ' "$(q "$i" 'SELECT count() FROM st.answers_local FINAL')"; done; }
check_counts() { # total expected
	sync_replicas
	local c
	read -r -a c <<<"$(counts)"
	log "rows per server (s1r1 s1r2 s2r1 s2r2): ${c[*]}"
	[ "${c[0]}" = "${c[1]}" ] || fail "shard 1's replicas differ: ${c[0]} vs ${c[1]}"
	[ "${c[2]}" = "${c[3]}" ] || fail "shard 2's replicas differ: ${c[2]} vs ${c[3]}"
	((c[0] > 0 && c[2] > 0)) || fail "one shard is empty: ${c[*]}"
	expect "rows over both shards" "$1" "$((c[0] + c[2]))"
	expect "count() through the Distributed table" "$1" "$(q 3 'SELECT count() FROM st.answers FINAL')"
}
# insert writes responses FROM..FROM+N-1 through server I's Distributed table; the ids are
# derived from the numbers, so the same range always makes the same rows.
insert() { # server, from, n
	q "$1" "INSERT INTO st.answers SELECT toUUID(UUIDNumToString(MD5(toString(number)))) AS response_id, toUInt32(number) AS n, 1 AS version FROM numbers($2, $3)"
}

log "cluster in $PALABRE_DATA/cluster, base port $PALABRE_CLUSTER_PORT"

# 1. Cold start over an empty data dir.
t=$(now)
"$cluster" start
log "cold start: $(since "$t") s"
"$cluster" status || fail "status after start"
dsn=$("$cluster" dsn)
expect "dsn" "clickhouse://127.0.0.1:$(port 1),127.0.0.1:$(port 2),127.0.0.1:$(port 3),127.0.0.1:$(port 4)/palabre?connection_open_strategy=round_robin" "$dsn"

# 2. The cluster as every server sees it.
for i in 1 2 3 4; do
	expect "server $i: system.clusters" "1:1:$(port 1) 1:2:$(port 2) 2:1:$(port 3) 2:2:$(port 4)" \
		"$(q "$i" "SELECT arrayStringConcat(groupArray(concat(toString(shard_num), ':', toString(replica_num), ':', toString(port))), ' ') FROM (SELECT * FROM system.clusters WHERE cluster = 'selftest' ORDER BY shard_num, replica_num)")"
	s=$(((i - 1) / 2 + 1))
	r=$(((i - 1) % 2 + 1))
	expect "server $i: macros" "cluster=selftest replica=s${s}r${r} shard=$s" \
		"$(q "$i" "SELECT arrayStringConcat(groupArray(concat(macro, '=', substitution)), ' ') FROM (SELECT * FROM system.macros ORDER BY macro)")"
done

# 3. Schema ON CLUSTER: replicated local tables, a Distributed table sharded by response id.
q 1 "CREATE DATABASE IF NOT EXISTS st ON CLUSTER selftest" >/dev/null
q 1 "CREATE TABLE st.answers_local ON CLUSTER selftest (response_id UUID, n UInt32, version UInt64)
	ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/st/answers_local', '{replica}', version)
	ORDER BY response_id" >/dev/null
q 1 "CREATE TABLE st.answers ON CLUSTER selftest AS st.answers_local
	ENGINE = Distributed(selftest, st, answers_local, cityHash64(toString(response_id)))" >/dev/null
for i in 1 2 3 4; do expect "server $i: tables" "answers answers_local" "$(q "$i" "SELECT arrayStringConcat(groupArray(name), ' ') FROM (SELECT name FROM system.tables WHERE database = 'st' ORDER BY name)")"; done

# 4. Synchronous inserts through two different servers, spread over both shards.
insert 1 0 $((rows / 2))
insert 4 $((rows / 2)) $((rows / 2))
check_counts $rows
# The same block again: each shard's replicated table drops it.
insert 2 0 $((rows / 2))
expect "rows stored after re-sending a block" "$rows" "$(q 2 'SELECT count() FROM st.answers')"

# 5. A replica SIGKILLed: inserts and reads go on through the others, and it catches up.
"$cluster" kill-node 2
# With internal_replication the insert for shard 1 goes to a live replica; a connection
# already open to the dead one may fail the first try, which a retry repairs.
ok=
for try in 1 2 3; do
	if insert 3 $rows 1000 2>/dev/null; then ok=1; break; fi
	log "insert with server 2 down failed (try $try); retrying"
	sleep 1
done
[ -n "$ok" ] || fail "no insert succeeded with server 2 down"
for i in 1 3 4; do expect "server $i: count() with server 2 down" $((rows + 1000)) "$(q "$i" 'SELECT count() FROM st.answers')"; done
t=$(now)
"$cluster" start-node 2
q 2 "SYSTEM SYNC REPLICA st.answers_local"
log "server 2 restarted and caught up in $(since "$t") s"
check_counts $((rows + 1000))

# 6. ZooKeeper stopped: replicated tables turn read-only, reads go on; they turn writable
# again by themselves once it is back.
"$cluster" stop-zookeeper
t=$(now)
# The probe re-sends 10 stored rows as a new block: if it lands before the tables turn
# read-only, FINAL still counts each response once.
until ! insert 1 0 10 2>/dev/null; do
	(($(echo "$(now) - $t > 15" | bc))) && fail "inserts still succeed 15 s after ZooKeeper stopped"
	sleep 0.5
done
log "inserts refused $(since "$t") s after ZooKeeper stopped: $(insert 1 0 10 2>&1 | grep -o 'Code: [0-9]*' | head -n1 || true)"
expect "count() FINAL with ZooKeeper down" $((rows + 1000)) "$(q 4 'SELECT count() FROM st.answers FINAL')"
sleep 3
"$cluster" start-zookeeper
t=$(now)
until insert 1 $((rows + 1000)) 1000 2>/dev/null; do
	(($(echo "$(now) - $t > 60" | bc))) && fail "inserts still refused 60 s after ZooKeeper came back"
	sleep 0.5
done
log "inserts accepted again $(since "$t") s after ZooKeeper came back"
"$cluster" start >/dev/null # waits until no replicated table is read-only
check_counts $((rows + 2000))

# 7. A full stop, then a warm start over the same data dirs.
log "memory before stopping: ZooKeeper + 4 servers, RSS $(rss_mb) MB in all"
t=$(now)
"$cluster" stop
log "stop: $(since "$t") s"
if "$cluster" status 2>/dev/null; then fail "status says running after stop"; fi
for i in 1 2 3 4; do q "$i" 'SELECT 1' >/dev/null 2>&1 && fail "server $i still answers after stop"; done
t=$(now)
"$cluster" start
log "warm start: $(since "$t") s"
check_counts $((rows + 2000))
insert 2 $((rows + 2000)) 1000
check_counts $((rows + 3000))
# start again while running: everything is reused, nothing restarted.
before=$("$cluster" nodes | paste -sd' ')
t=$(now)
"$cluster" start 2>/dev/null
log "start while running (reuse): $(since "$t") s"
expect "servers (number shard replica tcp http pid) after a second start" "$before" "$("$cluster" nodes | paste -sd' ')"

# 8. Everything SIGKILLed (a crash), then started again: old ZooKeeper sessions expire, the
# replicas take their places back, nothing stored is lost.
for i in 1 2 3 4; do "$cluster" kill-node "$i"; done
"$cluster" kill-zookeeper
t=$(now)
"$cluster" start
log "start after a crash: $(since "$t") s"
check_counts $((rows + 3000))
insert 4 $((rows + 3000)) 1000
check_counts $((rows + 4000))

log "memory: ZooKeeper + 4 servers, RSS $(rss_mb) MB in all"
q 1 "DROP DATABASE st ON CLUSTER selftest" >/dev/null
log "PASS"
