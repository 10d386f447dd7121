// Package clickhouse is palabre's ClickHouse adapter, the only code that speaks to ClickHouse:
// connection, schema migrations, the batch insert of responses and answers, the survey
// catalog, the analytics queries, and the state of access control (users, sessions, API
// tokens, invitations, failed logins: AccessStore).
//
// Its SQL is the subset that ClickHouse 18.16 (Debian's package, used by the tests) and
// current releases both accept. Inserts go through an external table ("INSERT INTO t SELECT
// … FROM batch"), the one batch path that works on both; reads bind every value.
//
// With Config.Cluster it runs over a ClickHouse cluster instead of one server: the same
// migrations, rendered as replicated tables on every node and, for responses and answers,
// replicated local tables sharded by response id behind Distributed tables of the usual
// names (cluster.go); the same queries; writes that return once their shard holds them;
// erasure and compaction node by node; and CopyFrom to move a single server's database onto
// a cluster.
package clickhouse
