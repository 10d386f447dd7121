package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/palabre/palabre/analytics"
	"github.com/palabre/palabre/analytics/clickhouse"
	"github.com/palabre/palabre/reports"
	"github.com/palabre/palabre/reports/links"
	"github.com/palabre/palabre/reports/publish"
)

// share publishes a dashboard for funders and prints its link, or lists, refreshes and
// revokes published dashboards, or rotates the key that signs their links.
func share(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	f := newFlags("share", getenv, stdout)
	database := f.database()
	data := f.String("data", "PALABRE_DATA", defaultDataDir, "data directory (publications and link keys kept there by earlier versions are copied into the database)")
	addr := getenv("PALABRE_ADDR")
	if addr == "" {
		addr = defaultAddr
	}
	baseURL := f.String("base-url", "PALABRE_BASE_URL", "http://"+addr, "the address funders open palabre at, to print links")
	threshold := f.Int64("min-cell", "PALABRE_MIN_CELL", int64(analytics.DefaultThreshold), "smallest number of respondents a figure shown to funders may rest on")
	surveyID := f.FlagSet.String("survey", "", "the survey to publish")
	editions := f.FlagSet.String("editions", "", "editions shown: 2024-2026, 2024,2026 (default: all)")
	by := f.FlagSet.String("by", "country,edition", "breakdown of every table (role or language only where every cell reaches --min-cell)")
	var filters []string
	f.FlagSet.Func("filter", "keep only these values, e.g. country=SN,PE (repeatable)", func(v string) error {
		filters = append(filters, v)
		return nil
	})
	questions := f.FlagSet.String("questions", "", "question keys shown, comma-separated (default: all)")
	lang := f.FlagSet.String("lang", "fr", "the page's default language: fr, en or es")
	expires := f.FlagSet.String("expires", "90d", "how long the link works: 90d, 2w, 720h or never")
	refresh := f.FlagSet.String("refresh", "", "compute the figures again this often while palabre serve runs, e.g. 24h (default: never)")
	reuse := f.FlagSet.Bool("reuse", false, "print the link of a live dashboard of the same scope instead of publishing another")
	list := f.FlagSet.Bool("list", false, "list published dashboards")
	revoke := f.FlagSet.String("revoke", "", "end a dashboard's link: its id, token or URL")
	refreshNow := f.FlagSet.String("refresh-now", "", "compute a dashboard's figures again now: its id")
	rotate := f.FlagSet.Bool("rotate-key", false, "sign new links with a new key (older links keep working)")
	retire := f.FlagSet.String("retire-key", "", "stop accepting the links signed with this key id")
	if err := f.parse(args); err != nil {
		return err
	}
	// Dashboards and link keys live in the database (those of the data directory not yet
	// there are copied first).
	db, err := openMigrated(ctx, database.config(func(c *clickhouse.Config) { c.ReadTimeout = 10 * time.Minute }))
	if err != nil {
		return err
	}
	defer db.Close()
	var builder *reports.Builder
	if *surveyID != "" || *refreshNow != "" {
		builder = reports.NewBuilder(db, analytics.NewService(db, db, int(*threshold)), buildVersion())
	}
	store, keys, err := openDashboards(ctx, db, *data, builder, nil)
	if err != nil {
		return err
	}
	base := strings.TrimRight(*baseURL, "/")
	switch {
	case *rotate:
		kid, err := keys.Rotate()
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "new links are signed with key %s; older links keep working until their key is retired\n", kid)
		return nil
	case *retire != "":
		if err := keys.Retire(*retire); err != nil {
			if errors.Is(err, links.ErrCurrentKey) || errors.Is(err, links.ErrUnknownKey) {
				return usageError{"share: " + err.Error()}
			}
			return err
		}
		fmt.Fprintf(stdout, "links signed with key %s no longer open (within %s on every palabre serve)\n", *retire, publish.RevocationDelay)
		return nil
	}
	switch {
	case *list:
		return listDashboards(store, base, stdout)
	case *revoke != "":
		p, err := store.Revoke(*revoke)
		if errors.Is(err, publish.ErrNotFound) {
			return usageError{fmt.Sprintf("share: no dashboard %q", *revoke)}
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked %s (%s): its link now answers 410\n", p.ID, p.Title)
		return nil
	case *refreshNow != "":
		p, err := store.Refresh(ctx, *refreshNow)
		if errors.Is(err, publish.ErrNotFound) {
			return usageError{fmt.Sprintf("share: no dashboard %q", *refreshNow)}
		}
		if err != nil {
			return reportError(err)
		}
		fmt.Fprintf(stdout, "refreshed %s: %s/d/%s\n", p.ID, base, p.Token)
		return nil
	case *surveyID == "":
		return usageError{"share: --survey is required to publish (or --list, --revoke, --refresh-now, --rotate-key)"}
	}
	scope, err := shareScope(*surveyID, *editions, *by, filters, *questions, *lang)
	if err != nil {
		return err
	}
	var opts publish.Options
	if opts.Expires, err = publish.ParseDuration(*expires); err != nil {
		return usageError{"share: --expires: " + err.Error()}
	}
	if opts.Refresh, err = publish.ParseDuration(*refresh); err != nil || opts.Refresh < 0 {
		return usageError{fmt.Sprintf("share: --refresh %q: want a duration like 24h or 7d", *refresh)}
	}
	if *reuse {
		if p := liveDashboard(store, scope); p != nil {
			fmt.Fprintf(stdout, "dashboard %s (%s), published %s\n%s/d/%s\n", p.ID, p.Title,
				p.Published.Format("2006-01-02 15:04 MST"), base, p.Token)
			return nil
		}
	}
	start := time.Now()
	p, err := store.Publish(ctx, scope, opts)
	if err != nil {
		return reportError(err)
	}
	fmt.Fprintf(stdout, "published %s (%s) in %.1f s\n", p.ID, p.Title, time.Since(start).Seconds())
	if !p.Expires.IsZero() {
		fmt.Fprintf(stdout, "the link works until %s\n", p.Expires.Format("2006-01-02 15:04 MST"))
	}
	fmt.Fprintf(stdout, "%s/d/%s\n", base, p.Token)
	return nil
}

// shareScope reads the command line's scope.
func shareScope(surveyID, editions, by string, filters []string, questions, lang string) (publish.Scope, error) {
	req, err := reportRequest(surveyID, editions, by, filters, lang, string(analytics.Funder))
	if err != nil {
		return publish.Scope{}, usageError{strings.Replace(err.Error(), "report:", "share:", 1)}
	}
	scope := publish.Scope{Survey: surveyID, By: req.By, Language: lang, Filter: analytics.Filter{}}
	for d, v := range req.Filter {
		if d == analytics.Edition {
			for _, y := range v {
				n, _ := strconv.Atoi(y)
				scope.Editions = append(scope.Editions, n)
			}
			continue
		}
		scope.Filter[d] = v
	}
	for _, q := range strings.Split(questions, ",") {
		if q = strings.TrimSpace(q); q != "" {
			scope.Questions = append(scope.Questions, q)
		}
	}
	return scope, nil
}

// liveDashboard is the newest publication of scope whose link works, or nil.
func liveDashboard(store *publish.Store, scope publish.Scope) *publish.Publication {
	list, err := store.List()
	if err != nil {
		return nil
	}
	want, _ := publish.Canonical(scope)
	now := time.Now()
	for _, p := range list {
		if p.Scope.String() == want && p.Revoked.IsZero() && (p.Expires.IsZero() || now.Before(p.Expires)) {
			return &p
		}
	}
	return nil
}

func listDashboards(store *publish.Store, base string, stdout io.Writer) error {
	list, err := store.List()
	if err != nil {
		return err
	}
	if len(list) == 0 {
		fmt.Fprintln(stdout, "no dashboard published yet: palabre share --survey ID")
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSURVEY\tSCOPE\tPUBLISHED\tEXPIRES\tSTATE\tLINK")
	now := time.Now()
	for _, p := range list {
		state := "live"
		switch {
		case !p.Revoked.IsZero():
			state = "revoked " + p.Revoked.Format(time.DateOnly)
		case !p.Expires.IsZero() && !now.Before(p.Expires):
			state = "expired"
		}
		expires := "never"
		if !p.Expires.IsZero() {
			expires = p.Expires.Format(time.DateOnly)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s/d/%s\n", p.ID, p.Scope.Survey, p.Scope.String(),
			p.Published.Format("2006-01-02 15:04"), expires, state, base, p.Token)
	}
	return tw.Flush()
}
