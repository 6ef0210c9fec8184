package api

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tongban/tongban/matching"
)

func (s *Server) pairingRoutes(v1 fiber.Router) {
	v1.Post("/needs/:id/signup", requireUser, s.signUpForNeed)
	v1.Post("/needs/:id/pairings", requireUser, s.proposePairing)
	v1.Get("/volunteer/pairings", requireUser, s.myPairings)
	v1.Get("/orgs/:id/pairings", requireUser, s.orgPairings)
	v1.Post("/pairings/:id/actions", requireUser, s.pairingAction)
	v1.Get("/pairings/:id/logs", requireUser, s.pairingLogs)
	v1.Post("/pairings/:id/logs", requireUser, s.addPairingLog)
	v1.Post("/pairings/:id/logs/:log/comments", requireUser, s.commentLog)
	v1.Post("/pairings/:id/logs/:log/confirm", requireUser, s.confirmLog)
	v1.Post("/orgs/:id/matching/runs", requireUser, s.runMatching)
}

func pairingETag(c *fiber.Ctx, p *matching.Pairing) {
	c.Set(fiber.HeaderETag, `"`+strconv.FormatInt(p.Version, 10)+`"`)
}

func (s *Server) signUpForNeed(c *fiber.Ctx) error {
	p, err := s.deps.Pairings.SignUp(c.UserContext(), strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	pairingETag(c, p)
	return c.Status(fiber.StatusCreated).JSON(p)
}

func (s *Server) proposePairing(c *fiber.Ctx) error {
	var in struct {
		VolunteerID string `json:"volunteer_id"`
		Override    string `json:"override"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	p, err := s.deps.Pairings.Propose(c.UserContext(), strings.Clone(c.Params("id")), in.VolunteerID, in.Override)
	if err != nil {
		return err
	}
	pairingETag(c, p)
	return c.Status(fiber.StatusCreated).JSON(p)
}

func (s *Server) myPairings(c *fiber.Ctx) error {
	items, err := s.deps.Pairings.MyPairings(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items})
}

func (s *Server) orgPairings(c *fiber.Ctx) error {
	var status []string
	if st := c.Query("status"); st != "" {
		status = strings.Split(st, ",")
	}
	items, err := s.deps.Pairings.OrgPairings(c.UserContext(), strings.Clone(c.Params("id")), status)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items})
}

func (s *Server) pairingAction(c *fiber.Ctx) error {
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	var in struct {
		Action string `json:"action"`
		Reason string `json:"reason"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	p, err := s.deps.Pairings.Act(c.UserContext(), strings.Clone(c.Params("id")), version, in.Action, in.Reason)
	if err != nil {
		return err
	}
	pairingETag(c, p)
	return c.JSON(p)
}

func (s *Server) pairingLogs(c *fiber.Ctx) error {
	logs, err := s.deps.Pairings.Logs(c.UserContext(), strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": logs})
}

func (s *Server) addPairingLog(c *fiber.Ctx) error {
	var in matching.LogInput
	if err := decode(c, &in); err != nil {
		return err
	}
	l, err := s.deps.Pairings.AddLog(c.UserContext(), strings.Clone(c.Params("id")), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(l)
}

func (s *Server) commentLog(c *fiber.Ctx) error {
	var in struct {
		Text string `json:"text"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	l, err := s.deps.Pairings.Comment(c.UserContext(), strings.Clone(c.Params("id")), strings.Clone(c.Params("log")), in.Text)
	if err != nil {
		return err
	}
	return c.JSON(l)
}

func (s *Server) confirmLog(c *fiber.Ctx) error {
	l, err := s.deps.Pairings.ConfirmLog(c.UserContext(), strings.Clone(c.Params("id")), strings.Clone(c.Params("log")))
	if err != nil {
		return err
	}
	return c.JSON(l)
}

func (s *Server) runMatching(c *fiber.Ctx) error {
	var in matching.BatchOptions
	if err := decode(c, &in); err != nil {
		return err
	}
	res, err := s.deps.Pairings.RunBatch(c.UserContext(), strings.Clone(c.Params("id")), in, nil)
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if !in.DryRun {
		status = fiber.StatusCreated
	}
	return c.Status(status).JSON(res)
}
