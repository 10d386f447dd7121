package definition

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/xlsform"
)

// Definition is a survey read from a file: its form, checked and compiled, and its editions.
type Definition struct {
	Form     *survey.Form
	Compiled *survey.Compiled
	Editions []survey.Edition
	// Warnings are parts of the file that were read but have no effect in palabre, such as
	// XLSForm metadata questions (start, end, deviceid) and layout appearances.
	Warnings []survey.Problem
	// Dropped are the questions of an XLSForm left out because palabre cannot collect
	// them, when it was read with Options.DropUnsupported.
	Dropped []xlsform.Dropped
}

// Options change how a definition is read.
type Options struct {
	// DropUnsupported loads an XLSForm without the questions palabre cannot collect
	// (repeats, media, locations, calculations…), listing each in Definition.Dropped,
	// instead of refusing it. YAML and JSON definitions are read as they are.
	DropUnsupported bool
}

// Format is the format of a definition file.
type Format string

const (
	YAML    Format = "yaml"
	JSON    Format = "json"
	XLSForm Format = "xlsform" // an .xlsx workbook, as KoboToolbox and ODK users write them
)

// MaxSize is the largest definition file read, in bytes.
const MaxSize = 16 << 20

// FormatOf tells a file's format by its extension: .yaml, .yml, .json or .xlsx.
func FormatOf(path string) (Format, bool) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		return YAML, true
	case ".json":
		return JSON, true
	case ".xlsx":
		return XLSForm, true
	}
	return "", false
}

// Load reads the definition in the file at path, whose format its extension tells. A
// definition with mistakes gives a *survey.DefinitionError listing every one, each with its
// place in the file.
func Load(path string) (*Definition, error) {
	return LoadWith(path, Options{})
}

// LoadWith is Load with options.
func LoadWith(path string, opts Options) (*Definition, error) {
	format, ok := FormatOf(path)
	if !ok {
		return nil, &survey.DefinitionError{Problems: []survey.Problem{{Source: path,
			Reason: "not a definition file: the name must end in .yaml, .yml, .json or .xlsx"}}}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load definition: %w", err)
	}
	defer f.Close()
	if format == XLSForm {
		// The CSV files of select_one_from_file and select_one_external are beside it.
		data, err := readLimited(f, path)
		if err != nil {
			return nil, err
		}
		wb, err := xlsform.ReadBesideWith(bytes.NewReader(data), path, os.DirFS(filepath.Dir(path)),
			xlsform.ReadOptions{DropUnsupported: opts.DropUnsupported})
		if err != nil {
			return nil, err
		}
		return compileWorkbook(wb, path)
	}
	return ParseWith(f, format, path, opts)
}

// readLimited reads a definition file of at most MaxSize bytes.
func readLimited(r io.Reader, name string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("read definition %s: %w", name, err)
	}
	if len(data) > MaxSize {
		return nil, problem(name, fmt.Sprintf("the file is larger than %d MiB", MaxSize>>20))
	}
	return data, nil
}

// Parse reads a definition in format from r; name says where it comes from in problems.
func Parse(r io.Reader, format Format, name string) (*Definition, error) {
	return ParseWith(r, format, name, Options{})
}

// ParseWith is Parse with options.
func ParseWith(r io.Reader, format Format, name string, opts Options) (*Definition, error) {
	data, err := readLimited(r, name)
	if err != nil {
		return nil, err
	}
	switch format {
	case YAML, JSON:
		return parseDocument(data, format, name)
	case XLSForm:
		return parseWorkbook(data, name, opts)
	}
	return nil, fmt.Errorf("parse definition %s: unknown format %q", name, format)
}

func problem(name, reason string) error {
	return &survey.DefinitionError{Problems: []survey.Problem{{Source: name, Reason: reason}}}
}

func parseDocument(data []byte, format Format, name string) (*Definition, error) {
	if format == JSON {
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			return nil, &survey.DefinitionError{Problems: []survey.Problem{jsonProblem(name, data, err)}}
		}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, &survey.DefinitionError{Problems: decodeProblems(name, err)}
	}
	if len(root.Content) == 0 {
		return nil, problem(name, "the file is empty")
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var d document
	if err := dec.Decode(&d); err != nil {
		return nil, &survey.DefinitionError{Problems: decodeProblems(name, err)}
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		line := next.Line
		if err != nil {
			line = 0
		}
		return nil, problem(source(name, line), "a file holds one definition: remove what follows ---")
	}
	b := &builder{name: name, tree: tree{root: root.Content[0]}, seen: map[string]int{},
		lines: map[string]int{}, twice: map[string]int{}}
	form, editions := b.document(&d)
	problems := b.problems
	cf, err := survey.Compile(form)
	if err != nil {
		var de *survey.DefinitionError
		if !errors.As(err, &de) {
			return nil, fmt.Errorf("compile %s: %w", name, err)
		}
		for _, p := range de.Problems {
			line := b.lines[p.Field]
			if line == 0 {
				line = b.lines[strings.TrimSuffix(p.Field, " items")]
			}
			p.Source = source(name, line)
			if second, ok := b.twice[p.Field]; ok {
				p.Source += " and " + strconv.Itoa(second)
			}
			problems = append(problems, located{line, p})
		}
	}
	if len(problems) > 0 {
		sort.SliceStable(problems, func(i, j int) bool { return problems[i].line < problems[j].line })
		out := make([]survey.Problem, len(problems))
		for i, p := range problems {
			out[i] = p.p
		}
		return nil, &survey.DefinitionError{Problems: out}
	}
	var warnings []survey.Problem
	for _, w := range cf.Warnings() {
		w.Source = source(name, b.lines[w.Field])
		warnings = append(warnings, w)
	}
	return &Definition{Form: form, Compiled: cf, Editions: editions, Warnings: warnings}, nil
}

func parseWorkbook(data []byte, name string, opts Options) (*Definition, error) {
	wb, err := xlsform.ReadWith(bytes.NewReader(data), name, xlsform.ReadOptions{DropUnsupported: opts.DropUnsupported})
	if err != nil {
		return nil, err
	}
	return compileWorkbook(wb, name)
}

// compileWorkbook compiles the form a workbook defines, placing each problem on its row.
func compileWorkbook(wb *xlsform.Result, name string) (*Definition, error) {
	cf, err := survey.Compile(wb.Form)
	if err != nil {
		var de *survey.DefinitionError
		if !errors.As(err, &de) {
			return nil, fmt.Errorf("compile %s: %w", name, err)
		}
		out := make([]survey.Problem, len(de.Problems))
		for i, p := range de.Problems {
			p.Source = wb.Source(p.Field)
			out[i] = p
		}
		return nil, &survey.DefinitionError{Problems: out}
	}
	warnings := wb.Warnings
	for _, w := range cf.Warnings() {
		w.Source = wb.Source(w.Field)
		warnings = append(warnings, w)
	}
	return &Definition{Form: wb.Form, Compiled: cf, Editions: wb.Editions,
		Warnings: warnings, Dropped: wb.Dropped}, nil
}

// Store is where definitions are saved: a survey.Catalog, or anything that keeps form
// versions and editions the same way.
type Store interface {
	SaveForm(ctx context.Context, f *survey.Form) error
	SaveEdition(ctx context.Context, e survey.Edition) error
}

// Save stores the definition's form version, then each of its editions (an edition of the
// same year is replaced). Saving a version again with the same content does nothing; with
// other content the store refuses it with survey.CodeConflict, and no edition is saved.
func (d *Definition) Save(ctx context.Context, s Store) error {
	if err := s.SaveForm(ctx, d.Form); err != nil {
		return fmt.Errorf("%s v%d: %w", d.Form.SurveyID, d.Form.Version, err)
	}
	for _, e := range d.Editions {
		if err := s.SaveEdition(ctx, e); err != nil {
			return fmt.Errorf("%s edition %d: %w", d.Form.SurveyID, e.Year, err)
		}
	}
	return nil
}
