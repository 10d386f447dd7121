// Package web serves palabre over HTTP with Gin: the middleware every route shares (request
// ids, access logs, panic recovery, body limits), health and readiness probes, the mapping
// of domain errors to HTTP statuses, and the participant's forms and JSON API.
package web
