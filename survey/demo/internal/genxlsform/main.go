// Command genxlsform writes a survey definition as an XLSForm workbook, the way a coordinator
// would write it in KoboToolbox's format. `go generate ./survey/demo` runs it to keep
// partners-meeting.xlsx the same survey as partners-meeting.yaml.
//
//	go run ./survey/demo/internal/genxlsform -o partners-meeting.xlsx partners-meeting.yaml
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
	"go.yaml.in/yaml/v3"

	"github.com/palabre/palabre/survey/definition"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "genxlsform:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("genxlsform", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "the workbook to write (.xlsx)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() != 1 {
		return fmt.Errorf("usage: genxlsform -o out.xlsx definition.yaml")
	}
	d, err := definition.Load(fs.Arg(0))
	if err != nil {
		return err
	}
	scales, err := scaleNames(fs.Arg(0))
	if err != nil {
		return err
	}
	w, err := build(d, scales)
	if err != nil {
		return err
	}
	return write(w, *out)
}

// epoch is the day spreadsheet dates count from.
var epoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

func write(w *workbook, path string) error {
	f := excelize.NewFile()
	defer f.Close()
	dateStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd")})
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	sheets := []struct {
		name string
		rows [][]any
	}{{"survey", w.survey}, {"choices", w.choices}, {"settings", w.settings}, {"editions", w.editions}}
	for i, sh := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sh.name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(sh.name); err != nil {
			return err
		}
		for r, row := range sh.rows {
			for c, v := range row {
				cell, err := excelize.CoordinatesToCellName(c+1, r+1)
				if err != nil {
					return err
				}
				switch v := v.(type) {
				case nil:
					continue
				case date:
					days := int(time.Time(v).Sub(epoch).Hours() / 24)
					if err := f.SetCellValue(sh.name, cell, days); err != nil {
						return err
					}
					if err := f.SetCellStyle(sh.name, cell, cell, dateStyle); err != nil {
						return err
					}
				default:
					if s, ok := v.(string); ok && s == "" {
						continue
					}
					if err := f.SetCellValue(sh.name, cell, v); err != nil {
						return err
					}
				}
			}
		}
		last, err := excelize.CoordinatesToCellName(len(sh.rows[0]), 1)
		if err != nil {
			return err
		}
		if err := f.SetCellStyle(sh.name, "A1", last, bold); err != nil {
			return err
		}
		if err := f.SetColWidth(sh.name, "A", "Z", 24); err != nil {
			return err
		}
	}
	fixed := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Format(time.RFC3339)
	if err := f.SetDocProps(&excelize.DocProperties{Creator: "palabre", Created: fixed, Modified: fixed}); err != nil {
		return err
	}
	return f.SaveAs(path)
}

// scaleNames reads the names of the scales a YAML definition declares, by their keys, so that
// the workbook's lists are called the same.
func scaleNames(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Scales map[string][]yaml.Node `yaml:"scales"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for name, points := range doc.Scales {
		keys := make([]string, len(points))
		for i, p := range points {
			var c struct {
				Key string `yaml:"key"`
			}
			if p.Kind == yaml.ScalarNode {
				c.Key = p.Value
			} else if err := p.Decode(&c); err != nil {
				return nil, err
			}
			keys[i] = c.Key
		}
		out[strings.Join(keys, " ")] = name
	}
	return out, nil
}

func ptr[T any](v T) *T { return &v }
