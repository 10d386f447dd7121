// Package xlsform reads survey definitions from XLSForm workbooks (.xlsx), as KoboToolbox and
// ODK users write them, into a survey.Form and its editions; Write writes a form and its
// editions back as a workbook that ODK tools accept and Read reads back as the same form.
//
// The sheets are "survey", "choices", "settings" and, a palabre extension, "editions". Header
// names are case-insensitive, "list name" is "list_name", and translated columns are written
// "label::French (fr)", "label::fr" or "label::Français"; the untranslated "label" column is
// the default language (settings default_language, "French (fr)" or "fr"; French when unset).
// Cells may be text or numbers; spaces around them are trimmed and empty rows skipped. Every
// problem is reported with its sheet, row (1-based, as spreadsheets number them) and column.
//
// Types: text (long text with the appearance multiline), integer, decimal, date, note,
// select_one and select_multiple with a list of the choices sheet, range (0 to 10 by 1 is a
// rating, other ranges a number within start..end), calculate with its calculation column
// (computed by the server from earlier answers and stored), begin_group/end_group. A
// select's choice_filter keeps the choices it holds for: in it a bare name such as country
// is that column of the choices sheet, which the other choices sheet columns provide (media
// columns aside). Metadata types (start, end, today, deviceid, username…) are skipped with a
// warning. Everything else (geopoint, image, begin_repeat, select_one_from_file, or_other…)
// is a problem: nothing is silently dropped. Groups do not nest, except that a table-list
// matrix may be inside a group.
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
