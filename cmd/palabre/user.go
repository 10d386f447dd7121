package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/palabre/palabre/analytics/clickhouse"
	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/access"
)

const userUsage = `usage: palabre user add --email E --role admin|coordinator [--surveys a,b] [--name N]
       palabre user reset --email E
       palabre user list
       palabre user disable --email E
       palabre user enable --email E
       palabre user token --email E [--name N]
       palabre user tokens --email E
       palabre user revoke-token --email E --id ID`

// user manages the accounts of the console and the API. No password goes through the command
// line: add and reset print an invitation link by which the user sets their own. token prints
// a new personal API token, once; tokens lists a user's tokens, revoke-token revokes one.
func user(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stdout, userUsage)
		return nil
	}
	sub := args[0]
	if !slices.Contains([]string{"add", "reset", "list", "disable", "enable", "token", "tokens", "revoke-token"}, sub) {
		return usageError{fmt.Sprintf("user: unknown action %q\n%s", sub, userUsage)}
	}
	f := newFlags("user "+sub, getenv, stdout)
	database := f.database()
	addr := getenv("PALABRE_ADDR")
	if addr == "" {
		addr = defaultAddr
	}
	baseURL := f.String("base-url", "PALABRE_BASE_URL", "http://"+addr, "the address users open palabre at, to print invitation links")
	var email, role, surveys, name, tokenID *string
	var ifMissing *bool
	if sub != "list" {
		email = f.FlagSet.String("email", "", "the user's e-mail address")
	}
	if sub == "add" {
		role = f.FlagSet.String("role", "", "admin (users and keys, every survey) or coordinator")
		surveys = f.FlagSet.String("surveys", "", "a coordinator's surveys, comma-separated (default: all)")
		name = f.FlagSet.String("name", "", "the user's name, as the console shows it")
		ifMissing = f.FlagSet.Bool("if-missing", false, "when the account exists, add nothing: print a new link to set its password if none was set yet, else where to sign in (make run uses it)")
	}
	if sub == "token" {
		name = f.FlagSet.String("name", "", "what the token is for, to recognise it in palabre user tokens")
	}
	if sub == "revoke-token" {
		tokenID = f.FlagSet.String("id", "", "the token's id, as palabre user tokens shows it")
	}
	if err := f.parse(args[1:]); err != nil {
		return err
	}
	if email != nil && strings.TrimSpace(*email) == "" {
		return usageError{fmt.Sprintf("user %s: --email is required", sub)}
	}
	if tokenID != nil && strings.TrimSpace(*tokenID) == "" {
		return usageError{"user revoke-token: --id is required (palabre user tokens lists them)"}
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	db, err := openMigrated(ctx, database.config())
	if err != nil {
		return err
	}
	defer db.Close()
	svc := access.New(db.Access())
	link := func(token string) string { return strings.TrimRight(*baseURL, "/") + "/console/invite/" + token }
	ttl := access.DefaultLimits.InvitationTTL
	switch sub {
	case "add":
		r, err := access.ParseRole(*role)
		if err != nil {
			return usageError{"user add: --role must be admin or coordinator"}
		}
		list := splitList(*surveys)
		if r == access.Admin && len(list) > 0 {
			return usageError{"user add: an admin sees every survey; --surveys is for coordinators"}
		}
		u, token, err := svc.AddUser(ctx, access.NewUser{Email: *email, Name: *name, Role: r, Surveys: list})
		if errors.Is(err, access.ErrEmailTaken) && *ifMissing {
			return existingUser(ctx, svc, *email, strings.TrimRight(*baseURL, "/"), link, stdout)
		}
		if err != nil {
			return userError(sub, *email, err)
		}
		fmt.Fprintf(stdout, "added %s %s (%s)\n", u.Role, u.Email, surveysText(u))
		warnUnknownSurveys(ctx, db, u.Surveys, stdout)
		fmt.Fprintf(stdout, "send them this link to set their password (it works once, for %d days):\n%s\n", int(ttl.Hours()/24), link(token))
	case "reset":
		token, err := svc.Invite(ctx, *email)
		if err != nil {
			return userError(sub, *email, err)
		}
		fmt.Fprintf(stdout, "send this link to %s to set a new password (it works once, for %d days; earlier links no longer work):\n%s\n",
			strings.ToLower(strings.TrimSpace(*email)), int(ttl.Hours()/24), link(token))
	case "disable", "enable":
		u, err := svc.SetDisabled(ctx, *email, sub == "disable")
		if err != nil {
			return userError(sub, *email, err)
		}
		if sub == "disable" {
			fmt.Fprintf(stdout, "disabled %s: its sessions and API tokens are revoked\n", u.Email)
		} else {
			fmt.Fprintf(stdout, "enabled %s (sessions and API tokens revoked earlier stay revoked)\n", u.Email)
		}
	case "list":
		return listUsers(ctx, svc, stdout)
	case "token", "tokens", "revoke-token":
		u, err := svc.User(ctx, *email)
		if err != nil {
			return userError(sub, *email, err)
		}
		switch sub {
		case "token":
			return newToken(ctx, svc, u, *name, stdout)
		case "tokens":
			return listTokens(ctx, svc, u, stdout)
		default:
			if err := svc.RevokeToken(ctx, u.ID, strings.TrimSpace(*tokenID)); errors.Is(err, access.ErrNotFound) {
				return usageError{fmt.Sprintf("user revoke-token: %s has no token %q (palabre user tokens --email %s)", u.Email, *tokenID, u.Email)}
			} else if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "revoked token %s of %s: requests with it are refused from now on\n", strings.TrimSpace(*tokenID), u.Email)
		}
	}
	return nil
}

// newToken prints a new personal API token of u, on a line of its own so that a script can
// take it. It is shown this once: palabre keeps only its hash.
func newToken(ctx context.Context, svc *access.Service, u access.User, name string, stdout io.Writer) error {
	if u.Disabled {
		return usageError{fmt.Sprintf("user token: %s is disabled (palabre user enable --email %s)", u.Email, u.Email)}
	}
	raw, t, err := svc.CreateToken(ctx, u, name)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "new API token %s for %s (%s, %s); it is shown only now, keep it as a password:\n%s\n",
		t.ID, u.Email, u.Role, surveysText(u), raw)
	fmt.Fprintf(stdout, "send it in the header \"Authorization: Bearer <token>\"; revoke it with palabre user revoke-token --email %s --id %s\n",
		u.Email, t.ID)
	return nil
}

func listTokens(ctx context.Context, svc *access.Service, u access.User, stdout io.Writer) error {
	list, err := svc.Tokens(ctx, u.ID)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		fmt.Fprintf(stdout, "%s has no API token: palabre user token --email %s\n", u.Email, u.Email)
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tCREATED\tLAST USED\tSTATE")
	for _, t := range list {
		used, state := "never", "active"
		if !t.LastUsed.IsZero() {
			used = t.LastUsed.UTC().Format("2006-01-02 15:04")
		}
		if t.Revoked {
			state = "revoked"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Created.UTC().Format(time.DateOnly), used, state)
	}
	return tw.Flush()
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func surveysText(u access.User) string {
	if u.Role == access.Admin || len(u.Surveys) == 0 {
		return "all surveys"
	}
	return "surveys " + strings.Join(u.Surveys, ", ")
}

// warnUnknownSurveys notes the surveys not in the catalog (they may be imported later).
func warnUnknownSurveys(ctx context.Context, db *clickhouse.DB, ids []string, stdout io.Writer) {
	if len(ids) == 0 {
		return
	}
	known, err := db.Surveys(ctx)
	if err != nil {
		return
	}
	for _, id := range ids {
		if !slices.ContainsFunc(known, func(s survey.Survey) bool { return s.ID == id }) {
			fmt.Fprintf(stdout, "note: survey %q is not in the catalog yet\n", id)
		}
	}
}

// userError turns the access errors a person can fix into usage errors.
func userError(sub, email string, err error) error {
	switch {
	case errors.Is(err, access.ErrNotFound):
		return usageError{fmt.Sprintf("user %s: no account for %q", sub, email)}
	case errors.Is(err, access.ErrEmailTaken):
		return usageError{fmt.Sprintf("user %s: %q already has an account (palabre user reset sends a new link)", sub, email)}
	case errors.Is(err, access.ErrBadEmail):
		return usageError{fmt.Sprintf("user %s: %q is not an e-mail address", sub, email)}
	}
	return err
}

func listUsers(ctx context.Context, svc *access.Service, stdout io.Writer) error {
	users, err := svc.Users(ctx)
	if err != nil {
		return err
	}
	if len(users) == 0 {
		fmt.Fprintln(stdout, "no user yet: palabre user add --email E --role admin")
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EMAIL\tNAME\tROLE\tSURVEYS\tSTATE\tCREATED")
	for _, u := range users {
		state := "active"
		switch {
		case u.Disabled:
			state = "disabled"
		case u.PasswordHash == "":
			state = "invited"
		}
		surveys := "all"
		if u.Role == access.Coordinator && len(u.Surveys) > 0 {
			surveys = strings.Join(u.Surveys, ",")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.Email, u.Name, u.Role, surveys, state, u.Created.Format(time.DateOnly))
	}
	return tw.Flush()
}

// existingUser tells how the owner of an existing account gets into the console: a new link
// to set a password when none was set yet (the earlier link cannot be shown again), else the
// address to sign in at.
func existingUser(ctx context.Context, svc *access.Service, email, base string, link func(string) string, stdout io.Writer) error {
	u, err := svc.User(ctx, email)
	if err != nil {
		return userError("add", email, err)
	}
	if u.PasswordHash != "" {
		fmt.Fprintf(stdout, "%s already has an account: sign in at %s/console\n", u.Email, base)
		return nil
	}
	token, err := svc.Invite(ctx, u.Email)
	if err != nil {
		return userError("add", email, err)
	}
	fmt.Fprintf(stdout, "%s has an account without a password yet: set it with this link (it works once, for %d days):\n%s\n",
		u.Email, int(access.DefaultLimits.InvitationTTL.Hours()/24), link(token))
	return nil
}
