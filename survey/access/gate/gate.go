// Package gate says who makes an API request, and answers for the routes that need someone:
// 401 to a request without valid credentials, 403 to a user who may not work on the survey
// asked for.
//
// A request identifies itself with, in this order:
//
//   - "Authorization: Bearer plb_…", a personal API token (access.Service.TokenUser);
//   - "Authorization: Bearer <the shared token>", the deprecated --coordinator-token, which
//     stands for a coordinator of every survey; each use is counted, and logged at most once
//     an hour;
//   - the console's session cookie (access.SessionCookie), on GET and HEAD only: a form of
//     another site can make a browser send it, so it opens nothing that changes state, which
//     takes a bearer token.
//
// A request with none of these is anonymous. One whose credential does not work (unknown,
// revoked, expired, its user disabled, or an Authorization header of another scheme) is
// refused, never taken as anonymous.
package gate

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/palabre/palabre/survey"
	"github.com/palabre/palabre/survey/access"
	surveyweb "github.com/palabre/palabre/survey/web"
)

// Method is how a request identified itself.
type Method string

const (
	Anonymous   Method = ""             // no credential
	Token       Method = "token"        // a personal API token
	Session     Method = "session"      // the console's session cookie
	SharedToken Method = "shared_token" // the deprecated --coordinator-token
)

// Identity is who makes a request.
type Identity struct {
	// User is the account; its PasswordHash is always empty. For the shared token it is
	// SharedUser; for an anonymous request, the zero User.
	User   access.User
	Method Method
	// TokenID is the public id of the personal API token used, if one was.
	TokenID string
	// SessionIgnored says that a session cookie came with a request that may change state
	// (not GET or HEAD), and was not looked at.
	SessionIgnored bool
}

// SharedUser stands for whoever holds the deprecated shared coordinator token: a
// coordinator of every survey, with no account (no id, no address) and no admin rights.
var SharedUser = access.User{Name: "shared coordinator token", Role: access.Coordinator}

// Anonymous reports whether the request carried no credential.
func (id Identity) Anonymous() bool { return id.Method == Anonymous }

// May reports whether the request may work on surveyID (access.Authorize).
func (id Identity) May(surveyID string) bool {
	return !id.Anonymous() && access.Authorize(id.User, surveyID)
}

// Config is what a Gate needs.
type Config struct {
	// Access checks personal API tokens and sessions; when nil, only the shared token works
	// (and a personal token or a session is refused).
	Access *access.Service
	// SharedToken is the deprecated --coordinator-token; none when empty.
	SharedToken string
	// Log receives the shared token's deprecation warnings; slog.Default() when nil.
	Log *slog.Logger
	// Metrics, when set, gets palabre_coordinator_token_uses_total and
	// palabre_api_credentials_refused_total.
	Metrics prometheus.Registerer
	// WarnEvery is the least time between two warnings that the shared token was used (an
	// hour when 0).
	WarnEvery time.Duration
	// Now is time.Now when nil.
	Now func() time.Time
}

// Gate identifies requests.
type Gate struct {
	access    *access.Service
	shared    [sha256.Size]byte
	hasShared bool
	log       *slog.Logger
	warnEvery time.Duration
	now       func() time.Time
	lastWarn  atomic.Int64 // unix nanoseconds of the last use warning
	uses      prometheus.Counter
	refused   prometheus.Counter
}

// New returns a Gate. When a shared token is configured it logs, once, that it is deprecated.
func New(cfg Config) (*Gate, error) {
	g := &Gate{access: cfg.Access, log: cfg.Log, warnEvery: cfg.WarnEvery, now: cfg.Now,
		uses: prometheus.NewCounter(prometheus.CounterOpts{Name: "palabre_coordinator_token_uses_total",
			Help: "Requests identified by the deprecated shared --coordinator-token."}),
		refused: prometheus.NewCounter(prometheus.CounterOpts{Name: "palabre_api_credentials_refused_total",
			Help: "Requests refused for a credential that does not work: unknown, revoked or expired token or session, disabled account."}),
	}
	if g.log == nil {
		g.log = slog.Default()
	}
	if g.warnEvery <= 0 {
		g.warnEvery = time.Hour
	}
	if g.now == nil {
		g.now = time.Now
	}
	if cfg.Metrics != nil {
		for _, c := range []prometheus.Collector{g.uses, g.refused} {
			if err := cfg.Metrics.Register(c); err != nil {
				return nil, err
			}
		}
	}
	if cfg.SharedToken != "" {
		g.shared, g.hasShared = sha256.Sum256([]byte(cfg.SharedToken)), true
		g.log.Warn("--coordinator-token (PALABRE_COORDINATOR_TOKEN) is deprecated: it stands for a coordinator of every survey " +
			"and says nothing of who acts; give each person an account (palabre user add) and a personal API token (palabre user token)")
	}
	return g, nil
}

// Identify says who makes r: Identity for an anonymous or identified request,
// access.ErrUnauthorized for a credential that does not work, or another error when the
// credential could not be checked.
func (g *Gate) Identify(r *http.Request) (Identity, error) {
	if g == nil {
		if r.Header.Get("Authorization") != "" {
			return Identity{}, access.ErrUnauthorized
		}
		return Identity{}, nil
	}
	if auth := r.Header.Get("Authorization"); auth != "" {
		id, err := g.bearer(r.Context(), auth)
		if errors.Is(err, access.ErrUnauthorized) {
			g.refused.Inc()
		}
		return id, err
	}
	cookie, err := r.Cookie(access.SessionCookie)
	if err != nil || cookie.Value == "" {
		return Identity{}, nil
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return Identity{SessionIgnored: true}, nil
	}
	if g.access == nil {
		g.refused.Inc()
		return Identity{}, access.ErrUnauthorized
	}
	u, _, err := g.access.Session(r.Context(), cookie.Value)
	if err != nil {
		if errors.Is(err, access.ErrUnauthorized) {
			g.refused.Inc()
		}
		return Identity{}, err
	}
	u.PasswordHash = ""
	return Identity{User: u, Method: Session}, nil
}

// bearer checks an Authorization header's value.
func (g *Gate) bearer(ctx context.Context, auth string) (Identity, error) {
	scheme, cred, _ := strings.Cut(auth, " ")
	cred = strings.TrimSpace(cred)
	if !strings.EqualFold(scheme, "Bearer") || cred == "" {
		return Identity{}, access.ErrUnauthorized
	}
	if g.hasShared {
		// Hashes of equal length, compared in constant time: neither the token's length nor
		// its first differing byte shows in the time taken.
		sum := sha256.Sum256([]byte(cred))
		if subtle.ConstantTimeCompare(sum[:], g.shared[:]) == 1 {
			g.usedShared()
			return Identity{User: SharedUser, Method: SharedToken}, nil
		}
	}
	if g.access == nil || !strings.HasPrefix(cred, access.TokenPrefix) {
		return Identity{}, access.ErrUnauthorized
	}
	// The store looks tokens up by the SHA-256 of their text: no stored secret is compared.
	u, t, err := g.access.TokenUser(ctx, cred)
	if err != nil {
		return Identity{}, err
	}
	u.PasswordHash = ""
	return Identity{User: u, Method: Token, TokenID: t.ID}, nil
}

// usedShared counts a use of the shared token and warns, at most once per WarnEvery.
func (g *Gate) usedShared() {
	g.uses.Inc()
	now := g.now().UnixNano()
	last := g.lastWarn.Load()
	if last != 0 && now-last < int64(g.warnEvery) || !g.lastWarn.CompareAndSwap(last, now) {
		return
	}
	g.log.Warn("a request used the deprecated --coordinator-token; give its sender a personal API token (palabre user token)",
		slog.String("metric", "palabre_coordinator_token_uses_total"))
}

type contextKey struct{}

// ginKey holds the Identity in a gin.Context.
const ginKey = "palabre.identity"

// FromContext returns the identity Resolve or Require stored in a request's context.
func FromContext(ctx context.Context) (Identity, bool) {
	id, ok := ctx.Value(contextKey{}).(Identity)
	return id, ok
}

// Current returns the identity Resolve or Require stored in a gin context.
func Current(c *gin.Context) (Identity, bool) {
	v, ok := c.Get(ginKey)
	if !ok {
		return Identity{}, false
	}
	id, ok := v.(Identity)
	return id, ok
}

// Resolve is middleware: it identifies the request once, stores the identity in the gin
// context and in the request's context (Current, FromContext), and answers 401 to a
// credential that does not work, 503 when credentials cannot be checked. An anonymous
// request goes on. A nil Gate takes every request without credentials as anonymous.
func (g *Gate) Resolve(c *gin.Context) {
	if _, ok := g.resolve(c); ok {
		c.Next()
	}
}

func (g *Gate) resolve(c *gin.Context) (Identity, bool) {
	if id, ok := Current(c); ok {
		return id, true
	}
	id, err := g.Identify(c.Request)
	switch {
	case errors.Is(err, access.ErrUnauthorized):
		surveyweb.AbortJSON(c, &survey.Error{Code: survey.CodeUnauthorized, Message: msgBadCredentials.Message(), Err: err},
			surveyweb.Language(c))
		return id, false
	case err != nil:
		surveyweb.AbortJSON(c, &survey.Error{Code: survey.CodeUnavailable, Message: msgUnavailable.Message(), RetryAfter: 5, Err: err},
			surveyweb.Language(c))
		return id, false
	}
	c.Set(ginKey, id)
	c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), contextKey{}, id))
	return id, true
}

// Require identifies the request (unless Resolve did) and checks that it may work on
// surveyID, or that it is identified at all when surveyID is empty. Otherwise it answers the
// request itself and returns false: 401 with the message anonymous (or one saying that
// changes need a bearer token, when a session cookie came with one) to an anonymous request,
// 401 to a credential that does not work, 403 to a user who may not work on the survey.
func (g *Gate) Require(c *gin.Context, surveyID string, anonymous survey.Phrase) (Identity, bool) {
	id, ok := g.resolve(c)
	if !ok {
		return id, false
	}
	lang := surveyweb.Language(c)
	switch {
	case id.Anonymous() && id.SessionIgnored:
		surveyweb.AbortJSON(c, &survey.Error{Code: survey.CodeUnauthorized, Message: msgSessionReadOnly.Message()}, lang)
		return id, false
	case id.Anonymous():
		surveyweb.AbortJSON(c, &survey.Error{Code: survey.CodeUnauthorized, Message: anonymous.Message()}, lang)
		return id, false
	case surveyID != "" && !id.May(surveyID):
		surveyweb.AbortJSON(c, Forbidden(surveyID), lang)
		return id, false
	}
	return id, true
}

// Forbidden is the 403 of a user who may not work on surveyID.
func Forbidden(surveyID string) *survey.Error {
	return &survey.Error{Code: survey.CodeForbidden, Message: msgForbidden.Message(surveyID)}
}

func phrase(key survey.MessageKey, fr, en, es string) survey.Phrase {
	return survey.Phrase{Key: key, FR: fr, EN: en, ES: es}
}

var (
	msgBadCredentials = phrase("access_bad_credentials",
		"Identifiants refusés : le jeton d'API est inconnu ou révoqué, la session a pris fin, ou le compte est désactivé. Créez un nouveau jeton ou reconnectez-vous.",
		"Credentials refused: the API token is unknown or revoked, the session has ended, or the account is disabled. Create a new token or sign in again.",
		"Credenciales rechazadas: el token de API es desconocido o fue revocado, la sesión terminó, o la cuenta está desactivada. Cree un nuevo token o vuelva a iniciar sesión.")
	msgSessionReadOnly = phrase("access_session_read_only",
		"Les modifications par l'API demandent un jeton d'API personnel (Authorization: Bearer plb_…) ; la session de la console ne permet que la lecture.",
		"Changes through the API need a personal API token (Authorization: Bearer plb_…); the console's session only allows reading.",
		"Los cambios por la API requieren un token de API personal (Authorization: Bearer plb_…); la sesión de la consola solo permite leer.")
	msgForbidden = phrase("access_forbidden",
		"Votre compte n'a pas accès à l'enquête « %s ». Demandez-le à un administrateur.",
		"Your account has no access to survey “%s”. Ask an administrator for it.",
		"Su cuenta no tiene acceso a la encuesta «%s». Pídalo a un administrador.")
	msgUnavailable = phrase("access_unavailable",
		"Les comptes ne peuvent pas être vérifiés pour le moment. Réessayez dans quelques instants.",
		"Accounts cannot be checked at the moment. Please try again shortly.",
		"Las cuentas no se pueden verificar en este momento. Vuelva a intentarlo en unos instantes.")
)
