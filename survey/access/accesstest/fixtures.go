package accesstest

import (
	"context"

	"github.com/palabre/palabre/survey/access"
)

// CheapParams hash passwords in a fraction of a millisecond: for tests only.
var CheapParams = access.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// NewService returns an access service over a new in-memory store, hashing with CheapParams.
func NewService(opts ...access.Option) *access.Service {
	return access.New(NewMemory(), append([]access.Option{access.WithParams(CheapParams)}, opts...)...)
}

// Coordinator adds a coordinator of surveys (every survey when none) to svc and gives them a
// personal API token; it returns the account, the token's value and its id. It panics when
// svc refuses, as fixtures do.
func Coordinator(svc *access.Service, email string, surveys ...string) (access.User, string, string) {
	ctx := context.Background()
	u, _, err := svc.AddUser(ctx, access.NewUser{Email: email, Role: access.Coordinator, Surveys: surveys})
	if err != nil {
		panic(err)
	}
	raw, t, err := svc.CreateToken(ctx, u, "tests")
	if err != nil {
		panic(err)
	}
	return u, raw, t.ID
}
