// Package links signs and verifies the links that open a published dashboard: /d/{token}.
//
// A token carries a publication id, the publication's scope (as an opaque canonical string),
// when it was issued and when it expires, and is signed with HMAC-SHA256 under a key named by
// a short key id:
//
//	v1.<kid>.<base64url(payload)>.<base64url(HMAC-SHA256(key, "v1.<kid>.<base64url(payload)>"))>
//
// Base64url is without padding, so a token uses only [A-Za-z0-9_.-] and needs no escaping in a
// URL. The payload is a fixed binary layout (see encodePayload). Verify accepts only what Sign
// produces byte for byte: it checks the MAC in constant time, decodes strictly and re-encodes
// the claims, so a token with padding, a line break, non-canonical base64 or trailing data is
// refused like a forged one.
//
// Keys live in a Keyring, a JSON file readable by its owner only. Rotate makes a new key sign
// from then on while the older keys still verify; Retire deletes an old key's secret, and every
// link it signed stops working. The file is rewritten atomically, and a Keyring notices when
// another process (palabre share --rotate-key beside palabre serve) changed it.
//
// Threat model. A token is a bearer secret: whoever holds the URL sees the dashboard until
// the link expires, its publication is revoked, or its key is retired. This package makes
// tokens unforgeable and unalterable (a funder cannot widen a scope, point a link at another
// publication or extend its life) for anyone who does not hold the key file. It does not keep
// tokens secret: the HTTP layer must keep them out of access logs and error reports and send
// Referrer-Policy: no-referrer, and revocation of a single publication lives in the
// publication store, not here. Whoever can read the key file can sign any link: keep it 0600
// (OpenKeyring refuses a file that group or others may read or write), and rotate then retire
// keys if it may have leaked.
package links
