// Package erasure erases one response at its author's request (a GDPR request) and records
// that it did in the audit log. The command line (palabre erase), the API
// (DELETE /api/v1/surveys/:survey/responses/:id) and the console all call Erase, so that an
// erasure is done and recorded the same way whoever asks.
//
// What erasure does, with the ClickHouse store:
//   - the id is recorded as erased (its answers and profile are not), then the response's
//     rows are deleted from every table holding responses (answers, responses), and Erase
//     returns once ClickHouse has finished deleting them;
//   - the id stays refused: a later submission of it is answered 410 Gone
//     (survey.CodeErased), after a restart too, and the database never stores it again, so
//     a response erased while still in palabre's journal (not yet delivered) is left out
//     when it is delivered;
//   - the audit log is not touched: the entry of the erasure names the survey and the
//     response id, the reason given, who asked and from where; no entry ever holds answers.
//
// What it does not do: workbooks already downloaded and funders' dashboards published before
// the erasure keep what they were built from until they are built again (see the README,
// "Erasing a response").
package erasure

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/audit"
)

// Store erases responses. The ClickHouse adapter (*clickhouse.DB) implements it.
type Store interface {
	// HasResponse reports whether the survey holds rows of the response.
	HasResponse(ctx context.Context, surveyID string, id survey.ResponseID) (bool, error)
	// ResponseErased reports whether the id was erased.
	ResponseErased(ctx context.Context, id survey.ResponseID) (bool, error)
	// EraseResponse records the id as erased and deletes its rows, returning once they are
	// gone; found is false when there was nothing to delete.
	EraseResponse(ctx context.Context, surveyID string, id survey.ResponseID) (found bool, err error)
}

// Request is one erasure: what to erase, why, and who asks.
type Request struct {
	Survey   string
	Response survey.ResponseID
	Reason   string // recorded in the audit log: say what the request was, not who the person is
	// By is who asks and from where: its UserID, Email, Address and Request are recorded
	// (Address "cli" for the command line). Its other fields are set by Erase.
	By audit.Entry
}

// MaxReason is the longest reason recorded, in characters.
const MaxReason = 500

// Eraser erases responses and records each erasure. palabre serve makes one, which the API
// route and the console share; the command line makes its own.
type Eraser struct {
	Store Store
	Log   audit.Recorder
	// After, when set, runs after each erasure that succeeded, with the survey's id: palabre
	// computes the survey's published dashboards again there, so that no snapshot keeps what
	// was erased. Its context outlives the caller's.
	After func(ctx context.Context, surveyID string)
}

// Erase erases req's response as Eraser.Erase does, without an After step.
func Erase(ctx context.Context, store Store, rec audit.Recorder, req Request) error {
	return (&Eraser{Store: store, Log: rec}).Erase(ctx, req)
}

// Erase erases req's response and records it in the audit log, before acting: when the
// entry cannot be recorded nothing is erased. It fails with
//   - survey.CodeNotFound when the survey holds no such response (nothing is recorded:
//     nothing changed);
//   - survey.CodeErased when the response was erased already (nothing is recorded);
//   - survey.CodeUnavailable when the audit log cannot be written or the deletion was not
//     confirmed in time (erasing again finishes it).
//
// When the deletion fails after the entry was recorded, a second entry
// (audit.ActionEraseFailed) says so, if it can be written.
func (x *Eraser) Erase(ctx context.Context, req Request) error {
	store, rec := x.Store, x.Log
	has, err := store.HasResponse(ctx, req.Survey, req.Response)
	if err != nil {
		return unavailable(err)
	}
	if !has {
		erased, err := store.ResponseErased(ctx, req.Response)
		if err != nil {
			return unavailable(err)
		}
		if erased {
			return survey.Errorf(survey.CodeErased, survey.MsgErased)
		}
		return survey.Errorf(survey.CodeNotFound, survey.MsgNoSuchResponse, req.Response.String(), req.Survey)
	}
	e := req.By
	e.At, e.Action, e.Survey, e.Target, e.Detail = time.Now().UTC(), audit.ActionEraseResponse, req.Survey, req.Response.String(), reason(req.Reason)
	if err := rec.Record(ctx, e); err != nil {
		return unavailable(fmt.Errorf("not erased, since the audit log cannot record it: %w", err))
	}
	// Once recorded, the erasure goes on if the caller goes away (a closed browser tab); the
	// store bounds how long it waits.
	if _, err := store.EraseResponse(context.WithoutCancel(ctx), req.Survey, req.Response); err != nil {
		failed := e
		failed.At, failed.Action, failed.Detail = time.Now().UTC(), audit.ActionEraseFailed, "the deletion did not finish; erase again"
		_ = rec.Record(context.WithoutCancel(ctx), failed) // best effort: the first entry stands
		return unavailable(err)
	}
	if x.After != nil {
		x.After(context.WithoutCancel(ctx), req.Survey)
	}
	return nil
}

func reason(s string) string {
	s = strings.TrimSpace(strings.ToValidUTF8(s, "\uFFFD"))
	if utf8.RuneCountInString(s) > MaxReason {
		s = string([]rune(s)[:MaxReason]) + "…"
	}
	return s
}

func unavailable(err error) error {
	return &survey.Error{Code: survey.CodeUnavailable, Message: survey.Msg(survey.MsgEraseFailed), RetryAfter: 5, Err: err}
}
