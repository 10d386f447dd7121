// Package definition reads survey definitions from files: a YAML or JSON document written
// for palabre, or an XLSForm workbook (through package xlsform). Load and Parse return the
// survey's form, compiled by survey.Compile, and its editions; a definition with mistakes is a
// *survey.DefinitionError listing every one with where it is (file:line for YAML and JSON,
// sheet, row and column for workbooks).
//
// # Format
//
// YAML and JSON have the same shape; decoding is strict, so a misspelt key is an error.
//
//	survey: partners-meeting          # the survey's id, stable across years
//	version: 1                        # the form version, a whole number (1 when absent)
//	title: {fr: Rencontre, en: Meeting, es: Encuentro}
//	description: Un texte             # optional
//	default_language: fr              # fr when absent
//	languages: [fr, en, es]           # optional, see below
//	profile:                          # optional
//	  countries: [SN, PE]             # survey.NetworkCountries when absent
//	  organisations: [...]            # choices; absent: participants type the name
//	  roles: [...]                    # choices; survey.DefaultRoles when absent
//	scales:                           # named scales for likert and matrix questions
//	  usefulness: [{key: not_useful, label: {fr: Pas utile, en: Not useful}}, ...]
//	editions:
//	  - {year: 2025, place: "Tanger, Maroc", opens: 2025-11-01, closes: 2025-12-05, invited: 26}
//	questions:
//	  - {key: first_meeting, type: yes_no, label: "Première rencontre ?", required: true}
//	  - group: newcomers
//	    label: Première participation
//	    relevant: ${first_meeting} = 'yes'
//	    questions:
//	      - {key: felt_welcome, type: likert, label: Je me suis senti·e bien accueilli·e.}
//
// Any text (title, description, label, hint, constraint_message, a choice's label) is either a
// plain string, in the default language, or a map from language code to text. When languages
// is absent, the form's languages are the default language followed by every language a text
// is written in (fr, en, es first, then alphabetically); when it is given, a text in another
// language is a mistake.
//
// A question has key and type (single_choice, multiple_choice, yes_no, likert, matrix,
// rating, number, text, long_text, date, time, datetime, geopoint, acknowledge, note,
// calculate) and label (a calculate needs none); it may have hint, required,
// relevant, constraint, constraint_message (XLSForm expressions, see survey/expr) and
// changed_in (the edition year from which its answers are not comparable with earlier
// years'). Settings that only some types take, refused on the others:
//
//	single_choice    choices, choice_filter
//	multiple_choice  choices, min_selected, max_selected, choice_filter
//	calculate        calculation (an expression over earlier answers; its value is stored)
//	likert           scale or choices (the points); DefaultScale when neither
//	matrix           items (the rows), and scale or choices as for likert
//	rating           min, max (0 and 10 when absent)
//	number           min, max, integer, step (answers are min, or 0, plus whole steps)
//	text, long_text  max_length
//
// choices, items and the points of a scale are {key, label}, or a plain string used as both.
// A choice may also have columns, values a choice_filter reads by name: with
// `choices: [{key: dakar, label: Dakar, columns: {country: SN}}]`, the filter
// `country = ${country}` offers Dakar only when the answer to country is SN.
// `scale: agreement` names DefaultScale unless the file defines a scale of that name.
//
// An entry with group is a group: group (its key), label, relevant and questions. Groups do
// not nest: a form is a list of sections, so a group inside a group is refused with a message
// that says so. Questions outside groups form sections of their own, in order.
//
// An edition has year and may have place, opens and closes (YYYY-MM-DD, the first and last
// days responses are accepted, in UTC; survey.Edition.Closes is the day after closes),
// invited, and form_version (this file's version when absent, never later).
package definition
