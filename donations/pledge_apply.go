package donations

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/matching"
)

// MaxApplyAssignments bounds the assignments one apply request may carry.
const MaxApplyAssignments = 1000

// ApplyResult is the answer of applying a pledge suggestion: how many
// assignments moved items, and the pledges written (changed or split off).
type ApplyResult struct {
	Applied int          `json:"applied"`
	Pledges []PledgeView `json:"pledges"`
}

// CanApplySuggestion reports whether the caller may apply the pledge
// suggestion of the organisation: staff of the organisation (any role)
// may; administrators who are not its staff may not. It returns
// EUNAUTHORIZED or EFORBIDDEN, and reads nothing.
func (s *PledgeService) CanApplySuggestion(ctx context.Context, orgID string) error {
	me, err := caller(ctx)
	if err != nil {
		return err
	}
	if !isStaff(me, orgID) {
		return tongban.Errorf(tongban.EFORBIDDEN, "Only staff of the organisation apply the pledge suggestion.")
	}
	return nil
}

// ApplySuggestion performs the suggested assignment of the organisation's
// open pledges to need lines. want is the list of assignments as the
// suggestion showed them to the caller (nil: not given, EINVALID); it must
// equal the suggestion computed now, or nothing is written (ECONFLICT:
// show it again). Assignments that keep items on the line they were
// pledged to change nothing; the others move items: the pledge's line
// gives them up, and they go to a line of the same need (a new line of
// the pledge) or of another need (the pledge moves there when it gives up
// everything, otherwise a pledge for the same donor, in the same status,
// is split off for that need). Applying again once done finds nothing to
// move and returns Applied 0. Only staff of the organisation apply
// (EFORBIDDEN otherwise, see CanApplySuggestion).
//
// There are no multi-document transactions, so the writes are ordered and
// each one that succeeded is undone when a later one fails: first the
// raised line counters (each a guarded single-document update that
// refuses to over-pledge a line), then the pledges (each guarded by its
// version), then the split-off pledges, and last the lowered counters. A
// refused guard is ECONFLICT; any other failure is returned as it is.
func (s *PledgeService) ApplySuggestion(ctx context.Context, orgID string, want []Assignment) (*ApplyResult, error) {
	if err := s.CanApplySuggestion(ctx, orgID); err != nil {
		return nil, err
	}
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var v tongban.Validation
	v.Check(want != nil, "assignments", "is required: the assignments of the suggestion shown")
	v.Check(len(want) <= MaxApplyAssignments, "assignments", fmt.Sprintf("must list at most %d assignments", MaxApplyAssignments))
	for i, a := range want {
		f := fmt.Sprintf("assignments[%d]", i)
		v.Check(a.PledgeID != "", f+".pledge_id", "is required")
		v.Check(a.NeedID != "", f+".need_id", "is required")
		v.Check(a.PledgeLine >= 0, f+".pledge_line", "must be 0 or more")
		v.Check(a.Item >= 0, f+".item", "must be 0 or more")
		v.Check(a.Count >= 1, f+".count", "must be 1 or more")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	sg, err := s.SuggestForOrg(ctx, orgID)
	if err != nil {
		return nil, err
	}
	var moves []Assignment
	for _, a := range sg.Assignments {
		if a.Moves {
			moves = append(moves, a)
		}
	}
	if len(moves) == 0 {
		// Nothing to move: already applied, or nothing to apply.
		return &ApplyResult{Pledges: []PledgeView{}}, nil
	}
	if !sameAssignments(want, sg.Assignments) {
		return nil, &tongban.Error{Code: tongban.ECONFLICT, Message: "The suggestion changed meanwhile; show it again and check it before applying.",
			Fields: []tongban.FieldError{{Field: "assignments", Reason: "differ from the current suggestion"}}}
	}
	p, err := s.planMoves(ctx, me.UserID, moves)
	if err != nil {
		return nil, err
	}
	written, err := s.runPlan(ctx, p)
	if err != nil {
		return nil, err
	}
	return &ApplyResult{Applied: len(moves), Pledges: views(written)}, nil
}

// sameAssignments reports whether the assignments sent are the ones
// suggested, in order.
func sameAssignments(got, want []Assignment) bool {
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
// each need line's pledged counter, with the need's lines as read (the
// guard of a raise, and of taking a lowering back).
type movePlan struct {
	replace  []*Pledge
	versions []int64
	orig     []*Pledge
	create   []*Pledge
	raise    map[string][]PledgeLine
	lower    map[string][]PledgeLine
	want     map[string][]matching.Item
	wantBack map[string][]matching.Item
}

// planMoves reads the pledges and needs the moves touch, checks they still
// hold what the suggestion assumed (ECONFLICT otherwise), and plans the
// writes. It writes nothing.
func (s *PledgeService) planMoves(ctx context.Context, by string, moves []Assignment) (*movePlan, error) {
	changed := tongban.Errorf(tongban.ECONFLICT, "The pledges changed meanwhile; show the suggestion again.")
	now := s.now()
	pledges := map[string]*Pledge{}
	var order []string
	needs := map[string]*matching.Need{}
	need := func(id string) (*matching.Need, error) {
		if n, ok := needs[id]; ok {
			return n, nil
		}
		n, err := s.Needs.FindNeedByID(ctx, id)
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
			if p, err = s.Store.FindPledge(ctx, m.PledgeID); tongban.ErrorCode(err) == tongban.ENOTFOUND {
				return nil, changed
			} else if err != nil {
				return nil, err
			}
			if p.Status != PledgePledged && p.Status != PledgeReceived {
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

	plan := &movePlan{raise: map[string][]PledgeLine{}, lower: map[string][]PledgeLine{}, want: map[string][]matching.Item{}, wantBack: map[string][]matching.Item{}}
	for _, id := range order {
		p := pledges[id]
		// What stays, and what comes in to lines of the pledge's own need.
		var stay []PledgeLine
		for i, l := range p.Lines {
			if l.Count -= out[id][i]; l.Count > 0 {
				stay = append(stay, l)
			}
		}
		byNeed := map[string][]PledgeLine{}
		var targets []string
		for _, k := range sortedLineKeys(in[id]) {
			n := needs[k.need]
			l := PledgeLine{Item: k.item, Type: n.Items[k.item].Type, Size: n.Items[k.item].Size, Count: in[id][k]}
			if _, ok := byNeed[k.need]; !ok && k.need != p.NeedID {
				targets = append(targets, k.need)
			}
			byNeed[k.need] = append(byNeed[k.need], l)
		}
		stay = mergeLines(stay, byNeed[p.NeedID])
		next := *p
		next.History = append(slices.Clone(p.History), PledgeEvent{Status: p.Status, By: by, At: now, Note: "按认捐建议调配"})
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
		if d == 0 {
			continue
		}
		n, err := need(k.need)
		if err != nil {
			return nil, err
		}
		if k.item >= len(n.Items) {
			return nil, changed
		}
		if d > 0 {
			plan.raise[k.need] = append(plan.raise[k.need], PledgeLine{Item: k.item, Count: d})
			plan.want[k.need] = append(plan.want[k.need], n.Items[k.item])
		} else {
			plan.lower[k.need] = append(plan.lower[k.need], PledgeLine{Item: k.item, Count: -d})
			plan.wantBack[k.need] = append(plan.wantBack[k.need], n.Items[k.item])
		}
	}
	return plan, nil
}

func (s *PledgeService) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// runPlan writes a plan: raised counters, then pledges, then split-off
// pledges, then lowered counters. A failed write undoes the ones before
// it, newest first; a refused guard is ECONFLICT. An undo that fails too
// is logged (the counters can be repaired from the pledges), and the
// first failure is returned.
func (s *PledgeService) runPlan(ctx context.Context, p *movePlan) ([]*Pledge, error) {
	undoCtx := context.WithoutCancel(ctx)
	var undo []func()
	fail := func(err error) error {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
		return err
	}
	for _, nid := range slices.Sorted(maps.Keys(p.raise)) {
		if err := s.Store.ReserveItems(ctx, nid, p.raise[nid], p.want[nid]); err != nil {
			if tongban.ErrorCode(err) == tongban.ECONFLICT {
				err = tongban.Errorf(tongban.ECONFLICT, "A need line has no room left for the moved items any more; show the suggestion again.")
			}
			return nil, fail(err)
		}
		undo = append(undo, func() {
			if err := s.Store.ReleaseItems(undoCtx, nid, p.raise[nid]); err != nil {
				s.logger().Error("pledge apply: undoing a raised counter failed", "need", nid, "err", err)
			}
		})
	}
	var written []*Pledge
	for i, np := range p.replace {
		w, err := s.Store.ReplacePledge(ctx, np, p.versions[i])
		if err != nil {
			if c := tongban.ErrorCode(err); c == tongban.EPRECONDITION || c == tongban.ENOTFOUND {
				err = tongban.Errorf(tongban.ECONFLICT, "The pledges changed meanwhile; show the suggestion again.")
			}
			return nil, fail(err)
		}
		orig := p.orig[i]
		undo = append(undo, func() {
			if _, err := s.Store.ReplacePledge(undoCtx, orig, w.Version); err != nil {
				s.logger().Error("pledge apply: undoing a pledge failed", "pledge", w.ID, "err", err)
			}
		})
		written = append(written, w)
	}
	for _, np := range p.create {
		if err := s.Store.CreatePledge(ctx, np); err != nil {
			return nil, fail(err)
		}
		undo = append(undo, func() {
			if err := s.Store.DeletePledge(undoCtx, np.ID, np.Version); err != nil {
				s.logger().Error("pledge apply: undoing a split-off pledge failed", "pledge", np.ID, "need", np.NeedID, "err", err)
			}
		})
		written = append(written, np)
	}
	for _, nid := range slices.Sorted(maps.Keys(p.lower)) {
		if err := s.Store.ReleaseItems(ctx, nid, p.lower[nid]); err != nil {
			return nil, fail(err)
		}
		undo = append(undo, func() {
			// Taking a lowering back raises the counter again; the room
			// is there, as this apply just freed it.
			if err := s.Store.ReserveItems(undoCtx, nid, p.lower[nid], p.wantBack[nid]); err != nil {
				s.logger().Error("pledge apply: undoing a lowered counter failed", "need", nid, "err", err)
			}
		})
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
func mergeLines(lines, more []PledgeLine) []PledgeLine {
	out := slices.Clone(lines)
	for _, m := range more {
		if i := slices.IndexFunc(out, func(l PledgeLine) bool { return l.Item == m.Item }); i >= 0 {
			out[i].Count += m.Count
		} else {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b PledgeLine) int { return a.Item - b.Item })
	return out
}
