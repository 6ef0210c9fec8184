package api

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/matching"
)

func (s *Server) volunteerRoutes(v1 fiber.Router) {
	v1.Get("/volunteer/profile", requireUser, s.myProfile)
	v1.Put("/volunteer/profile", requireUser, s.putProfile)
	v1.Get("/volunteer/recommendations", requireUser, s.recommendNeeds)
	v1.Get("/verification/queue", requireUser, s.verificationQueue)
	v1.Post("/volunteers/:id/checks", requireUser, s.recordCheck)
	v1.Get("/needs/:id/candidates", requireUser, s.needCandidates)
}

func profileETag(c *fiber.Ctx, v *matching.ProfileView) {
	c.Set(fiber.HeaderETag, `"`+strconv.FormatInt(v.Version, 10)+`"`)
}

func (s *Server) myProfile(c *fiber.Ctx) error {
	v, err := s.deps.Volunteers.MyProfile(c.UserContext())
	if err != nil {
		return err
	}
	profileETag(c, v)
	return c.JSON(v)
}

func (s *Server) putProfile(c *fiber.Ctx) error {
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	var in matching.ProfileInput
	if err := decode(c, &in); err != nil {
		return err
	}
	v, err := s.deps.Volunteers.UpdateMyProfile(c.UserContext(), version, in)
	if err != nil {
		return err
	}
	profileETag(c, v)
	return c.JSON(v)
}

func topK(c *fiber.Ctx) (int, error) {
	k := 10
	if q := c.Query("k"); q != "" {
		n, err := strconv.Atoi(q)
		if err != nil || n < 1 || n > 50 {
			return 0, tongban.Invalid("k", "must be an integer from 1 to 50")
		}
		k = n
	}
	return k, nil
}

func (s *Server) recommendNeeds(c *fiber.Ctx) error {
	k, err := topK(c)
	if err != nil {
		return err
	}
	recs, pv, err := s.deps.Volunteers.RecommendNeeds(c.UserContext(), k)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": recs, "verification": pv.Verification})
}

func (s *Server) needCandidates(c *fiber.Ctx) error {
	k, err := topK(c)
	if err != nil {
		return err
	}
	recs, err := s.deps.Volunteers.RecommendVolunteers(c.UserContext(), strings.Clone(c.Params("id")), k)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": recs})
}

func (s *Server) verificationQueue(c *fiber.Ctx) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	items, next, err := s.deps.Volunteers.VerificationQueue(c.UserContext(), p.Cursor, p.Limit)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items, "next_cursor": next})
}

func (s *Server) recordCheck(c *fiber.Ctx) error {
	var in matching.RecordCheckInput
	if err := decode(c, &in); err != nil {
		return err
	}
	v, err := s.deps.Volunteers.RecordCheck(c.UserContext(), strings.Clone(c.Params("id")), in)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"volunteer": matching.PublicVolunteer{ID: v.ID, DisplayName: v.DisplayName, CountyCode: v.CountyCode,
		Subjects: v.Subjects, Skills: v.Skills, Verification: v.Verification}})
}
