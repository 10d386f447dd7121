package console

import (
	"fmt"
	"maps"
	"sync"

	"github.com/palabre/palabre/survey"
)

// words are the console's texts in French, English and Spanish. Sections add theirs with
// AddMessages.
var (
	wordsMu sync.RWMutex
	words   = map[string]survey.Text{
		"console":        {"fr": "Console", "en": "Console", "es": "Consola"},
		"console_title":  {"fr": "palabre · console", "en": "palabre · console", "es": "palabre · consola"},
		"skip":           {"fr": "Aller au contenu", "en": "Skip to content", "es": "Ir al contenido"},
		"home":           {"fr": "Accueil", "en": "Home", "es": "Inicio"},
		"signed_in_as":   {"fr": "Connecté·e : %s", "en": "Signed in: %s", "es": "Sesión de %s"},
		"logout":         {"fr": "Se déconnecter", "en": "Sign out", "es": "Cerrar sesión"},
		"login":          {"fr": "Se connecter", "en": "Sign in", "es": "Iniciar sesión"},
		"login_intro":    {"fr": "Espace des coordinateurs et coordinatrices du réseau.", "en": "For the network's coordinators.", "es": "Espacio de coordinación de la red."},
		"email":          {"fr": "Adresse e-mail", "en": "E-mail address", "es": "Correo electrónico"},
		"password":       {"fr": "Mot de passe", "en": "Password", "es": "Contraseña"},
		"password_again": {"fr": "Le même mot de passe, à nouveau", "en": "The same password again", "es": "La misma contraseña, otra vez"},
		"password_rules": {"fr": "Au moins %d caractères. Une phrase facile à retenir convient très bien.",
			"en": "At least %d characters. An easy-to-remember sentence works well.",
			"es": "Al menos %d caracteres. Una frase fácil de recordar sirve muy bien."},
		"set_password":       {"fr": "Choisir mon mot de passe", "en": "Choose my password", "es": "Elegir mi contraseña"},
		"set_password_intro": {"fr": "Bienvenue, %s. Choisissez le mot de passe de votre compte.", "en": "Welcome, %s. Choose the password of your account.", "es": "Bienvenida/o, %s. Elija la contraseña de su cuenta."},
		"bad_credentials": {"fr": "Adresse e-mail ou mot de passe incorrect.", "en": "Wrong e-mail address or password.",
			"es": "Correo electrónico o contraseña incorrectos."},
		"locked": {"fr": "Trop de tentatives échouées : réessayez dans un quart d'heure.", "en": "Too many failed attempts: try again in a quarter of an hour.",
			"es": "Demasiados intentos fallidos: vuelva a intentarlo dentro de un cuarto de hora."},
		"passwords_differ": {"fr": "Les deux mots de passe ne sont pas les mêmes.", "en": "The two passwords are not the same.", "es": "Las dos contraseñas no coinciden."},
		"weak_password": {"fr": "Le mot de passe doit compter entre %d et %d caractères.", "en": "The password must be %d to %d characters long.",
			"es": "La contraseña debe tener entre %d y %d caracteres."},
		"invitation_invalid": {"fr": "Ce lien n'est plus valable : il a déjà servi, a expiré ou a été remplacé. Demandez un nouveau lien à un administrateur.",
			"en": "This link is no longer valid: it was used, has expired or was replaced. Ask an administrator for a new link.",
			"es": "Este enlace ya no es válido: ya se usó, caducó o fue reemplazado. Pida un enlace nuevo a un administrador."},
		"signed_out":   {"fr": "Vous êtes déconnecté·e.", "en": "You are signed out.", "es": "Ha cerrado la sesión."},
		"session_over": {"fr": "Votre session a pris fin : reconnectez-vous.", "en": "Your session has ended: please sign in again.", "es": "Su sesión terminó: vuelva a iniciarla."},
		"csrf": {"fr": "Ce formulaire a expiré ou ne vient pas de cette page. Rechargez la page et recommencez.",
			"en": "This form has expired or did not come from this page. Reload the page and try again.",
			"es": "Este formulario caducó o no viene de esta página. Recargue la página e inténtelo de nuevo."},
		"forbidden":      {"fr": "Votre compte n'a pas accès à cette page.", "en": "Your account has no access to this page.", "es": "Su cuenta no tiene acceso a esta página."},
		"forbidden_head": {"fr": "Accès refusé", "en": "Access denied", "es": "Acceso denegado"},
		"not_found":      {"fr": "Page introuvable", "en": "Page not found", "es": "Página no encontrada"},
		"not_found_body": {"fr": "Cette page n'existe pas ou plus.", "en": "This page does not exist, or no longer does.", "es": "Esta página no existe o ya no existe."},
		"unavailable": {"fr": "Le service est momentanément indisponible (base de données injoignable). Réessayez dans un instant ; rien de ce que vous aviez enregistré n'est perdu.",
			"en": "The service is unavailable for a moment (database unreachable). Try again shortly; nothing you saved is lost.",
			"es": "El servicio no está disponible por un momento (base de datos inaccesible). Inténtelo de nuevo en un instante; no se perdió nada de lo guardado."},
		"too_large": {"fr": "Ce fichier ou ce formulaire est trop volumineux pour être reçu.", "en": "This file or form is too large to be received.",
			"es": "Este archivo o formulario es demasiado grande para recibirse."},
		"error_head":       {"fr": "Une erreur est survenue", "en": "Something went wrong", "es": "Se produjo un error"},
		"back_home":        {"fr": "Revenir à l'accueil de la console", "en": "Back to the console's home", "es": "Volver al inicio de la consola"},
		"your_surveys":     {"fr": "Vos enquêtes", "en": "Your surveys", "es": "Sus encuestas"},
		"no_surveys":       {"fr": "Aucune enquête pour l'instant.", "en": "No survey yet.", "es": "Todavía no hay encuestas."},
		"editions":         {"fr": "Éditions", "en": "Editions", "es": "Ediciones"},
		"status_open":      {"fr": "ouverte", "en": "open", "es": "abierta"},
		"status_closed":    {"fr": "close", "en": "closed", "es": "cerrada"},
		"status_not_yet":   {"fr": "pas encore ouverte", "en": "not open yet", "es": "aún no abierta"},
		"role_admin":       {"fr": "administrateur·rice", "en": "admin", "es": "administrador/a"},
		"role_coordinator": {"fr": "coordinateur·rice", "en": "coordinator", "es": "coordinador/a"},
		"language":         {"fr": "Langue", "en": "Language", "es": "Idioma"},
	}
)

// AddMessages adds texts for the console's pages; a key given twice keeps the last.
func AddMessages(m map[string]survey.Text) {
	wordsMu.Lock()
	defer wordsMu.Unlock()
	maps.Copy(words, m)
}

// T returns the console text key in lang (French when lang lacks it), formatted with args.
// An unknown key is returned as is, so a missing text shows rather than hides.
func T(lang, key string, args ...any) string {
	wordsMu.RLock()
	t, ok := words[key]
	wordsMu.RUnlock()
	if !ok {
		return key
	}
	s := t.In(lang, survey.DefaultLanguage)
	if len(args) > 0 {
		s = fmt.Sprintf(s, args...)
	}
	return s
}

// HasMessage reports whether key is a console text.
func HasMessage(key string) bool {
	wordsMu.RLock()
	defer wordsMu.RUnlock()
	_, ok := words[key]
	return ok
}
