// Command genxlsform writes a survey definition as an XLSForm workbook with xlsform.Write,
// the way a coordinator would keep it in KoboToolbox: ODK's start and end rows first, lists
// named as the definition's scales. `go generate ./survey/demo` runs it to keep
// partners-meeting.xlsx the same survey as partners-meeting.yaml.
//
//	go run ./survey/demo/internal/genxlsform -o partners-meeting.xlsx partners-meeting.yaml
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/palabre/palabre/survey/definition"
	"github.com/palabre/palabre/survey/xlsform"
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
	names, err := scaleNames(fs.Arg(0))
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	err = xlsform.Write(&buf, d.Form, d.Editions, xlsform.Options{ListNames: names, Metadata: true,
		Modified: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		return err
	}
	return os.WriteFile(*out, buf.Bytes(), 0o644)
}

// scaleNames names lists after the scales a YAML definition declares, the default agreement
// scale included, by their keys joined with spaces.
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
	var agreement []string
	for _, c := range definition.DefaultScale() {
		agreement = append(agreement, c.Key)
	}
	out[strings.Join(agreement, " ")] = definition.DefaultScaleName
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
