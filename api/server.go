// Package api is the HTTP layer: the Fiber app, routes, handlers, the auth
// and CSRF middleware, the problem+json error mapping and the OpenAPI spec.
package api

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/accounts"
	"github.com/tongban/tongban/activities"
	"github.com/tongban/tongban/donations"
	"github.com/tongban/tongban/internal/auth"
	"github.com/tongban/tongban/internal/search"
	"github.com/tongban/tongban/matching"
)

// Cookie names.
const (
	SessionCookie = "tongban_session"
	CSRFCookie    = "tongban_csrf"
	CSRFHeader    = "X-CSRF-Token"
)

// Check is a named readiness probe of one backend.
type Check struct {
	Name string
	Fn   func(ctx context.Context) error
}

// Stats answers the public counters of the home page.
type Stats interface {
	CountOrgs(ctx context.Context) (int, error)
	DistinctOrgCounties(ctx context.Context) (int, error)
	CountUsersWithRole(ctx context.Context, role string) (int, error)
}

// Config is the HTTP layer's configuration.
type Config struct {
	// CookieSecure is "auto" (Secure unless the request is plain HTTP to a
	// loopback host), "true" or "false".
	CookieSecure string
	// TLS says the server terminates TLS itself (enables HSTS).
	TLS bool
	// BodyLimit is the largest accepted request body in bytes.
	BodyLimit int
	// LoginRatePerMinute caps login and sign-up attempts per client IP.
	LoginRatePerMinute int
}

// Deps are the services the handlers call.
type Deps struct {
	Accounts *accounts.Service
	Stats    Stats
	OrgIndex search.Index
	Needs    *matching.NeedService
	// Volunteers serves profiles, verification and recommendations.
	Volunteers *matching.VolunteerService
	// Pairings serves the pairing lifecycle and session logs.
	Pairings *matching.PairingService
	// Money serves campaigns, giving, allocations, expenses and tracing;
	// nil disables those routes.
	Money *Money
	// Activities serves activities, sign-ups, attendance, hours,
	// certificates and calendar feeds.
	Activities *activities.Service
	// Pledges serves in-kind pledges and their tracking; nil disables
	// those routes.
	Pledges *donations.PledgeService
	// NeedIndex is the public needs search index.
	NeedIndex search.Index
	Checks    []Check
	// Frontend is the built web app (index.html at its root), or nil.
	Frontend fs.FS
	// OutboxLag returns the age of the oldest pending outbox entry.
	OutboxLag func(ctx context.Context) (time.Duration, error)
	Logger    *slog.Logger
}

// Server is the HTTP server.
type Server struct {
	App     *fiber.App
	cfg     Config
	deps    Deps
	logger  *slog.Logger
	metrics *metrics
	screen  *screenCache
	// needResponses caches encoded public search responses.
	needResponses responseCache
}

// New builds the Fiber app with every route.
func New(cfg Config, deps Deps) *Server {
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = 1 << 20
	}
	if cfg.LoginRatePerMinute <= 0 {
		cfg.LoginRatePerMinute = 20
	}
	if cfg.CookieSecure == "" {
		cfg.CookieSecure = "auto"
	}
	s := &Server{cfg: cfg, deps: deps, logger: deps.Logger}
	if s.logger == nil {
		s.logger = slog.Default()
	}
	s.metrics = newMetrics(deps.OutboxLag)
	s.screen = newScreenCache(100_000)
	s.App = fiber.New(fiber.Config{
		AppName: "tongban",
		// Receipt uploads may be larger than JSON bodies; limitBody keeps
		// every other request within cfg.BodyLimit.
		BodyLimit:             max(cfg.BodyLimit, UploadLimit+64<<10),
		ErrorHandler:          s.errorHandler,
		DisableStartupMessage: true,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           120 * time.Second,
		JSONEncoder:           json.Marshal,
		JSONDecoder:           json.Unmarshal,
	})
	s.App.Use(recover.New(recover.Config{EnableStackTrace: false}))
	s.App.Use(requestid.New(requestid.Config{Generator: tongban.NewID}))
	s.App.Use(s.securityHeaders)
	s.App.Use(s.limitBody)
	s.App.Use(s.observe)
	s.App.Use(s.csrf)
	s.App.Use(s.identify)
	s.routes()
	return s
}

// UploadLimit is the largest accepted receipt or photo upload.
const UploadLimit = 10 << 20

// limitBody refuses bodies over the configured limit, except multipart
// uploads, which are checked against UploadLimit by the framework.
func (s *Server) limitBody(c *fiber.Ctx) error {
	if len(c.Body()) > s.cfg.BodyLimit && !strings.HasPrefix(c.Get(fiber.HeaderContentType), "multipart/form-data") {
		return fiber.ErrRequestEntityTooLarge
	}
	return c.Next()
}

func requestID(c *fiber.Ctx) string {
	if v, ok := c.Locals("requestid").(string); ok {
		return v
	}
	return ""
}

// routeOf returns the matched route pattern (low cardinality for metrics).
func routeOf(c *fiber.Ctx) string {
	if r := c.Route(); r != nil && r.Path != "" && r.Path != "/" && !strings.HasSuffix(r.Path, "*") {
		return r.Path
	}
	if strings.HasPrefix(c.Path(), "/api/") {
		return "unmatched"
	}
	return "static"
}

func (s *Server) securityHeaders(c *fiber.Ctx) error {
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	c.Set("Permissions-Policy", "camera=(self), geolocation=(), microphone=()")
	c.Set("Cross-Origin-Opener-Policy", "same-origin")
	c.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
	if s.cfg.TLS || c.Protocol() == "https" {
		c.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	}
	return c.Next()
}

// observe logs each request (never bodies, cookies or tokens) and records
// its latency by route.
func (s *Server) observe(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	if err != nil {
		if herr := s.App.ErrorHandler(c, err); herr != nil {
			_ = c.SendStatus(fiber.StatusInternalServerError)
		}
	}
	status := c.Response().StatusCode()
	route := routeOf(c)
	d := time.Since(start)
	s.metrics.latency.WithLabelValues(c.Method(), route, strconv.Itoa(status)).Observe(d.Seconds())
	if route != "static" && route != "/metrics" && route != "/healthz" {
		s.logger.Info("request", "method", c.Method(), "route", route, "status", status,
			"duration_ms", float64(d.Microseconds())/1000, "request_id", requestID(c))
	}
	return nil
}

func isUnsafe(method string) bool {
	switch method {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return false
	}
	return true
}

func bearer(c *fiber.Ctx) string {
	h := c.Get(fiber.HeaderAuthorization)
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// secureCookies decides the Secure attribute for this request.
func (s *Server) secureCookies(c *fiber.Ctx) bool {
	switch s.cfg.CookieSecure {
	case "true":
		return true
	case "false":
		return false
	}
	if c.Protocol() == "https" {
		return true
	}
	host := c.Hostname()
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if host == "localhost" {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}

// csrf implements double-submit cookies: a readable random cookie, echoed in
// a header on every unsafe request that is not authenticated by bearer token.
func (s *Server) csrf(c *fiber.Ctx) error {
	token := c.Cookies(CSRFCookie)
	if len(token) < 20 {
		token = auth.NewSecret("")
		c.Cookie(&fiber.Cookie{Name: CSRFCookie, Value: token, Path: "/", SameSite: fiber.CookieSameSiteLaxMode,
			Secure: s.secureCookies(c), MaxAge: int((30 * 24 * time.Hour).Seconds())})
		token = ""
	}
	// Provider notifications carry no cookies: their signature authenticates them.
	if !isUnsafe(c.Method()) || !strings.HasPrefix(c.Path(), "/api/") || bearer(c) != "" || c.Path() == NotifyPath {
		return c.Next()
	}
	sent := c.Get(CSRFHeader)
	if token == "" || sent == "" || subtle.ConstantTimeCompare([]byte(sent), []byte(token)) != 1 {
		return &tongban.Error{Code: tongban.EFORBIDDEN, Message: "Missing or wrong CSRF token: send the tongban_csrf cookie's value in the X-CSRF-Token header.",
			Fields: []tongban.FieldError{{Field: CSRFHeader, Reason: "must equal the tongban_csrf cookie"}}}
	}
	return c.Next()
}

// identify resolves the caller from the bearer token or the session cookie.
// Bad credentials fail only routes that need a caller.
func (s *Server) identify(c *fiber.Ctx) error {
	if !strings.HasPrefix(c.Path(), "/api/") {
		return c.Next()
	}
	secret, via := bearer(c), "token"
	if secret == "" {
		secret, via = c.Cookies(SessionCookie), "session"
	}
	if secret == "" {
		return c.Next()
	}
	id, u, err := s.deps.Accounts.Identify(c.UserContext(), secret, via)
	if err != nil {
		if tongban.ErrorCode(err) != tongban.EUNAUTHORIZED {
			return err
		}
		if via == "token" {
			return err
		}
		s.clearSession(c)
		return c.Next()
	}
	c.Locals("user", u)
	c.SetUserContext(auth.NewContext(c.UserContext(), id))
	return c.Next()
}

func (s *Server) clearSession(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: SessionCookie, Value: "", Path: "/", HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode,
		Secure: s.secureCookies(c), Expires: time.Unix(0, 0), MaxAge: -1})
}

// requireUser fails with 401 unless the request has a caller.
func requireUser(c *fiber.Ctx) error {
	if auth.UserFromContext(c.UserContext()) == nil {
		return tongban.Errorf(tongban.EUNAUTHORIZED, "Please log in.")
	}
	return c.Next()
}

// requireAdmin fails with 401/403 unless the caller is an administrator.
func requireAdmin(c *fiber.Ctx) error {
	id := auth.UserFromContext(c.UserContext())
	if id == nil {
		return tongban.Errorf(tongban.EUNAUTHORIZED, "Please log in.")
	}
	if !id.IsAdmin() {
		return tongban.Errorf(tongban.EFORBIDDEN, "Administrators only.")
	}
	return c.Next()
}

// decode reads a JSON body strictly into v: content type must be JSON,
// unknown fields and trailing data are rejected, and type errors name the
// field.
func decode(c *fiber.Ctx, v any) error {
	ct := strings.ToLower(strings.TrimSpace(strings.SplitN(c.Get(fiber.HeaderContentType), ";", 2)[0]))
	if ct != "application/json" {
		return &tongban.Error{Code: tongban.EUNSUPPORTED, Message: "Send the request body as application/json.", Fields: []tongban.FieldError{{Field: "Content-Type", Reason: "must be application/json"}}}
	}
	dec := json.NewDecoder(bytes.NewReader(c.Body()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return &tongban.Error{Code: tongban.EINVALID, Message: "Malformed JSON: data after the object.", Fields: []tongban.FieldError{{Field: "body", Reason: "has trailing data"}}}
	}
	return nil
}

func jsonError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return &tongban.Error{Code: tongban.EINVALID, Message: fmt.Sprintf("Malformed JSON at byte %d.", se.Offset), Fields: []tongban.FieldError{{Field: "body", Reason: "is not valid JSON"}}}
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "body"
		}
		return &tongban.Error{Code: tongban.EINVALID, Message: fmt.Sprintf("Invalid input: %s must be %s.", field, jsonType(te.Type.Kind().String())), Fields: []tongban.FieldError{{Field: field, Reason: "must be " + jsonType(te.Type.Kind().String())}}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &tongban.Error{Code: tongban.EINVALID, Message: "Invalid input: unknown field " + name + ".", Fields: []tongban.FieldError{{Field: name, Reason: "is not a known field"}}}
	case errors.Is(err, io.EOF):
		return &tongban.Error{Code: tongban.EINVALID, Message: "The request body is empty.", Fields: []tongban.FieldError{{Field: "body", Reason: "is required"}}}
	}
	return &tongban.Error{Code: tongban.EINVALID, Message: "Malformed JSON.", Fields: []tongban.FieldError{{Field: "body", Reason: "is not valid JSON"}}}
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "bool":
		return "a boolean"
	case "ptr":
		return "a value of the documented type"
	}
	return "a number"
}

// pageParams reads ?cursor= and ?limit= (1..100, default 50).
func pageParams(c *fiber.Ctx) (accounts.Page, error) {
	p := accounts.Page{Cursor: c.Query("cursor"), Limit: 50}
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 100 {
			return p, tongban.Invalid("limit", "must be an integer from 1 to 100")
		}
		p.Limit = n
	}
	return p, nil
}

func clientIP(c *fiber.Ctx) string { return c.IP() }
