// Package clickhouse is palabre's ClickHouse adapter, the only code that speaks to ClickHouse:
// connection, schema migrations, the batch insert of responses and answers, the survey
// catalog, the analytics queries, and the state of access control (users, sessions, API
// tokens, invitations, failed logins: AccessStore).
//
// Its SQL is the subset that ClickHouse 18.16 (Debian's package, used by the tests) and
// current releases both accept. Inserts go through an external table ("INSERT INTO t SELECT
// … FROM batch"), the one batch path that works on both; reads bind every value.
package clickhouse
