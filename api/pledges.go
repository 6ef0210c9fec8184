package api

import (
	"io"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/donations"
)

// pledgeRoutes serve in-kind pledges: donors pledge goods to the lines of
// an in-kind need and follow them; staff of the need's organisation track
// them (received, delivered with a photo) and get a suggested assignment.
func (s *Server) pledgeRoutes(v1 fiber.Router) {
	if s.deps.Pledges == nil {
		return
	}
	v1.Post("/needs/:id/pledges", requireUser, s.createPledge)
	v1.Get("/donor/pledges", requireUser, s.myPledges)
	v1.Post("/pledges/:id/cancel", requireUser, s.cancelPledge)
	v1.Post("/pledges/:id/receive", requireUser, s.receivePledge)
	v1.Post("/pledges/:id/deliver", requireUser, s.deliverPledge)
	v1.Get("/pledges/:id/photo", requireUser, s.pledgePhoto)
	v1.Get("/orgs/:id/pledges", requireUser, s.orgPledges)
	v1.Get("/orgs/:id/pledge-suggestion", requireUser, s.pledgeSuggestion)
	v1.Post("/orgs/:id/pledge-suggestion/apply", requireUser, s.applySuggestion)
}

func pledgeView(p *donations.Pledge) donations.PledgeView {
	return donations.PledgeView{Pledge: p, Trace: donations.TraceOf(p)}
}

func (s *Server) createPledge(c *fiber.Ctx) error {
	var in donations.PledgeInput
	if err := decode(c, &in); err != nil {
		return err
	}
	p, err := s.deps.Pledges.Pledge(c.UserContext(), strings.Clone(c.Params("id")), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(pledgeView(p))
}

func (s *Server) myPledges(c *fiber.Ctx) error {
	items, err := s.deps.Pledges.MyPledges(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items})
}

func (s *Server) cancelPledge(c *fiber.Ctx) error {
	p, err := s.deps.Pledges.Cancel(c.UserContext(), strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	return c.JSON(pledgeView(p))
}

func (s *Server) receivePledge(c *fiber.Ctx) error {
	var in struct {
		Note string `json:"note"`
	}
	if len(c.Body()) > 0 {
		if err := decode(c, &in); err != nil {
			return err
		}
	}
	p, err := s.deps.Pledges.MarkReceived(c.UserContext(), strings.Clone(c.Params("id")), in.Note)
	if err != nil {
		return err
	}
	return c.JSON(pledgeView(p))
}

func (s *Server) deliverPledge(c *fiber.Ctx) error {
	var in donations.DeliveryInput
	if err := decode(c, &in); err != nil {
		return err
	}
	p, err := s.deps.Pledges.MarkDelivered(c.UserContext(), strings.Clone(c.Params("id")), in)
	if err != nil {
		return err
	}
	return c.JSON(pledgeView(p))
}

// pledgePhoto serves a delivery photo to the pledge's donor and the
// organisation's staff, after checking the stored bytes are the recorded
// ones.
func (s *Server) pledgePhoto(c *fiber.Ctx) error {
	p, err := s.deps.Pledges.PledgeForPhoto(c.UserContext(), strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	if s.deps.Money == nil || s.deps.Money.Blob == nil {
		return tongban.Errorf(tongban.ENOTFOUND, "No object store on this server.")
	}
	rc, info, err := s.deps.Money.Blob.Get(c.UserContext(), p.Delivery.PhotoKey)
	if err != nil {
		return err
	}
	defer rc.Close()
	if info.SHA256 != p.Delivery.PhotoSHA256 {
		return tongban.Errorf(tongban.ENOTFOUND, "The stored photo does not match the delivery record.")
	}
	data, err := io.ReadAll(io.LimitReader(rc, UploadLimit+1))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, info.ContentType)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	c.Set("X-Content-Type-Options", "nosniff")
	return c.Send(data)
}

func (s *Server) orgPledges(c *fiber.Ctx) error {
	var status []string
	if st := c.Query("status"); st != "" {
		status = strings.Split(st, ",")
	}
	items, err := s.deps.Pledges.OrgPledges(c.UserContext(), strings.Clone(c.Params("id")), c.Query("need_id"), status)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items})
}

func (s *Server) pledgeSuggestion(c *fiber.Ctx) error {
	sg, err := s.deps.Pledges.SuggestForOrg(c.UserContext(), strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	return c.JSON(sg)
}

// applySuggestion applies the organisation's pledge suggestion (see
// donations.PledgeService.ApplySuggestion for the rules). Who may apply is
// asked before the body is read, so a stranger is refused (403) whatever
// they send.
func (s *Server) applySuggestion(c *fiber.Ctx) error {
	ctx := c.UserContext()
	orgID := strings.Clone(c.Params("id"))
	if err := s.deps.Pledges.CanApplySuggestion(ctx, orgID); err != nil {
		return err
	}
	var in struct {
		Assignments *[]donations.Assignment `json:"assignments"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	var want []donations.Assignment // nil: not sent
	if in.Assignments != nil {
		want = *in.Assignments
		if want == nil {
			want = []donations.Assignment{}
		}
	}
	res, err := s.deps.Pledges.ApplySuggestion(ctx, orgID, want)
	if err != nil {
		return err
	}
	return c.JSON(res)
}
