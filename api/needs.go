package api

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/internal/privacy"
	"github.com/tongban/tongban/internal/search"
	"github.com/tongban/tongban/matching"
)

// NeedSchema is the search schema of published needs: public fields only.
var NeedSchema = search.Schema{
	Name:       matching.NeedIndex,
	Searchable: []string{"title", "tags", "narrative", "org_name", "county_name"},
	Filterable: []string{"kind", "category", "county_code", "age_band", "status", "online", "mode", "subjects", "org_id"},
	Numeric:    []string{"urgency", "published_at", "children", "target_fen", "raised_fen", "volunteers_wanted", "pairings_made"},
	Sortable:   []string{"urgency", "published_at"},
	Facets:     []string{"kind", "category", "county_code", "age_band", "status", "online"},
}

func (s *Server) needRoutes(v1 fiber.Router) {
	v1.Get("/needs", s.searchNeeds)
	v1.Get("/needs/:id", s.getNeed)
	v1.Patch("/needs/:id", requireUser, s.updateNeed)
	v1.Post("/needs/:id/transitions", requireUser, s.transitionNeed)
	v1.Post("/orgs/:id/needs", requireUser, s.createNeed)
	v1.Get("/orgs/:id/needs", requireUser, s.orgNeeds)
	v1.Get("/review/needs", requireUser, s.reviewQueue)
	v1.Post("/privacy/screen", requireUser, s.screenText)
}

// publicSafe re-screens the public texts of a need before serving it to the
// public; a need that fails is withheld (and the event logged, without text).
func (s *Server) publicSafe(n *matching.Need) bool {
	if err := s.screen.check(n.PublicTexts()); err != nil {
		s.logger.Warn("published need failed the PII screen; withheld", "need", n.ID)
		return false
	}
	return true
}

// generational is an index that reports a generation that changes on every
// write (search.CachedIndex).
type generational interface{ Generation() uint64 }

// responseCache holds encoded public search responses by query string and
// index generation: a write to the index makes every entry stale at once.
type responseCache struct {
	mu      sync.RWMutex
	entries map[string]cachedBody
}

type cachedBody struct {
	gen  uint64
	body []byte
}

func (rc *responseCache) get(key string, gen uint64) ([]byte, bool) {
	rc.mu.RLock()
	defer rc.mu.RUnlock()
	e, ok := rc.entries[key]
	return e.body, ok && e.gen == gen
}

func (rc *responseCache) put(key string, gen uint64, body []byte) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.entries == nil || len(rc.entries) > 10_000 {
		rc.entries = map[string]cachedBody{}
	}
	rc.entries[key] = cachedBody{gen, body}
}

func (s *Server) searchNeeds(c *fiber.Ctx) error {
	var gen uint64
	g, cacheable := s.deps.NeedIndex.(generational)
	key := string(c.Request().URI().QueryString())
	if cacheable {
		gen = g.Generation()
		if body, ok := s.needResponses.get(key, gen); ok {
			c.Set(fiber.HeaderCacheControl, "no-cache")
			c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
			return c.Send(body)
		}
	}
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	if p.Limit > 50 {
		p.Limit = 50
	}
	offset := 0
	if cur := c.Query("cursor"); cur != "" {
		n, err := strconv.Atoi(cur)
		if err != nil || n < 0 || n > search.MaxOffset {
			return tongban.Invalid("cursor", "is malformed")
		}
		offset = n
	}
	q := strings.TrimSpace(c.Query("q"))
	if len([]rune(q)) > 100 {
		return tongban.Invalid("q", "must be at most 100 characters")
	}
	query := search.Query{Text: q, Facets: NeedSchema.Facets, Offset: offset, Limit: p.Limit}
	for _, f := range []string{"kind", "category", "county_code", "age_band", "status", "online", "subjects", "org_id"} {
		if v := c.Query(f); v != "" {
			query.Filters = append(query.Filters, search.Filter{Field: f, Values: strings.Split(v, ",")})
		}
	}
	switch c.Query("sort", "relevance") {
	case "relevance":
		if q == "" {
			query.Sort = []search.Sort{{Field: "urgency", Desc: true}, {Field: "published_at", Desc: true}}
		}
	case "urgency":
		query.Sort = []search.Sort{{Field: "urgency", Desc: true}, {Field: "published_at", Desc: true}}
	case "newest":
		query.Sort = []search.Sort{{Field: "published_at", Desc: true}}
	default:
		return tongban.Invalid("sort", "must be relevance, urgency or newest")
	}
	res, err := s.deps.NeedIndex.Search(c.UserContext(), query)
	if err != nil {
		return err
	}
	next := ""
	if offset+len(res.Hits) < res.Total {
		next = strconv.Itoa(offset + len(res.Hits))
	}
	facets := map[string][]fiber.Map{}
	for _, f := range NeedSchema.Facets {
		facets[f] = []fiber.Map{}
		for _, fc := range res.Facets[f] {
			facets[f] = append(facets[f], fiber.Map{"value": fc.Value, "count": fc.Count})
		}
	}
	items := make([]search.Document, 0, len(res.Hits))
	for _, h := range res.Hits {
		if s.screen.check(map[string]string{"title": str(h["title"]), "narrative": str(h["narrative"])}) != nil {
			s.logger.Warn("indexed need failed the PII screen; withheld", "need", h["id"])
			continue
		}
		items = append(items, h)
	}
	body, err := json.Marshal(fiber.Map{"items": items, "total": res.Total, "facets": facets, "next_cursor": next})
	if err != nil {
		return err
	}
	if cacheable && g.Generation() == gen {
		s.needResponses.put(key, gen, body)
	}
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(body)
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func needETag(c *fiber.Ctx, n *matching.Need) {
	c.Set(fiber.HeaderETag, `"`+strconv.FormatInt(n.Version, 10)+`"`)
}

func (s *Server) getNeed(c *fiber.Ctx) error {
	n, full, err := s.deps.Needs.FindNeed(c.UserContext(), strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	if !full && !s.publicSafe(n) {
		return tongban.Errorf(tongban.ENOTFOUND, "need not found.")
	}
	needETag(c, n)
	return c.JSON(n)
}

// ifMatch reads the If-Match version (428 when missing).
func ifMatch(c *fiber.Ctx) (int64, error) {
	im := c.Get(fiber.HeaderIfMatch)
	if im == "" {
		return 0, &tongban.Error{Code: ERequired, Message: "Send If-Match with the resource's ETag.", Fields: []tongban.FieldError{{Field: "If-Match", Reason: "is required"}}}
	}
	v, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(im, "W/"), `"`), 10, 64)
	if err != nil {
		return 0, &tongban.Error{Code: tongban.EINVALID, Message: "If-Match must be an ETag such as \"3\".", Fields: []tongban.FieldError{{Field: "If-Match", Reason: "is malformed"}}}
	}
	return v, nil
}

func (s *Server) createNeed(c *fiber.Ctx) error {
	var in matching.NeedInput
	if err := decode(c, &in); err != nil {
		return err
	}
	n, err := s.deps.Needs.CreateNeed(c.UserContext(), strings.Clone(c.Params("id")), in)
	if err != nil {
		return err
	}
	needETag(c, n)
	return c.Status(fiber.StatusCreated).JSON(n)
}

func (s *Server) updateNeed(c *fiber.Ctx) error {
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	var in matching.NeedInput
	if err := decode(c, &in); err != nil {
		return err
	}
	n, err := s.deps.Needs.UpdateNeed(c.UserContext(), strings.Clone(c.Params("id")), version, in)
	if err != nil {
		return err
	}
	needETag(c, n)
	return c.JSON(n)
}

func (s *Server) transitionNeed(c *fiber.Ctx) error {
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	var in struct {
		Action string `json:"action"`
		Note   string `json:"note"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	n, err := s.deps.Needs.Transition(c.UserContext(), strings.Clone(c.Params("id")), version, in.Action, in.Note)
	if err != nil {
		return err
	}
	needETag(c, n)
	return c.JSON(n)
}

func (s *Server) orgNeeds(c *fiber.Ctx) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	var status []string
	if st := c.Query("status"); st != "" {
		status = strings.Split(st, ",")
	}
	items, next, err := s.deps.Needs.OrgNeeds(c.UserContext(), strings.Clone(c.Params("id")), status, p.Cursor, p.Limit)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items, "next_cursor": next})
}

func (s *Server) reviewQueue(c *fiber.Ctx) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	items, next, err := s.deps.Needs.ReviewQueue(c.UserContext(), p.Cursor, p.Limit)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items, "next_cursor": next})
}

// screenText runs the PII screen on a text so editors can highlight
// findings while the author types; nothing is stored or logged.
func (s *Server) screenText(c *fiber.Ctx) error {
	var in struct {
		Text string `json:"text"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	if len(in.Text) > 20000 {
		return tongban.Invalid("text", "must be at most 20000 bytes")
	}
	findings := privacy.Screen(in.Text)
	if findings == nil {
		findings = []privacy.Finding{}
	}
	return c.JSON(fiber.Map{"findings": findings})
}
