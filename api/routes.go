package api

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/accounts"
	"github.com/tongban/tongban/donations"
	"github.com/tongban/tongban/geo"
	"github.com/tongban/tongban/internal/auth"
	"github.com/tongban/tongban/internal/search"
)

func (s *Server) routes() {
	app := s.App
	app.Get("/healthz", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"status": "ok"}) })
	app.Get("/readyz", s.readyz)
	app.Get("/metrics", s.metricsHandler())
	app.Get("/api/openapi.yaml", serveSpec)
	app.Get("/api/docs", s.docsPage)

	v1 := app.Group("/api/v1")
	limited := limiter.New(limiter.Config{
		Max: s.cfg.LoginRatePerMinute, Expiration: time.Minute,
		KeyGenerator: func(c *fiber.Ctx) string { return c.IP() },
		LimitReached: func(c *fiber.Ctx) error {
			return tongban.Errorf(tongban.ETOOMANY, "Too many attempts from your network. Wait a minute and try again.")
		},
	})
	v1.Post("/auth/signup", limited, s.signup)
	v1.Post("/auth/login", limited, s.login)
	v1.Post("/auth/logout", s.logout)
	v1.Get("/auth/me", requireUser, s.me)
	v1.Post("/auth/password", requireUser, s.changePassword)
	v1.Get("/auth/tokens", requireUser, s.listTokens)
	v1.Post("/auth/tokens", requireUser, s.createToken)
	v1.Delete("/auth/tokens/:id", requireUser, s.revokeToken)
	v1.Patch("/me", requireUser, s.updateMe)
	v1.Get("/me/export", requireUser, s.exportMe)
	v1.Post("/me/erase", requireUser, s.eraseMe)

	v1.Get("/stats", s.stats)
	v1.Get("/counties", s.counties)
	v1.Get("/orgs", s.listOrgs)
	v1.Post("/orgs", requireAdmin, s.createOrg)
	v1.Get("/orgs/:id", s.getOrg)
	v1.Get("/orgs/:id/members", requireUser, s.orgMembers)
	v1.Post("/orgs/:id/members", requireUser, s.addMember)

	s.needRoutes(v1)
	s.volunteerRoutes(v1)
	s.pairingRoutes(v1)
	s.donationRoutes(v1)
	s.activityRoutes(v1)
	s.pledgeRoutes(v1)

	v1.Get("/admin/users", requireAdmin, s.adminUsers)
	v1.Get("/admin/audit", requireAdmin, s.adminAudit)

	v1.All("/*", func(c *fiber.Ctx) error { return tongban.Errorf(tongban.ENOTFOUND, "No such API route.") })
	s.sandboxRoutes()
	s.spa()
}

func (s *Server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 3*time.Second)
	defer cancel()
	out := fiber.Map{}
	ok := true
	for _, ch := range s.deps.Checks {
		if err := ch.Fn(ctx); err != nil {
			ok = false
			out[ch.Name] = "error"
			s.metrics.backendErrors.WithLabelValues(ch.Name).Inc()
			s.logger.Warn("readiness check failed", "backend", ch.Name, "err", err)
		} else {
			out[ch.Name] = "ok"
		}
	}
	status := fiber.StatusOK
	if !ok {
		status = fiber.StatusServiceUnavailable
	}
	return c.Status(status).JSON(fiber.Map{"ready": ok, "checks": out})
}

// UserView is a user as the user themself sees it.
type UserView struct {
	*accounts.User
	Roles []string `json:"roles"`
}

func userView(u *accounts.User) UserView {
	roles := append([]string{}, u.Roles...)
	if len(u.Memberships) > 0 {
		roles = append(roles, accounts.RoleStaff)
	}
	return UserView{User: u, Roles: roles}
}

func (s *Server) setSession(c *fiber.Ctx, secret string) {
	c.Cookie(&fiber.Cookie{Name: SessionCookie, Value: secret, Path: "/", HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode,
		Secure: s.secureCookies(c), MaxAge: int(accounts.SessionLifetime.Seconds())})
}

func etag(u *accounts.User) string { return `"` + strconv.FormatInt(u.Version, 10) + `"` }

func (s *Server) signup(c *fiber.Ctx) error {
	var in accounts.SignupInput
	if err := decode(c, &in); err != nil {
		return err
	}
	if _, err := s.deps.Accounts.Signup(c.UserContext(), in, clientIP(c)); err != nil {
		return err
	}
	u, secret, err := s.deps.Accounts.Login(c.UserContext(), in.Login, in.Password, clientIP(c))
	if err != nil {
		return err
	}
	s.setSession(c, secret)
	c.Set(fiber.HeaderETag, etag(u))
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"user": userView(u)})
}

func (s *Server) login(c *fiber.Ctx) error {
	var in struct {
		Login    string `json:"login"`
		Password string `json:"password"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	u, secret, err := s.deps.Accounts.Login(c.UserContext(), in.Login, in.Password, clientIP(c))
	if err != nil {
		return err
	}
	s.setSession(c, secret)
	c.Set(fiber.HeaderETag, etag(u))
	return c.JSON(fiber.Map{"user": userView(u)})
}

func (s *Server) logout(c *fiber.Ctx) error {
	if secret := c.Cookies(SessionCookie); secret != "" {
		if err := s.deps.Accounts.Logout(c.UserContext(), secret, clientIP(c)); err != nil {
			return err
		}
	}
	s.clearSession(c)
	return c.SendStatus(fiber.StatusNoContent)
}

func currentUser(c *fiber.Ctx) *accounts.User {
	u, _ := c.Locals("user").(*accounts.User)
	return u
}

func (s *Server) me(c *fiber.Ctx) error {
	u := currentUser(c)
	c.Set(fiber.HeaderETag, etag(u))
	return c.JSON(fiber.Map{"user": userView(u)})
}

func (s *Server) updateMe(c *fiber.Ctx) error {
	im := c.Get(fiber.HeaderIfMatch)
	if im == "" {
		return &tongban.Error{Code: ERequired, Message: "Send If-Match with the ETag from GET /api/v1/auth/me.", Fields: []tongban.FieldError{{Field: "If-Match", Reason: "is required"}}}
	}
	version, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(im, "W/"), `"`), 10, 64)
	if err != nil {
		return &tongban.Error{Code: tongban.EINVALID, Message: "If-Match must be an ETag such as \"3\".", Fields: []tongban.FieldError{{Field: "If-Match", Reason: "is malformed"}}}
	}
	var in struct {
		DisplayName *string `json:"display_name"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	u, err := s.deps.Accounts.UpdateProfile(c.UserContext(), version, in.DisplayName)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(u))
	return c.JSON(fiber.Map{"user": userView(u)})
}

func (s *Server) changePassword(c *fiber.Ctx) error {
	var in struct {
		Current string `json:"current_password"`
		New     string `json:"new_password"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	keep := ""
	if auth.UserFromContext(c.UserContext()).Via == "session" {
		keep = c.Cookies(SessionCookie)
	}
	if err := s.deps.Accounts.ChangePassword(c.UserContext(), in.Current, in.New, keep, clientIP(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) listTokens(c *fiber.Ctx) error {
	toks, err := s.deps.Accounts.Tokens(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": toks})
}

func (s *Server) createToken(c *fiber.Ctx) error {
	var in struct {
		Name string `json:"name"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	t, secret, err := s.deps.Accounts.CreateToken(c.UserContext(), in.Name, clientIP(c))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"token": t, "secret": secret})
}

func (s *Server) revokeToken(c *fiber.Ctx) error {
	if err := s.deps.Accounts.RevokeToken(c.UserContext(), strings.Clone(c.Params("id")), clientIP(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) eraseMe(c *fiber.Ctx) error {
	var in struct {
		Password string `json:"password"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	if err := s.deps.Accounts.DeleteMine(c.UserContext(), in.Password, clientIP(c)); err != nil {
		return err
	}
	s.clearSession(c)
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) exportMe(c *fiber.Ctx) error {
	ex, err := s.deps.Accounts.ExportMine(c.UserContext())
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="tongban-my-data.json"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(ex)
}

// Campaign progress appears on the home page once campaigns exist.
type campaignProgress struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	TargetFen int64  `json:"target_fen"`
	RaisedFen int64  `json:"raised_fen"`
}

func (s *Server) stats(c *fiber.Ctx) error {
	ctx := c.UserContext()
	orgs, err := s.deps.Stats.CountOrgs(ctx)
	if err != nil {
		return err
	}
	counties, err := s.deps.Stats.DistinctOrgCounties(ctx)
	if err != nil {
		return err
	}
	vols, err := s.deps.Stats.CountUsersWithRole(ctx, accounts.RoleVolunteer)
	if err != nil {
		return err
	}
	donors, err := s.deps.Stats.CountUsersWithRole(ctx, accounts.RoleDonor)
	if err != nil {
		return err
	}
	campaigns := []campaignProgress{}
	if s.deps.Money != nil {
		list, _, err := s.deps.Money.Donations.ListCampaigns(ctx, donations.CampaignFilter{Status: []string{donations.CampaignActive}, Limit: 6})
		if err != nil {
			return err
		}
		for _, cp := range list {
			t, err := s.deps.Money.Donations.Totals(ctx, cp.ID)
			if err != nil {
				return err
			}
			campaigns = append(campaigns, campaignProgress{ID: cp.ID, Title: cp.Title, TargetFen: cp.TargetFen, RaisedFen: t.RaisedFen - t.RefundedFen})
		}
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=30")
	return c.JSON(fiber.Map{"organisations": orgs, "counties": counties, "volunteers": vols, "donors": donors, "campaigns": campaigns})
}

func (s *Server) counties(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	return c.JSON(fiber.Map{"items": geo.SortedCounties()})
}

// orgFacets are the facets of the organisation directory.
var orgFacets = []string{"type", "county_code"}

func (s *Server) listOrgs(c *fiber.Ctx) error {
	q, typ, county := c.Query("q"), c.Query("type"), c.Query("county_code")
	if q == "" && typ == "" && county == "" {
		p, err := pageParams(c)
		if err != nil {
			return err
		}
		items, next, err := s.deps.Accounts.Orgs.FindOrgs(c.UserContext(), p)
		if err != nil {
			return err
		}
		return c.JSON(fiber.Map{"items": items, "next_cursor": next})
	}
	// Search path: offset cursor over the index.
	offset := 0
	if cur := c.Query("cursor"); cur != "" {
		n, err := strconv.Atoi(cur)
		if err != nil || n < 0 || n > 10000 {
			return tongban.Invalid("cursor", "is malformed")
		}
		offset = n
	}
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	if len([]rune(q)) > 200 {
		return tongban.Invalid("q", "must be at most 200 characters")
	}
	query := search.Query{Text: q, Facets: orgFacets, Offset: offset, Limit: p.Limit}
	if typ != "" {
		query.Filters = append(query.Filters, search.Filter{Field: "type", Values: strings.Split(typ, ",")})
	}
	if county != "" {
		query.Filters = append(query.Filters, search.Filter{Field: "county_code", Values: strings.Split(county, ",")})
	}
	res, err := s.deps.OrgIndex.Search(c.UserContext(), query)
	if err != nil {
		return err
	}
	next := ""
	if offset+len(res.Hits) < res.Total {
		next = fmt.Sprint(offset + len(res.Hits))
	}
	facets := map[string][]fiber.Map{}
	for f, counts := range res.Facets {
		for _, fc := range counts {
			facets[f] = append(facets[f], fiber.Map{"value": fc.Value, "count": fc.Count})
		}
	}
	items := make([]fiber.Map, 0, len(res.Hits))
	for _, h := range res.Hits {
		items = append(items, fiber.Map{"id": h["id"], "name": h["name"], "type": h["type"], "county_code": h["county_code"], "county_name": h["county_name"]})
	}
	return c.JSON(fiber.Map{"items": items, "total": res.Total, "facets": facets, "next_cursor": next})
}

func (s *Server) createOrg(c *fiber.Ctx) error {
	var in accounts.OrgInput
	if err := decode(c, &in); err != nil {
		return err
	}
	o, err := s.deps.Accounts.CreateOrg(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(o)
}

func (s *Server) getOrg(c *fiber.Ctx) error {
	o, err := s.deps.Accounts.Orgs.FindOrgByID(c.UserContext(), strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	return c.JSON(o)
}

// orgMembers names an organisation's staff for its own staff and admins.
func (s *Server) orgMembers(c *fiber.Ctx) error {
	ms, err := s.deps.Accounts.OrgMembers(c.UserContext(), strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": ms})
}

func (s *Server) addMember(c *fiber.Ctx) error {
	var in struct {
		UserID string `json:"user_id"`
		Role   string `json:"role"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	if in.UserID == "" {
		return tongban.Invalid("user_id", "is required")
	}
	u, err := s.deps.Accounts.AddMember(c.UserContext(), strings.Clone(c.Params("id")), in.UserID, in.Role)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"user": maskedUser(u)})
}

// maskedUser is how a user appears in lists: contact data masked.
func maskedUser(u *accounts.User) fiber.Map {
	return fiber.Map{"id": u.ID, "email_masked": accounts.MaskEmail(u.Email), "phone_masked": accounts.MaskPhone(u.Phone),
		"display_name": u.DisplayName, "roles": userView(u).Roles, "memberships": u.Memberships, "created_at": u.CreatedAt}
}

func (s *Server) adminUsers(c *fiber.Ctx) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	users, next, err := s.deps.Accounts.ListUsers(c.UserContext(), p)
	if err != nil {
		return err
	}
	items := make([]fiber.Map, len(users))
	for i, u := range users {
		items[i] = maskedUser(u)
	}
	return c.JSON(fiber.Map{"items": items, "next_cursor": next})
}

func (s *Server) adminAudit(c *fiber.Ctx) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	ev, next, err := s.deps.Accounts.ListAudit(c.UserContext(), p)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": ev, "next_cursor": next})
}
