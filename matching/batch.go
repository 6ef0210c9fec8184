package matching

import (
	"context"
	"math"
	"slices"
	"sort"

	"github.com/tongban/tongban"
)

// Fairness options of a batch run.
const (
	// FairnessNone maximises the total score only.
	FairnessNone = "none"
	// FairnessWaiting multiplies each edge's weight by 1 + days waited / 60
	// (at most 2), so needs published long ago win close contests; the
	// assignment is still exactly optimal for the adjusted weights.
	FairnessWaiting = "waiting"
)

// BatchOptions configure a batch matching run.
type BatchOptions struct {
	// NeedIDs restricts the run to these needs; empty means every published
	// pairing need of the organisation.
	NeedIDs []string `json:"need_ids"`
	// Candidates is the number of best eligible volunteers kept per need
	// (the sparse candidate graph); default 50.
	Candidates int    `json:"candidates"`
	Fairness   string `json:"fairness"`
	DryRun     bool   `json:"dry_run"`
}

// Proposal is one proposed pair of a batch run, with its explanation.
type Proposal struct {
	NeedID    string          `json:"need_id"`
	NeedTitle string          `json:"need_title"`
	Volunteer PublicVolunteer `json:"volunteer"`
	Score     Score           `json:"score"`
	PairingID string          `json:"pairing_id,omitempty"`
	Error     string          `json:"error,omitempty"`
}

// BatchResult is the outcome of a batch run.
type BatchResult struct {
	Needs      int        `json:"needs"`
	Volunteers int        `json:"volunteers"`
	Edges      int        `json:"edges"`
	Total      float64    `json:"total"`
	Proposals  []Proposal `json:"proposals"`
	// Unfilled maps need IDs to the number of places left unfilled.
	Unfilled map[string]int `json:"unfilled"`
	DryRun   bool           `json:"dry_run"`
}

// RunBatch computes the optimal assignment of an organisation's pairing
// needs to eligible volunteers and, unless DryRun, records each pair as a
// proposal the volunteer can accept. progress is called as candidates are
// scored.
func (s *PairingService) RunBatch(ctx context.Context, orgID string, opts BatchOptions, progress func(done, total int)) (*BatchResult, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if r := me.OrgRole(orgID); r != "coordinator" && r != "reviewer" && !me.IsAdmin() {
		return nil, tongban.Errorf(tongban.EFORBIDDEN, "Only a coordinator or reviewer of the organisation can run matching.")
	}
	if opts.Candidates == 0 {
		opts.Candidates = 50
	}
	if opts.Candidates < 1 || opts.Candidates > 500 {
		return nil, tongban.Invalid("candidates", "must be 1 to 500")
	}
	if opts.Fairness == "" {
		opts.Fairness = FairnessNone
	}
	if opts.Fairness != FairnessNone && opts.Fairness != FairnessWaiting {
		return nil, tongban.Invalid("fairness", "must be none or waiting")
	}
	if len(opts.NeedIDs) > 1000 {
		return nil, tongban.Invalid("need_ids", "must list at most 1000 needs")
	}
	var needs []*Need
	cursor := ""
	for {
		page, next, err := s.Needs.FindNeeds(ctx, NeedFilter{OrgIDs: []string{orgID}, Status: []string{StatusPublished, StatusPartiallyFulfilled}, Kinds: []string{KindPairing}, Cursor: cursor, Limit: 100})
		if err != nil {
			return nil, err
		}
		for _, n := range page {
			if len(opts.NeedIDs) == 0 || slices.Contains(opts.NeedIDs, n.ID) {
				needs = append(needs, n)
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	var vols []*Volunteer
	cursor = ""
	for {
		page, next, err := s.Volunteers.FindVolunteers(ctx, VolunteerFilter{Cursor: cursor, Limit: 100})
		if err != nil {
			return nil, err
		}
		vols = append(vols, page...)
		if next == "" {
			break
		}
		cursor = next
	}
	existing, err := s.Store.FindPairings(ctx, PairingFilter{OrgIDs: []string{orgID}})
	if err != nil {
		return nil, err
	}
	taken := map[string]bool{}
	held := map[string]int{}
	for _, p := range existing {
		if p.Status == PairingDeclined || p.Status == PairingEnded {
			continue
		}
		taken[p.Key] = true
		held[p.NeedID]++
	}
	sc := *s.Scorer
	sc.Today, sc.Now = s.today(), s.now()
	g := Graph{NLeft: len(needs), NRight: len(vols), LeftCap: make([]int, len(needs)), RightCap: make([]int, len(vols))}
	for j, v := range vols {
		g.RightCap[j] = max(0, v.Capacity-v.ActivePairings)
	}
	type cand struct {
		r     int
		w     int64
		score Score
	}
	scores := map[[2]int]Score{}
	for i, n := range needs {
		g.LeftCap[i] = max(0, n.VolunteersWanted-held[n.ID])
		var cs []cand
		for j, v := range vols {
			if g.RightCap[j] == 0 || len(sc.Ineligible(v, n, taken[n.ID+"/"+v.ID])) > 0 {
				continue
			}
			score := sc.Score(v, n)
			w := score.Total
			if opts.Fairness == FairnessWaiting && n.PublishedAt != nil {
				w *= 1 + math.Min(1, sc.Now.Sub(*n.PublishedAt).Hours()/24/60)
			}
			cs = append(cs, cand{j, int64(math.Round(w * 1000)), score})
		}
		sort.Slice(cs, func(a, b int) bool { return cs[a].w > cs[b].w || (cs[a].w == cs[b].w && cs[a].r < cs[b].r) })
		for _, c := range cs[:min(opts.Candidates, len(cs))] {
			g.Edges = append(g.Edges, Edge{L: i, R: c.r, W: c.w})
			scores[[2]int{i, c.r}] = c.score
		}
		if progress != nil {
			progress(i+1, len(needs))
		}
	}
	a, err := Assign(g)
	if err != nil {
		return nil, err
	}
	res := &BatchResult{Needs: len(needs), Volunteers: len(vols), Edges: len(g.Edges), Proposals: []Proposal{}, Unfilled: map[string]int{}, DryRun: opts.DryRun}
	filled := make([]int, len(needs))
	for _, ei := range a.Edges {
		e := g.Edges[ei]
		n, v := needs[e.L], vols[e.R]
		score := scores[[2]int{e.L, e.R}]
		filled[e.L]++
		res.Total += score.Total
		p := Proposal{NeedID: n.ID, NeedTitle: n.Title, Score: score,
			Volunteer: PublicVolunteer{ID: v.ID, DisplayName: v.DisplayName, CountyCode: v.CountyCode, Subjects: v.Subjects, Skills: v.Skills, Verification: v.Verification(sc.Today)}}
		if !opts.DryRun {
			pr, err := s.propose(ctx, n.ID, v.ID, "matching", "", me.UserID)
			if err != nil {
				p.Error = tongban.ErrorMessage(err)
			} else {
				p.PairingID = pr.ID
			}
		}
		res.Proposals = append(res.Proposals, p)
	}
	for i, n := range needs {
		if left := g.LeftCap[i] - filled[i]; left > 0 {
			res.Unfilled[n.ID] = left
		}
	}
	res.Total = math.Round(res.Total*100) / 100
	sort.SliceStable(res.Proposals, func(i, j int) bool { return res.Proposals[i].Score.Total > res.Proposals[j].Score.Total })
	return res, nil
}
