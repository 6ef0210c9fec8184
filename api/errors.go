package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/tongban/tongban"
)

// codeStatus maps application error codes to HTTP statuses.
var codeStatus = map[string]int{
	tongban.ECONFLICT:      http.StatusConflict,
	tongban.EINVALID:       http.StatusBadRequest,
	tongban.ENOTFOUND:      http.StatusNotFound,
	tongban.EUNAUTHORIZED:  http.StatusUnauthorized,
	tongban.EFORBIDDEN:     http.StatusForbidden,
	tongban.ETOOMANY:       http.StatusTooManyRequests,
	tongban.EPRECONDITION:  http.StatusPreconditionFailed,
	tongban.EUNPROCESSABLE: http.StatusUnprocessableEntity,
	tongban.ETOOLARGE:      http.StatusRequestEntityTooLarge,
	tongban.EUNSUPPORTED:   http.StatusUnsupportedMediaType,
	tongban.EINTERNAL:      http.StatusInternalServerError,
	ERequired:              http.StatusPreconditionRequired,
}

// ERequired is the code for a missing If-Match precondition (428).
const ERequired = "precondition_required"

// Problem is an RFC 9457 problem details body.
type Problem struct {
	Type      string               `json:"type"`
	Title     string               `json:"title"`
	Status    int                  `json:"status"`
	Detail    string               `json:"detail"`
	Instance  string               `json:"instance"`
	Code      string               `json:"code"`
	RequestID string               `json:"request_id,omitempty"`
	Errors    []tongban.FieldError `json:"errors,omitempty"`
	Details   any                  `json:"details,omitempty"`
}

// statusCode returns the status for an application code.
func statusCode(code string) int {
	if s, ok := codeStatus[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// fiberCode maps Fiber's own errors (routing, body limit) to app codes.
func fiberCode(status int) string {
	switch status {
	case http.StatusNotFound:
		return tongban.ENOTFOUND
	case http.StatusRequestEntityTooLarge:
		return tongban.ETOOLARGE
	case http.StatusMethodNotAllowed, http.StatusBadRequest:
		return tongban.EINVALID
	case http.StatusUnsupportedMediaType:
		return tongban.EUNSUPPORTED
	case http.StatusTooManyRequests:
		return tongban.ETOOMANY
	case http.StatusForbidden:
		return tongban.EFORBIDDEN
	case http.StatusUnauthorized:
		return tongban.EUNAUTHORIZED
	}
	return tongban.EINTERNAL
}

// errorHandler renders every error as problem+json. Only internal errors are
// logged with their cause; their message to the client is generic.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	var te *tongban.Error
	var fe *fiber.Error
	p := Problem{Instance: c.Path(), RequestID: requestID(c)}
	switch {
	case errors.As(err, &te):
		p.Code, p.Detail, p.Errors, p.Details = te.Code, te.Message, te.Fields, te.Details
	case errors.As(err, &fe):
		p.Code = fiberCode(fe.Code)
		p.Detail = fe.Message
		if fe.Code == http.StatusRequestEntityTooLarge {
			p.Detail = "Request body too large."
			p.Errors = []tongban.FieldError{{Field: "body", Reason: "is larger than the limit"}}
		}
		if fe.Code == http.StatusMethodNotAllowed {
			p.Detail = "Method not allowed."
		}
		if fe.Code == http.StatusNotFound {
			p.Detail = "Not found."
		}
	default:
		p.Code = tongban.EINTERNAL
		p.Detail = "Internal error."
	}
	p.Status = statusCode(p.Code)
	if p.Code == tongban.EINTERNAL {
		s.logger.Error("internal error", "err", err, "request_id", p.RequestID, "method", c.Method(), "route", routeOf(c))
		s.metrics.backendErrors.WithLabelValues("internal").Inc()
		p.Detail = "Internal error."
	}
	p.Title = http.StatusText(p.Status)
	p.Type = "https://tongban.example/problems/" + p.Code
	if prefersChinese(c) {
		localizeZH(&p)
	}
	body, merr := json.Marshal(p)
	if merr != nil {
		slog.Error("marshal problem", "err", merr)
		return c.SendStatus(http.StatusInternalServerError)
	}
	c.Set(fiber.HeaderContentType, "application/problem+json")
	return c.Status(p.Status).Send(body)
}
