// Package invite gives the editions taken "by invitation" their single-use participant links.
//
// A coordinator generates N invitations to an edition; each is a random token (32 bytes,
// URL-safe base64) put in a link to the edition's form. Only the SHA-256 of a token is
// stored, so the links exist only in what generation returned (the CSV, the printable
// page): they cannot be shown again, only new ones generated.
//
// A participant's response spends its token: the token is claimed when the response is
// accepted, and the claim is given back when the response could not be stored. A response
// keeps no trace of its token (neither the token, nor its hash, nor anything derived from
// it is stored with the answers or in the journal, and the response id is chosen apart from
// it), and a claim records neither the response nor the time: the answers stay anonymous.
package invite
