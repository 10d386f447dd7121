package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/palabre/palabre/analytics/clickhouse"
	"github.com/palabre/palabre/analytics/seed"
	"github.com/palabre/palabre/survey"
)

// seedResponses generates realistic responses for the surveys in the catalog and writes them
// straight to ClickHouse. The same seed gives the same responses (same ids), so seeding
// twice stores them once.
func seedResponses(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	f := newFlags("seed", getenv, stdout)
	database := f.database()
	only := f.String("survey", "PALABRE_SEED_SURVEY", "", "seed only this survey (default: every survey in the catalog)")
	responses := f.Int64("responses", "PALABRE_SEED_RESPONSES", 0, "total responses per survey, spread over its editions (default: 26 per edition, as at the real meeting)")
	seedValue := f.Int64("seed", "PALABRE_SEED", 1, "selects the data set; the same seed gives the same responses")
	batch := f.Int64("batch", "PALABRE_SEED_BATCH", 20000, "responses per write")
	if err := f.parse(args); err != nil {
		return err
	}
	if *responses < 0 || *batch <= 0 {
		return usageError{"seed: --responses must be positive or 0, --batch positive"}
	}
	db, err := openMigrated(ctx, database.config())
	if err != nil {
		return err
	}
	defer db.Close()
	surveys, err := db.Surveys(ctx)
	if err != nil {
		return err
	}
	seeded := 0
	for _, s := range surveys {
		if *only != "" && s.ID != *only {
			continue
		}
		n, err := seedSurvey(ctx, db, s, seed.Options{Seed: uint64(*seedValue), Responses: int(*responses)}, int(*batch))
		if err != nil {
			return fmt.Errorf("seed %s: %w", s.ID, err)
		}
		fmt.Fprintf(stdout, "seeded %s: %d responses over %d editions\n", s.ID, n, len(s.Editions))
		seeded++
	}
	if seeded == 0 {
		return fmt.Errorf("seed: no survey %q in the catalog; import definitions first (palabre import --demo)", *only)
	}
	// A bulk load is over: merge each edition into one part so analytics count it fast.
	done, err := db.Compact(ctx, 0)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	if len(done) > 0 {
		fmt.Fprintf(stdout, "compacted %d partitions\n", len(done))
	}
	return nil
}

func seedSurvey(ctx context.Context, db *clickhouse.DB, s survey.Survey, opts seed.Options, batchSize int) (int, error) {
	var forms []*survey.Compiled
	seen := map[int]bool{}
	for _, e := range s.Editions {
		if seen[e.FormVersion] {
			continue
		}
		seen[e.FormVersion] = true
		f, err := db.Form(ctx, s.ID, e.FormVersion)
		if err != nil {
			return 0, err
		}
		cf, err := survey.Compile(f)
		if err != nil {
			return 0, err
		}
		forms = append(forms, cf)
	}
	// A volume asked with --responses may pass what an edition invited: say it invited as
	// many, so its response rate stays at most 100 %.
	for i, n := range seed.Counts(s.Editions, opts) {
		if e := s.Editions[i]; e.Invited > 0 && n > e.Invited {
			e.Invited = n
			if err := db.SaveEdition(ctx, e); err != nil {
				return 0, err
			}
		}
	}
	total := 0
	batch := make([]*survey.Response, 0, batchSize)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		wctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		defer cancel()
		err := db.WriteResponses(wctx, batch)
		total += len(batch)
		batch = batch[:0]
		return err
	}
	err := seed.Generate(forms, s.Editions, opts, func(r *survey.Response) error {
		batch = append(batch, r)
		if len(batch) == batchSize {
			return flush()
		}
		return nil
	})
	if err != nil {
		return total, err
	}
	return total, flush()
}
