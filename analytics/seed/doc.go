// Package seed generates realistic responses to a survey's forms, for demonstrations and
// for measuring palabre at scale: the partners' network's ten countries and nineteen
// organisations, the roles of survey.DefaultRoles, French mostly (Spanish for Peru, a little
// English), countries that differ and a trend over the years.
//
// Every response is a survey.Submission validated by the form (survey.Compiled.Validate),
// so skip logic, constraints and required questions hold by construction. The same seed
// gives the same responses.
package seed
