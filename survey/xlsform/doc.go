// Package xlsform reads survey definitions from XLSForm workbooks (.xlsx), as KoboToolbox and
// ODK users write them, into a survey.Form and its editions; Write writes a form and its
// editions back as a workbook that ODK tools accept and Read reads back as the same form.
//
// The sheets are "survey", "choices", "settings" and, a palabre extension, "editions". Header
// names are case-insensitive, "list name" is "list_name", and translated columns are written
// "label::French (fr)", "label::fr", "label::Français", "label::chinese" or, as older forms
// do, "label:English": a language's name in English, French, Spanish or in itself is read as
// its ISO 639-1 code (golang.org/x/text/language/display), with a warning only when the name
// fits several languages; a name palabre does not know ("label::Kreyol", "label::Mooré") is a
// language of its own, tagged by its name in lower case without accents (kreyol, moore; see
// survey.ValidLanguage), with a warning only when it looks like a misspelt known name; a
// name that makes no such tag (another script, over 32 characters) is refused. A cell
// holding a boolean reads TRUE or FALSE, as pyxform reads it. The untranslated "label" column
// is the default language (settings default_language, "French (fr)" or "fr"; French when
// unset). Cells may be text or numbers; spaces around them are trimmed and empty rows
// skipped. Every problem is reported with its sheet, row (1-based, as spreadsheets number
// them) and column.
//
// Types: text (long text with the appearance multiline), integer, decimal, date, time,
// dateTime, geopoint, acknowledge, note, select_one and select_multiple with a list of the
// choices sheet, range (0 to 10 by 1 is a rating, other ranges a number within start..end on
// its steps), calculate with its calculation column (computed by the server from earlier
// answers and stored), begin_group/end_group; select_one_from_file and
// select_multiple_from_file with a CSV file, and select_one_external with a list of
// itemsets.csv, when ReadBeside (or ReadFile) is given the files beside the workbook; and
// every other spelling pyxform accepts for them ("select one from LIST", "select all that
// apply from LIST", "select1", "string", "int", "begin group"…). "or_other" (or "or other",
// "or specify other") after a list adds the choice other to it, unless the list has it, and
// after the question a text question NAME_other asked when other is chosen (relevant
// selected(${NAME}, 'other')), as pyxform does. Metadata types (start, end, today, deviceid,
// username, "get device id"…) are skipped with a warning. A select's choice_filter keeps the
// choices it holds for: in it a bare name such as country is that column of the choices
// sheet, which the choices sheet's other columns provide (media columns aside), or of the
// CSV file (or the external_choices sheet, from which pyxform writes itemsets.csv) a select
// from a file reads; column names are matched whatever their case.
//
// What ODK collects without a control of its own is mapped to what keeps its stored value:
// hidden is a calculate question whose calculation is its calculation column, else its
// default (a constant), else the empty text; a note with a calculation is a calculate question with the
// note's label, shown with its value, stored and read by later expressions; a reference to a
// plain note is the empty text, its value in ODK; barcode is a text the participant types (the browser
// has no scanner; the code is stored as ODK stores a scanned one); trigger is acknowledge
// (OK once ticked). pulldata('FILE', 'COLUMN', 'KEY_COLUMN', KEY) reads FILE.csv beside the
// workbook and is written as an expression: the value when KEY is a text, else
// concat(if(string(KEY) = 'k1', 'v1', ""), …), for files of up to 500 rows.
//
// "begin loop over LIST" … "end loop" is expanded as pyxform expands it: for each choice of
// LIST (none aside) a group LOOP_CHOICE, labelled "LOOP LABEL: CHOICE LABEL" (or the choice's
// label), holding the loop's rows with %(name)s and %(label)s replaced by the choice's name
// and label (in each language column, that language's label); a question Q in it is
// LOOP_CHOICE_Q, or its name with %(name)s replaced when it has one, and ${Q} in the loop is
// that choice's copy. "include NAME" puts in its place the questions of NAME.xlsx beside the
// workbook, with its choices lists, as pyxform does when it converts a folder of forms.
//
// Everything else (image, audio, file, geotrace, begin_repeat…) is a problem, unless the workbook is
// read with ReadOptions.DropUnsupported: then those questions, the questions inside a repeat
// and the questions whose relevant or constraint refers to a question left out are left out,
// each listed in Result.Dropped; mistakes (an unknown type, a missing list) are refused all
// the same.
//
// Groups nest to any depth: a group inside a group is not shown on its own, its questions
// join the outermost group, each with its relevant and those of the inner groups it is in
// joined by "and", so that skip logic is the same. A table-list group is a matrix (below)
// wherever it is.
//
// Settings are forgiving: without form_id (or id_string) the survey is named after the
// file, and a form_id that is not a valid id ("My Survey") is made one ("my-survey"), with
// a warning; without form_title (or title) the title is the id. A question without a label
// is shown with its name, a note without a name is called note_ROW, and a choice without a
// label is shown with its name, each with a warning.
//
// palabre conventions on top of XLSForm:
//
//   - select_one with the appearance likert is a Likert question, the list its scale.
//   - A group with the appearance table-list whose rows are all select_one questions of the
//     same list is one matrix question: the group's name is its key, its label, hint and
//     relevant the question's, each row's name and label an item, the list the scale; it is
//     required when the group is, or when every row is (the rows are all required or
//     none). Rows with the appearance label are ODK's header rows and are skipped.
//   - select_one of a list whose names are exactly yes and no is a yes/no question.
//   - range 0..10 step 1 is a 0–10 rating (NPS).
//   - A constraint that only bounds the answer and has no constraint_message, such as
//     ". >= 0 and . <= 500", "count-selected(.) <= 3" or "string-length(.) <= 500", becomes
//     the question's min and max, min/max selected or max length.
//   - The survey column changed_in is the edition year from which the question's answers are
//     not comparable with earlier years'.
//   - The survey column palabre says what standard XLSForm cannot, as key=value pairs:
//     "type=rating min=1 max=5". type is a palabre question type that fits the XLSForm type
//     (single_choice for a select_one of a yes/no list, rating for a range or integer…);
//     min, max, min_selected, max_selected and max_length are the question's limits. When
//     the cell is filled, the question's limits are exactly those it lists: its constraint is
//     its own, not read as limits. Write fills it only where it must.
//   - settings: form_id is the survey's id, version a whole number up to 2147483647 (Kobo's
//     2024101501 is fine; 1 when empty), description the survey's description, countries the
//     ISO codes participants pick from, roles_list and organisations_list the names of
//     choices lists for the profile questions, languages the languages participants choose
//     from in their order ("fr en es"; by default the default language, then fr, en, es,
//     then the others alphabetically), and translated_title::LANGUAGE the title in the
//     languages other than the default one (ODK's form_title holds one text; form_title::LANGUAGE
//     is read too).
//   - The editions sheet has one row per year: year, place, opens and closes (the first and
//     last days responses are accepted, YYYY-MM-DD or spreadsheet dates), invited, and
//     form_version (the settings' version when empty).
package xlsform
