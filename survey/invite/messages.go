package invite

import (
	"errors"

	"github.com/palabre/palabre/survey"
)

// What a participant is told when their invitation does not let them answer.
var (
	PhraseMissing = survey.Phrase{Key: "invitation_missing",
		FR: "Cette enquête se remplit sur invitation : ouvrez-la avec le lien personnel que vous avez reçu.",
		EN: "This survey is answered by invitation: open it with the personal link you were given.",
		ES: "Esta encuesta se responde por invitación: ábrala con el enlace personal que recibió."}
	PhraseInvalid = survey.Phrase{Key: "invitation_invalid",
		FR: "Ce lien d'invitation n'est pas valable pour cette enquête. Vérifiez qu'il est complet, ou demandez-en un autre aux organisateurs.",
		EN: "This invitation link is not valid for this survey. Check that it is complete, or ask the organisers for another one.",
		ES: "Este enlace de invitación no es válido para esta encuesta. Compruebe que esté completo, o pida otro a los organizadores."}
	PhraseUsed = survey.Phrase{Key: "invitation_used",
		FR: "Ce lien d'invitation a déjà servi à envoyer une réponse : chaque lien ne sert qu'une fois. Si ce n'était pas vous, demandez un autre lien aux organisateurs.",
		EN: "This invitation link has already been used to send a response: each link works once. If that was not you, ask the organisers for another link.",
		ES: "Este enlace de invitación ya se usó para enviar una respuesta: cada enlace sirve una sola vez. Si no fue usted, pida otro enlace a los organizadores."}
)

// Refusal turns an error of Check or Claim into what the participant is told: ErrMissing
// and ErrInvalid are forbidden (403), ErrUsed is gone (410); any other error is returned
// as it is.
func Refusal(err error) error {
	switch {
	case errors.Is(err, ErrMissing):
		return &survey.Error{Code: survey.CodeForbidden, Message: PhraseMissing.Message(), Err: err}
	case errors.Is(err, ErrInvalid):
		return &survey.Error{Code: survey.CodeForbidden, Message: PhraseInvalid.Message(), Err: err}
	case errors.Is(err, ErrUsed):
		return &survey.Error{Code: survey.CodeClosed, Message: PhraseUsed.Message(), Err: err}
	}
	return err
}
