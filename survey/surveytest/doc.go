// Package surveytest provides in-memory fakes of survey.Catalog and survey.Sink and a
// realistic feedback form covering every question type, for tests of the packages that
// serve, validate and store responses.
package surveytest
