// Package pastdata loads past years' responses from another tool's export: a KoboToolbox or
// ODK Central export, as XLSX or CSV, into one edition of a palabre survey.
//
// ReadTable parses a file; Read maps its columns to the form version of the edition
// (Prepare finds it in the catalog) and validates every row with the form's own validation (survey.Compiled.Validate): it
// returns the responses, or every row that cannot be loaded, with its row number as in the
// file, its column, its value and the reason. Load writes the responses through a Store in
// one go, all or nothing, and counts those already there: the id of an imported response
// is derived from the export's _uuid or instanceID (ResponseID), so loading the same file
// twice stores each response once.
//
// # What a file may hold
//
//   - XLSX (the first sheet) or CSV (separated by "," or ";", with or without a UTF-8 byte
//     order mark). The first row names the columns.
//   - Headers as names ("XML values and headers") or as labels in any of the form's
//     languages ("Labels"), with or without their groups' path, separated by "/" or "-":
//     group_a/q1, group_a-q1 and q1 all name question q1.
//   - Values as choice names or as labels in any of the form's languages. Yes/no questions
//     take yes/no, oui/non, sí/no, true/false or 1/0.
//   - Multiple choice in one column (names separated by spaces, or labels separated by
//     spaces, commas or semicolons), or split into one column per choice (q/choice, holding
//     1/0, true/false, or the choice itself), or both.
//   - A matrix (palabre's table-list group) as one column per row: matrix/row.
//   - The profile in columns named country, organisation (or organization), role and
//     language, or through the mapping file; country as an ISO code or a country's name,
//     role and organisation as names or labels, language as a code. A constant in the
//     mapping file fills a profile field for every row (a file from one country).
//   - KoboToolbox and ODK meta columns: _uuid, meta/instanceID, KEY (the response's id),
//     _submission_time, SubmissionDate, end, start (when it was submitted) are used;
//     _id, _index, _validation_status, _status, _submitted_by, _tags, _notes,
//     _attachments, __version__, formhub/uuid, deviceid, SubmitterID… are ignored.
//     A column that names nothing else is ignored when empty; holding values, it refuses
//     the file until the mapping file says what it is (or "-").
//
// # All or nothing
//
// Read refuses the whole file when any row or column cannot be loaded, listing every
// problem. Load then writes every new response in one call (analytics/clickhouse
// WriteResponses: one INSERT for the answers, one for the responses). On ClickHouse an
// INSERT is atomic per block and partition only: the rows of one edition fall in one
// partition, and up to max_insert_block_size rows (1,048,576 answers by default) in one
// block, but the two tables are two INSERTs, so a failure between or during them can leave
// part of the file written. Load therefore undoes a failed write itself, deleting the
// responses it was writing (never those that were there before), and waits until they are
// gone. If the process dies before it can, nothing is counted twice: the ids are stable and
// the tables fold rows with the same id, so loading the file again completes it.
//
// # The mapping file
//
// When the export's names differ from the form's, a YAML file (--mapping) says how to read
// it. Every part is optional:
//
//	columns:                  # column header, exactly as in the file → what it holds
//	  Q3: overall_satisfaction    # a question's key
//	  "Q4 a": sessions.sharing_experiences   # a matrix row: MATRIX.ROW
//	  "Q5 tools": take_back.tools # one choice of a split multiple choice: QUESTION.CHOICE
//	  Pays: profile.country       # profile.country, .organisation, .role, .language
//	  Ref: meta.id                # the response's id, when not in _uuid or instanceID
//	  Date: meta.submitted        # when it was submitted
//	  Remarques: "-"              # ignore the column
//	values:                   # QUESTION (or profile.FIELD) → cell value → choice name
//	  overall_satisfaction: {"Très content": very_satisfied, "Content": satisfied}
//	  profile.country: {Dakar: SN}
//	constants:                # a profile field for every row (a file from one country)
//	  country: SN
//	  organisation: Foyer Saint-Paul
//	  role: social_worker
//	  language: fr
//
// A column named in columns is read as the mapping says; the others as above. A value in
// values is replaced before anything else reads it.
package pastdata
