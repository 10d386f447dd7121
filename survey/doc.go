// Package survey is palabre's domain: surveys, their yearly editions, versioned forms with
// their questions and choices, and the responses participants submit.
//
// It depends on the standard library only. Storage, the web and the journal live in
// subpackages or in other top-level packages and implement the interfaces declared here
// (Catalog, Sink).
package survey
