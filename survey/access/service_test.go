package access_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/palabre/palabre/survey/access"
	"github.com/palabre/palabre/survey/access/accesstest"
)

// countingStore counts the session writes of the store it wraps.
type countingStore struct {
	*accesstest.Memory
	sessionWrites int
}

func (c *countingStore) SaveSession(ctx context.Context, s access.Session) error {
	c.sessionWrites++
	return c.Memory.SaveSession(ctx, s)
}

func newService(t *testing.T) (*access.Service, *countingStore, *time.Time) {
	t.Helper()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	store := &countingStore{Memory: accesstest.NewMemory()}
	return access.New(store, access.WithParams(cheap), access.WithClock(func() time.Time { return now })), store, &now
}

func addUser(t *testing.T, svc *access.Service, email, password string) access.User {
	t.Helper()
	_, token, err := svc.AddUser(context.Background(), access.NewUser{Email: email, Role: access.Coordinator})
	if err != nil {
		t.Fatal(err)
	}
	u, err := svc.AcceptInvitation(context.Background(), token, password)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestLockLastsTheWindow: the 20th failure locks the account; attempts while locked are not
// counted (so they do not extend the lock), and the lock ends when the failures leave the
// 15-minute window.
func TestLockLastsTheWindow(t *testing.T) {
	svc, _, now := newService(t)
	ctx := context.Background()
	addUser(t, svc, "ana@example.org", "ana's password")
	for i := range 19 {
		if _, err := svc.Login(ctx, "ana@example.org", "wrong", ""); !errors.Is(err, access.ErrBadCredentials) {
			t.Fatalf("failure %d: %v", i+1, err)
		}
	}
	if _, err := svc.Login(ctx, "ana@example.org", "ana's password", ""); err != nil {
		t.Fatalf("after 19 failures: %v", err)
	}
	svc.Login(ctx, "ana@example.org", "wrong", "")
	*now = now.Add(10 * time.Minute)
	for range 5 {
		if _, err := svc.Login(ctx, "ana@example.org", "ana's password", ""); !errors.Is(err, access.ErrLocked) {
			t.Fatalf("after 20 failures: %v", err)
		}
	}
	*now = now.Add(5 * time.Minute)
	if _, err := svc.Login(ctx, "ana@example.org", "ana's password", ""); !errors.Is(err, access.ErrLocked) {
		t.Errorf("15 minutes after the failures: %v", err)
	}
	*now = now.Add(time.Second)
	if _, err := svc.Login(ctx, "ana@example.org", "ana's password", ""); err != nil {
		t.Errorf("15 minutes and a second after the failures: %v", err)
	}
}

// TestSessionSeenAtMostOncePerMinute: a session's last visit is written once a minute at
// most, not on every request.
func TestSessionSeenAtMostOncePerMinute(t *testing.T) {
	svc, store, now := newService(t)
	ctx := context.Background()
	u := addUser(t, svc, "ana@example.org", "ana's password")
	id, _, err := svc.StartSession(ctx, u, "")
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		*now = now.Add(5 * time.Second)
		if _, _, err := svc.Session(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if store.sessionWrites != 1 {
		t.Errorf("%d session writes in 50 s, want 1 (the login)", store.sessionWrites)
	}
	*now = now.Add(10 * time.Second)
	_, s, _ := svc.Session(ctx, id)
	if store.sessionWrites != 2 || !s.LastSeen.Equal(*now) {
		t.Errorf("a minute after login: %d writes, last seen %v", store.sessionWrites, s.LastSeen)
	}
}

func TestAdminHasNoSurveyList(t *testing.T) {
	svc, _, _ := newService(t)
	u, _, err := svc.AddUser(context.Background(), access.NewUser{Email: "root@example.org", Role: access.Admin, Surveys: []string{"families"}})
	if err != nil || u.Surveys != nil || !access.Authorize(u, "anything") {
		t.Errorf("admin %+v, %v", u, err)
	}
}

func TestUserLogValueHidesTheHash(t *testing.T) {
	var buf strings.Builder
	log := slog.New(slog.NewTextHandler(&buf, nil))
	u := access.User{ID: "u1", Email: "ana@example.org", Role: access.Admin, PasswordHash: "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5"}
	log.Info("login", slog.Any("user", u))
	if strings.Contains(buf.String(), "argon2id") || !strings.Contains(buf.String(), "user.email=ana@example.org") {
		t.Errorf("logged %s", buf.String())
	}
}

func TestMemoryStoreContract(t *testing.T) { accesstest.StoreContract(t, accesstest.NewMemory()) }

// TestUpdateUser changes roles and surveys with AddUser's rules, and keeps an enabled admin.
func TestUpdateUser(t *testing.T) {
	svc, _, _ := newService(t)
	ctx := context.Background()
	root, _, err := svc.AddUser(ctx, access.NewUser{Email: "root@example.org", Role: access.Admin})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.AddUser(ctx, access.NewUser{Email: "ana@example.org", Role: access.Coordinator}); err != nil {
		t.Fatal(err)
	}
	u, err := svc.UpdateUser(ctx, "Ana@example.org", access.Coordinator, []string{" families", "partners", "families", ""})
	if err != nil || !slices.Equal(u.Surveys, []string{"families", "partners"}) || access.Authorize(u, "other") {
		t.Fatalf("limited to two surveys: %+v, %v", u, err)
	}
	if got, _ := svc.User(ctx, "ana@example.org"); !slices.Equal(got.Surveys, u.Surveys) {
		t.Errorf("stored %+v", got)
	}
	if u, err = svc.UpdateUser(ctx, "ana@example.org", access.Admin, []string{"families"}); err != nil || u.Role != access.Admin || u.Surveys != nil {
		t.Fatalf("made admin: %+v, %v", u, err)
	}
	if _, err := svc.UpdateUser(ctx, "ana@example.org", "owner", nil); !errors.Is(err, access.ErrBadRole) {
		t.Errorf("role owner: %v", err)
	}
	if _, err := svc.UpdateUser(ctx, "nobody@example.org", access.Admin, nil); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("unknown account: %v", err)
	}
	// Two enabled admins: one may step down; the other then may not.
	if _, err := svc.UpdateUser(ctx, "ana@example.org", access.Coordinator, nil); err != nil {
		t.Fatalf("one of two admins steps down: %v", err)
	}
	if _, err := svc.UpdateUser(ctx, root.Email, access.Coordinator, nil); !errors.Is(err, access.ErrLastAdmin) {
		t.Errorf("the last admin steps down: %v", err)
	}
	// A disabled admin does not count as one who can manage users.
	svc.UpdateUser(ctx, "ana@example.org", access.Admin, nil)
	svc.SetDisabled(ctx, "ana@example.org", true)
	if _, err := svc.UpdateUser(ctx, root.Email, access.Coordinator, nil); !errors.Is(err, access.ErrLastAdmin) {
		t.Errorf("the last enabled admin steps down: %v", err)
	}
	if u, err := svc.UpdateUser(ctx, "ana@example.org", access.Coordinator, nil); err != nil || u.Role != access.Coordinator || !u.Disabled {
		t.Errorf("a disabled admin becomes a coordinator: %+v, %v", u, err)
	}
	if got, _ := svc.UserByID(ctx, root.ID); got.Email != root.Email || got.Role != access.Admin {
		t.Errorf("by id: %+v", got)
	}
}
