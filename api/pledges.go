package api

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/donations"
	"github.com/tongban/tongban/internal/auth"
	"github.com/tongban/tongban/matching"
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

// MaxApplyAssignments bounds the assignments one apply request may carry.
const MaxApplyAssignments = 1000

// ApplyResult is the answer of applying a pledge suggestion: how many
// assignments moved items, and the pledges written (changed or split off).
type ApplyResult struct {
	Applied int                    `json:"applied"`
	Pledges []donations.PledgeView `json:"pledges"`
}

// applySuggestion performs the suggested assignment of the organisation's
// open pledges to need lines. The caller sends the assignments as the
// suggestion showed them; they must equal the suggestion computed now, or
// nothing is written (409: show it again). Assignments that keep items on
// the line they were pledged to change nothing; the others move items:
// the pledge's line gives them up, and they go to a line of the same need
// (a new line of the pledge) or of another need (the pledge moves there
// when it gives up everything, otherwise a pledge for the same donor, in
// the same status, is split off for that need). Applying again once done
// finds nothing to move and answers applied 0.
//
// There are no multi-document transactions, so the writes are ordered so
// that a failure undoes what was written: first the raised line counters
// (each a guarded single-document update that refuses to over-pledge a
// line), then the pledges (each guarded by its version), and last the
// lowered counters, which cannot fail on a consistent need.
func (s *Server) applySuggestion(c *fiber.Ctx) error {
	me := auth.UserFromContext(c.UserContext())
	orgID := strings.Clone(c.Params("id"))
	if me.OrgRole(orgID) == "" {
		return tongban.Errorf(tongban.EFORBIDDEN, "Only staff of the organisation apply the pledge suggestion.")
	}
	var in struct {
		Assignments *[]donations.Assignment `json:"assignments"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	var v tongban.Validation
	v.Check(in.Assignments != nil, "assignments", "is required: the assignments of the suggestion shown")
	if in.Assignments != nil {
		v.Check(len(*in.Assignments) <= MaxApplyAssignments, "assignments", fmt.Sprintf("must list at most %d assignments", MaxApplyAssignments))
		for i, a := range *in.Assignments {
			f := fmt.Sprintf("assignments[%d]", i)
			v.Check(a.PledgeID != "", f+".pledge_id", "is required")
			v.Check(a.NeedID != "", f+".need_id", "is required")
			v.Check(a.PledgeLine >= 0, f+".pledge_line", "must be 0 or more")
			v.Check(a.Item >= 0, f+".item", "must be 0 or more")
			v.Check(a.Count >= 1, f+".count", "must be 1 or more")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	ctx := c.UserContext()
	sg, err := s.deps.Pledges.SuggestForOrg(ctx, orgID)
	if err != nil {
		return err
	}
	var moves []donations.Assignment
	for _, a := range sg.Assignments {
		if a.Moves {
			moves = append(moves, a)
		}
	}
	if len(moves) == 0 {
		// Nothing to move: already applied, or nothing to apply.
		return c.JSON(ApplyResult{Pledges: []donations.PledgeView{}})
	}
	if !sameAssignments(*in.Assignments, sg.Assignments) {
		return &tongban.Error{Code: tongban.ECONFLICT, Message: "The suggestion changed meanwhile; show it again and check it before applying.",
			Fields: []tongban.FieldError{{Field: "assignments", Reason: "differ from the current suggestion"}}}
	}
	p, err := s.planMoves(ctx, me.UserID, moves)
	if err != nil {
		return err
	}
	written, err := s.runPlan(ctx, p)
	if err != nil {
		return err
	}
	out := ApplyResult{Applied: len(moves), Pledges: make([]donations.PledgeView, 0, len(written))}
	for _, w := range written {
		out.Pledges = append(out.Pledges, pledgeView(w))
	}
	return c.JSON(out)
}

// sameAssignments reports whether the assignments sent are the ones
// suggested, in order.
func sameAssignments(got, want []donations.Assignment) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.PledgeID != w.PledgeID || g.PledgeLine != w.PledgeLine || g.NeedID != w.NeedID || g.Item != w.Item || g.Count != w.Count || g.Moves != w.Moves {
			return false
		}
	}
	return true
}

// lineKey names a line of a need.
type lineKey struct {
	need string
	item int
}

// movePlan is everything applying moves writes: pledges replaced (with
// the version they were read at), pledges split off, and the change of
// each need line's pledged counter.
type movePlan struct {
	replace  []*donations.Pledge
	versions []int64
	orig     []*donations.Pledge
	create   []*donations.Pledge
	raise    map[string][]donations.PledgeLine
	lower    map[string][]donations.PledgeLine
	want     map[string][]matching.Item
}

// planMoves reads the pledges and needs the moves touch, checks they still
// hold what the suggestion assumed (409 otherwise), and plans the writes.
// It writes nothing.
func (s *Server) planMoves(ctx context.Context, by string, moves []donations.Assignment) (*movePlan, error) {
	changed := tongban.Errorf(tongban.ECONFLICT, "The pledges changed meanwhile; show the suggestion again.")
	store := s.deps.Pledges.Store
	now := time.Now().UTC().Truncate(time.Millisecond)
	pledges := map[string]*donations.Pledge{}
	var order []string
	needs := map[string]*matching.Need{}
	need := func(id string) (*matching.Need, error) {
		if n, ok := needs[id]; ok {
			return n, nil
		}
		n, err := s.deps.Pledges.Needs.FindNeedByID(ctx, id)
		if tongban.ErrorCode(err) == tongban.ENOTFOUND {
			return nil, changed
		} else if err != nil {
			return nil, err
		}
		needs[id] = n
		return n, nil
	}
	// What each pledge line gives up, and where each pledge's items go.
	out := map[string]map[int]int{}
	in := map[string]map[lineKey]int{}
	delta := map[lineKey]int{}
	for _, m := range moves {
		p, ok := pledges[m.PledgeID]
		if !ok {
			var err error
			if p, err = store.FindPledge(ctx, m.PledgeID); tongban.ErrorCode(err) == tongban.ENOTFOUND {
				return nil, changed
			} else if err != nil {
				return nil, err
			}
			if p.Status != donations.PledgePledged && p.Status != donations.PledgeReceived {
				return nil, changed
			}
			pledges[p.ID] = p
			order = append(order, p.ID)
			out[p.ID], in[p.ID] = map[int]int{}, map[lineKey]int{}
		}
		if m.PledgeLine >= len(p.Lines) {
			return nil, changed
		}
		l := p.Lines[m.PledgeLine]
		if l.Type != m.Type || l.Size != m.Size {
			return nil, changed
		}
		n, err := need(m.NeedID)
		if err != nil {
			return nil, err
		}
		if n.OrgID != p.OrgID || m.Item >= len(n.Items) || n.Items[m.Item].Type != m.Type || n.Items[m.Item].Size != m.Size {
			return nil, changed
		}
		out[p.ID][m.PledgeLine] += m.Count
		if out[p.ID][m.PledgeLine] > l.Count {
			return nil, changed
		}
		in[p.ID][lineKey{m.NeedID, m.Item}] += m.Count
		delta[lineKey{p.NeedID, l.Item}] -= m.Count
		delta[lineKey{m.NeedID, m.Item}] += m.Count
	}

	plan := &movePlan{raise: map[string][]donations.PledgeLine{}, lower: map[string][]donations.PledgeLine{}, want: map[string][]matching.Item{}}
	for _, id := range order {
		p := pledges[id]
		// What stays, and what comes in to lines of the pledge's own need.
		var stay []donations.PledgeLine
		for i, l := range p.Lines {
			if l.Count -= out[id][i]; l.Count > 0 {
				stay = append(stay, l)
			}
		}
		byNeed := map[string][]donations.PledgeLine{}
		var targets []string
		for _, k := range sortedLineKeys(in[id]) {
			n := needs[k.need]
			l := donations.PledgeLine{Item: k.item, Type: n.Items[k.item].Type, Size: n.Items[k.item].Size, Count: in[id][k]}
			if _, ok := byNeed[k.need]; !ok && k.need != p.NeedID {
				targets = append(targets, k.need)
			}
			byNeed[k.need] = append(byNeed[k.need], l)
		}
		stay = mergeLines(stay, byNeed[p.NeedID])
		next := *p
		next.History = append(slices.Clone(p.History), donations.PledgeEvent{Status: p.Status, By: by, At: now, Note: "按认捐建议调配"})
		next.UpdatedAt = now
		if len(stay) == 0 {
			// Everything moves: the pledge itself goes to the first other need.
			first := targets[0]
			targets = targets[1:]
			next.NeedID, next.NeedTitle, stay = first, needs[first].Title, byNeed[first]
		}
		next.Lines = stay
		plan.replace = append(plan.replace, &next)
		plan.versions = append(plan.versions, p.Version)
		plan.orig = append(plan.orig, p)
		for _, nid := range targets {
			split := next
			split.ID = tongban.NewID()
			split.NeedID, split.NeedTitle = nid, needs[nid].Title
			split.Lines = byNeed[nid]
			split.History = slices.Clone(next.History)
			split.Delivery = nil
			split.Version = 1
			plan.create = append(plan.create, &split)
		}
	}
	for _, k := range sortedLineKeys(delta) {
		d := delta[k]
		switch {
		case d > 0:
			n, err := need(k.need)
			if err != nil {
				return nil, err
			}
			plan.raise[k.need] = append(plan.raise[k.need], donations.PledgeLine{Item: k.item, Count: d})
			plan.want[k.need] = append(plan.want[k.need], n.Items[k.item])
		case d < 0:
			plan.lower[k.need] = append(plan.lower[k.need], donations.PledgeLine{Item: k.item, Count: -d})
		}
	}
	return plan, nil
}

// runPlan writes a plan: raised counters, then pledges, then lowered
// counters. A refused write undoes the ones before it and is ECONFLICT.
func (s *Server) runPlan(ctx context.Context, p *movePlan) ([]*donations.Pledge, error) {
	store := s.deps.Pledges.Store
	undoCtx := context.WithoutCancel(ctx)
	var raised []string
	undoRaised := func() {
		for _, nid := range raised {
			if err := store.ReleaseItems(undoCtx, nid, p.raise[nid]); err != nil {
				s.logger.Error("pledge apply: undoing a raised counter failed", "need", nid, "err", err)
			}
		}
	}
	for _, nid := range slices.Sorted(maps.Keys(p.raise)) {
		if err := store.ReserveItems(ctx, nid, p.raise[nid], p.want[nid]); err != nil {
			undoRaised()
			if tongban.ErrorCode(err) == tongban.ECONFLICT {
				return nil, tongban.Errorf(tongban.ECONFLICT, "A need line has no room left for the moved items any more; show the suggestion again.")
			}
			return nil, err
		}
		raised = append(raised, nid)
	}
	var written []*donations.Pledge
	for i, np := range p.replace {
		w, err := store.ReplacePledge(ctx, np, p.versions[i])
		if err != nil {
			// Put back the pledges already replaced, then the counters.
			for j, w := range written {
				if _, uerr := store.ReplacePledge(undoCtx, p.orig[j], w.Version); uerr != nil {
					s.logger.Error("pledge apply: undoing a pledge failed", "pledge", w.ID, "err", uerr)
				}
			}
			undoRaised()
			if tongban.ErrorCode(err) == tongban.EPRECONDITION || tongban.ErrorCode(err) == tongban.ENOTFOUND {
				return nil, tongban.Errorf(tongban.ECONFLICT, "The pledges changed meanwhile; show the suggestion again.")
			}
			return nil, err
		}
		written = append(written, w)
	}
	for _, np := range p.create {
		if err := store.CreatePledge(ctx, np); err != nil {
			// The moved items are counted on the target line but no pledge
			// holds them; say so loudly, the counters can be repaired.
			s.logger.Error("pledge apply: creating a split pledge failed", "from", np.ID, "need", np.NeedID, "err", err)
			return nil, err
		}
		written = append(written, np)
	}
	for _, nid := range slices.Sorted(maps.Keys(p.lower)) {
		if err := store.ReleaseItems(ctx, nid, p.lower[nid]); err != nil {
			s.logger.Error("pledge apply: lowering a counter failed", "need", nid, "err", err)
			return nil, err
		}
	}
	return written, nil
}

// sortedLineKeys returns the keys of m by need, then line.
func sortedLineKeys(m map[lineKey]int) []lineKey {
	ks := slices.Collect(maps.Keys(m))
	slices.SortFunc(ks, func(a, b lineKey) int {
		if c := strings.Compare(a.need, b.need); c != 0 {
			return c
		}
		return a.item - b.item
	})
	return ks
}

// mergeLines adds the counts of more to the lines of the same item in
// lines, appending the others, ordered by item.
func mergeLines(lines, more []donations.PledgeLine) []donations.PledgeLine {
	out := slices.Clone(lines)
	for _, m := range more {
		if i := slices.IndexFunc(out, func(l donations.PledgeLine) bool { return l.Item == m.Item }); i >= 0 {
			out[i].Count += m.Count
		} else {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b donations.PledgeLine) int { return a.Item - b.Item })
	return out
}
