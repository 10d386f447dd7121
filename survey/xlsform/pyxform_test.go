package xlsform

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/palabre/palabre/survey"
)

// loadExample reads and compiles a workbook as palabre import does: nil when it loads,
// else the first problem.
func loadExample(path string, opts ReadOptions) (*Result, error) {
	res, err := ReadFileWith(path, opts)
	if err != nil {
		return nil, err
	}
	if _, err := survey.Compile(res.Form); err != nil {
		var de *survey.DefinitionError
		if !errors.As(err, &de) {
			return nil, err
		}
		for i := range de.Problems {
			de.Problems[i].Source = res.Source(de.Problems[i].Field)
		}
		return nil, de
	}
	return res, nil
}

func firstReason(err error) string {
	var de *survey.DefinitionError
	if errors.As(err, &de) && len(de.Problems) > 0 {
		return strings.TrimPrefix(de.Problems[0].String(), "testdata/pyxform/")
	}
	return err.Error()
}

// TestPyxformExamples reads the example forms of pyxform, the XLSForm reference converter
// (testdata/pyxform): how many load as they are, how many load leaving out what palabre
// cannot collect, and the first reason of each refused one. The counts are floors: a
// change that loads fewer fails.
func TestPyxformExamples(t *testing.T) {
	const (
		wantLoad = 29
		wantDrop = 39
	)
	files, err := filepath.Glob("testdata/pyxform/*.xlsx")
	if err != nil || len(files) != 44 {
		t.Fatalf("%d example workbooks, want 44 (%v)", len(files), err)
	}
	var load, drop int
	var table strings.Builder
	for _, f := range files {
		name := filepath.Base(f)
		_, plainErr := loadExample(f, ReadOptions{})
		res, dropErr := loadExample(f, ReadOptions{DropUnsupported: true})
		status := "loads"
		switch {
		case plainErr == nil:
			load++
		case dropErr == nil:
			var types []string
			for _, d := range res.Dropped {
				if typ := strings.Fields(d.Type + " -")[0]; !slices.Contains(types, typ) {
					types = append(types, typ)
				}
			}
			status = fmt.Sprintf("loads dropping %d (%s); as it is: %s", len(res.Dropped), strings.Join(types, " "), firstReason(plainErr))
		default:
			status = "refused: " + firstReason(dropErr)
			if a, b := firstReason(plainErr), firstReason(dropErr); a != b {
				status += "; as it is: " + a
			}
		}
		if dropErr == nil {
			drop++
			if plainErr == nil && len(res.Dropped) > 0 {
				t.Errorf("%s loads as it is, yet %d questions are dropped with DropUnsupported", name, len(res.Dropped))
			}
		}
		fmt.Fprintf(&table, "\n%-42s %s", name, status)
	}
	t.Logf("pyxform examples:%s", table.String())
	t.Logf("%d of %d load; %d of %d load with DropUnsupported", load, len(files), drop, len(files))
	if load < wantLoad || drop < wantDrop {
		t.Errorf("%d load and %d with DropUnsupported, want at least %d and %d", load, drop, wantLoad, wantDrop)
	}
}
