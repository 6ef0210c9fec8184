package api

import (
	"encoding/base64"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tongban/tongban/activities"
)

func (s *Server) activityRoutes(v1 fiber.Router) {
	// Public: upcoming sessions, activity pages, certificate checks and
	// private-token calendar feeds.
	v1.Get("/activities", s.searchActivities)
	v1.Get("/activities/:id", s.getActivity)
	v1.Get("/activity-sessions/:id", s.getActivitySession)
	v1.Get("/certificates/:serial", s.verifyCertificate)
	v1.Get("/calendar/:token.ics", s.calendarFeed)

	// Staff of the organisation.
	v1.Post("/orgs/:id/activities", requireUser, s.createActivity)
	v1.Get("/orgs/:id/activities", requireUser, s.orgActivities)
	v1.Post("/activities/:id/sessions", requireUser, s.addActivitySession)
	v1.Get("/activity-sessions/:id/signups", requireUser, s.sessionSignups)
	v1.Get("/activity-sessions/:id/checkin-code", requireUser, s.checkinCode)
	v1.Post("/activity-sessions/:id/hours", requireUser, s.confirmHours)
	v1.Put("/activity-signups/:id/attendance", requireUser, s.markAttendance)

	// Volunteers.
	v1.Post("/activity-sessions/:id/signups", requireUser, s.signUpForSession)
	v1.Post("/activity-sessions/:id/checkin", requireUser, s.selfCheckIn(false))
	v1.Post("/activity-sessions/:id/checkout", requireUser, s.selfCheckIn(true))
	v1.Post("/activity-signups/:id/actions", requireUser, s.signupAction)
	v1.Get("/volunteer/signups", requireUser, s.mySignups)
	v1.Get("/volunteer/hours", requireUser, s.myHours)
	v1.Get("/volunteer/certificates", requireUser, s.myCertificates)
	v1.Post("/volunteer/certificates", requireUser, s.issueCertificate)
	v1.Get("/certificates/:serial/pdf", requireUser, s.certificatePDF)
	v1.Post("/volunteer/calendar-token", requireUser, s.newCalendarToken)
	v1.Delete("/volunteer/calendar-token", requireUser, s.revokeCalendarToken)
}

func (s *Server) searchActivities(c *fiber.Ctx) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	items, next, err := s.deps.Activities.SearchSessions(c.UserContext(), activities.SearchInput{
		CountyCode: c.Query("county_code"), From: c.Query("from"), To: c.Query("to"), Role: c.Query("role"),
		OrgID: c.Query("org_id"), Cursor: p.Cursor, Limit: p.Limit})
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items, "next_cursor": next})
}

func (s *Server) getActivity(c *fiber.Ctx) error {
	a, err := s.deps.Activities.Activity(c.UserContext(), strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	return c.JSON(a)
}

func (s *Server) getActivitySession(c *fiber.Ctx) error {
	sv, err := s.deps.Activities.Session(c.UserContext(), strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	return c.JSON(sv)
}

func (s *Server) createActivity(c *fiber.Ctx) error {
	var in activities.ActivityInput
	if err := decode(c, &in); err != nil {
		return err
	}
	a, err := s.deps.Activities.CreateActivity(c.UserContext(), strings.Clone(c.Params("id")), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(a)
}

func (s *Server) orgActivities(c *fiber.Ctx) error {
	items, err := s.deps.Activities.OrgActivities(c.UserContext(), strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items})
}

func (s *Server) addActivitySession(c *fiber.Ctx) error {
	var in activities.SessionInput
	if err := decode(c, &in); err != nil {
		return err
	}
	sv, err := s.deps.Activities.AddSession(c.UserContext(), strings.Clone(c.Params("id")), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(sv)
}

func (s *Server) sessionSignups(c *fiber.Ctx) error {
	items, err := s.deps.Activities.SessionSignups(c.UserContext(), strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items})
}

func (s *Server) checkinCode(c *fiber.Ctx) error {
	code, err := s.deps.Activities.CheckinCode(c.UserContext(), strings.Clone(c.Params("id")), c.BaseURL())
	if err != nil {
		return err
	}
	png, err := activities.QRPNG(code.URL, 320)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"session_id": code.SessionID, "code": code.Code, "url": code.URL, "expires_at": code.ExpiresAt,
		"window_seconds": code.WindowSeconds, "qr_png": "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)})
}

func (s *Server) confirmHours(c *fiber.Ctx) error {
	var in struct {
		ChildrenServed int `json:"children_served"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	res, err := s.deps.Activities.ConfirmHours(c.UserContext(), strings.Clone(c.Params("id")), in.ChildrenServed)
	if err != nil {
		return err
	}
	return c.JSON(res)
}

func (s *Server) markAttendance(c *fiber.Ctx) error {
	var in activities.AttendanceInput
	if err := decode(c, &in); err != nil {
		return err
	}
	su, err := s.deps.Activities.MarkAttendance(c.UserContext(), strings.Clone(c.Params("id")), in)
	if err != nil {
		return err
	}
	return c.JSON(su)
}

func (s *Server) signUpForSession(c *fiber.Ctx) error {
	var in struct {
		Role string `json:"role"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	su, err := s.deps.Activities.SignUp(c.UserContext(), strings.Clone(c.Params("id")), in.Role)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(su)
}

func (s *Server) selfCheckIn(out bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var in struct {
			Code string `json:"code"`
		}
		if err := decode(c, &in); err != nil {
			return err
		}
		su, err := s.deps.Activities.CheckIn(c.UserContext(), strings.Clone(c.Params("id")), in.Code, out)
		if err != nil {
			return err
		}
		return c.JSON(su)
	}
}

func (s *Server) signupAction(c *fiber.Ctx) error {
	var in struct {
		Action string `json:"action"`
		Reason string `json:"reason"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	su, err := s.deps.Activities.Act(c.UserContext(), strings.Clone(c.Params("id")), in.Action, in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(su)
}

func (s *Server) mySignups(c *fiber.Ctx) error {
	items, err := s.deps.Activities.MySignups(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items})
}

func (s *Server) myHours(c *fiber.Ctx) error {
	rec, err := s.deps.Activities.MyHours(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(rec)
}

func (s *Server) myCertificates(c *fiber.Ctx) error {
	items, err := s.deps.Activities.MyCertificates(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items})
}

func (s *Server) issueCertificate(c *fiber.Ctx) error {
	var in activities.CertificateInput
	if err := decode(c, &in); err != nil {
		return err
	}
	cert, err := s.deps.Activities.IssueCertificate(c.UserContext(), in, c.BaseURL())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(cert)
}

func (s *Server) certificatePDF(c *fiber.Ctx) error {
	pdf, cert, err := s.deps.Activities.CertificatePDF(c.UserContext(), strings.Clone(c.Params("serial")))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="certificate-`+cert.Serial+`.pdf"`)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Send(pdf)
}

func (s *Server) verifyCertificate(c *fiber.Ctx) error {
	pc, err := s.deps.Activities.VerifyCertificate(c.UserContext(), strings.Clone(c.Params("serial")))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-cache")
	return c.JSON(pc)
}

func (s *Server) newCalendarToken(c *fiber.Ctx) error {
	t, err := s.deps.Activities.NewCalendarToken(c.UserContext(), c.BaseURL())
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusCreated).JSON(t)
}

func (s *Server) revokeCalendarToken(c *fiber.Ctx) error {
	if err := s.deps.Activities.RevokeCalendarToken(c.UserContext()); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) calendarFeed(c *fiber.Ctx) error {
	ics, err := s.deps.Activities.CalendarFeed(c.UserContext(), strings.Clone(c.Params("token")))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/calendar; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "private, max-age=300")
	c.Set("Referrer-Policy", "no-referrer")
	return c.Send(ics)
}
