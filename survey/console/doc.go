// Package console is the coordinators' web console at /console: signing in, and the pages
// where coordinators and admins do their year's work. It is server-rendered (Gin and
// html/template), works without JavaScript, fits a 360 px screen and speaks French, English
// and Spanish.
//
// The console itself owns the frame: sessions (the cookie access.SessionCookie, HttpOnly,
// SameSite=Lax, Secure under TLS), login and logout, the page where an invited user sets a
// password, CSRF protection of every state-changing request, the layout and its words.
// Sections (surveys, editions, responses, reports, users…) add their pages with Mount: they
// are reached only by signed-in users, their POSTs only with the session's CSRF token, and
// they write what they change to the audit log through Console.Audit.
//
// A session's CSRF token is derived from its id (SHA-256 of a label and the id), so every
// palabre process serving the same database accepts it and nothing is kept in memory. Forms
// shown before there is a session (login, setting a password) use a random token in a
// SameSite=Strict cookie repeated in the form.
package console
