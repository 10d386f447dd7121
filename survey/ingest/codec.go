package ingest

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/palabre/palabre/survey"
)

// Journal records are a format byte followed by the response in JSON. The byte lets a later
// version change the encoding while still reading what an earlier one left in the journal.
const formatJSON byte = 1

func encode(r *survey.Response) ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode response %s: %w", r.ID, err)
	}
	return append([]byte{formatJSON}, b...), nil
}

func decode(payload []byte) (*survey.Response, error) {
	if len(payload) == 0 {
		return nil, errors.New("empty record")
	}
	if payload[0] != formatJSON {
		return nil, fmt.Errorf("unknown record format %d", payload[0])
	}
	r := new(survey.Response)
	if err := json.Unmarshal(payload[1:], r); err != nil {
		return nil, fmt.Errorf("decode response: %w", err)
	}
	return r, nil
}
