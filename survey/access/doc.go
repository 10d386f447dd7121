// Package access says who may do what in palabre: users and their roles, sessions, personal
// API tokens, invitations to set a password, and login throttling.
//
// A user is an admin (manages users and keys, sees every survey) or a coordinator (sees every
// survey, or only the surveys listed on their account); Authorize is the one check. Nobody
// types a password on a command line: a user is invited, and sets their own password through a
// single-use link. Passwords are hashed with argon2id (see DefaultParams) and stored as PHC
// strings; a stored hash made with other parameters is replaced at the next login.
//
// Every secret handed out (invitation, session id, API token) is 32 random bytes shown once;
// only its SHA-256 is stored, so a copy of the database opens nothing. All state lives behind
// Store, whose ClickHouse implementation (analytics/clickhouse) lets several palabre
// processes share users, sessions, tokens and failed-login counts: a login on one process is
// valid on the others, a revocation or a lock on one holds on all.
//
// Package gate (survey/access/gate) applies these rules to the API's requests: who makes one
// (a personal API token, the console's session for reading, or the deprecated shared token),
// and the 401 and 403 answers.
package access
