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
	// FairnessCountyMinShare guarantees every county of the run a minimum
	// share of its places: with MinShare s, a county whose needs in the run
	// have D open places (volunteers wanted minus pairings already held)
	// gets at least ⌈s·D⌉ of them filled (a "floor"), counties being the
	// needs' CountyCode. The
	// result maximises the total score among all assignments that meet
	// every floor, exactly (see AssignWithFloors). When the candidates
	// cannot meet every floor at once, as many floor places as possible
	// are filled first and the rest are reported in BatchResult.Short;
	// the total score is maximised after that. Weights are the plain
	// scores, as with FairnessNone.
	FairnessCountyMinShare = "county_min_share"
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
	// MinShare is the minimum share (0 < s ≤ 1) of each county's places
	// that fairness county_min_share fills; only with that fairness.
	MinShare float64 `json:"min_share"`
	DryRun   bool    `json:"dry_run"`
}

// CountyFill is how many places of one county a run filled, against its
// floor (fairness county_min_share).
type CountyFill struct {
	CountyCode string `json:"county_code"`
	Places     int    `json:"places"`
	Floor      int    `json:"floor"`
	Filled     int    `json:"filled"`
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
	// Counties reports each county's places, floor and filled places
	// (fairness county_min_share only, by county code), and Short the
	// floor places that could not be filled.
	Counties []CountyFill `json:"counties,omitempty"`
	Short    int          `json:"short,omitempty"`
}

// RunBatch computes the optimal assignment of an organisation's pairing
// needs to eligible volunteers and, unless DryRun, records each pair as a
// proposal the volunteer can accept.
//
// The candidate graph keeps, per need, the opts.Candidates eligible
// volunteers of highest weight (Scorer.Candidates: exactly the result of
// scoring every volunteer, without doing so); the assignment is then
// exactly optimal for the fairness chosen (Assign, or AssignWithFloors for
// FairnessCountyMinShare). Only the chosen pairs are scored again with
// their explanations. progress is called before and after candidate
// generation.
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
	if opts.Fairness != FairnessNone && opts.Fairness != FairnessWaiting && opts.Fairness != FairnessCountyMinShare {
		return nil, tongban.Invalid("fairness", "must be none, waiting or county_min_share")
	}
	if opts.Fairness == FairnessCountyMinShare {
		if !(opts.MinShare > 0 && opts.MinShare <= 1) {
			return nil, tongban.Invalid("min_share", "must be more than 0 and at most 1 with fairness county_min_share")
		}
	} else if opts.MinShare != 0 {
		return nil, tongban.Invalid("min_share", "is only used with fairness county_min_share")
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
	for i, n := range needs {
		g.LeftCap[i] = max(0, n.VolunteersWanted-held[n.ID])
	}
	if progress != nil {
		progress(0, len(needs))
	}
	// The best candidates per need, exactly as scanning every volunteer
	// with Ineligible and Score would find them (see Candidates).
	cands := sc.Candidates(needs, vols, CandidateOptions{K: opts.Candidates, RightCap: g.RightCap,
		Paired: func(i, j int) bool { return taken[needs[i].ID+"/"+vols[j].ID] },
		Weight: func(i int, score float64) int64 {
			w := score
			if n := needs[i]; opts.Fairness == FairnessWaiting && n.PublishedAt != nil {
				w *= 1 + math.Min(1, sc.Now.Sub(*n.PublishedAt).Hours()/24/60)
			}
			return int64(math.Round(w * 1000))
		}})
	for i, cs := range cands {
		if g.LeftCap[i] == 0 {
			continue
		}
		for _, c := range cs {
			g.Edges = append(g.Edges, Edge{L: i, R: int(c.Vol), W: c.W})
		}
	}
	if progress != nil {
		progress(len(needs), len(needs))
	}
	var chosen []int
	var counties []CountyFill
	short := 0
	if opts.Fairness == FairnessCountyMinShare {
		group := make([]int, len(needs))
		index := map[string]int{}
		for i, n := range needs {
			k, ok := index[n.CountyCode]
			if !ok {
				k = len(counties)
				index[n.CountyCode] = k
				counties = append(counties, CountyFill{CountyCode: n.CountyCode})
			}
			group[i] = k
			counties[k].Places += g.LeftCap[i]
		}
		demand := make([]int, len(counties))
		for k, c := range counties {
			demand[k] = c.Places
		}
		fa, err := AssignWithFloors(g, group, FloorsForShare(opts.MinShare, demand))
		if err != nil {
			return nil, err
		}
		for k := range counties {
			counties[k].Floor, counties[k].Filled = fa.Floor[k], fa.Filled[k]
		}
		sort.Slice(counties, func(a, b int) bool { return counties[a].CountyCode < counties[b].CountyCode })
		chosen, short = fa.Edges, fa.Short
	} else {
		a, err := Assign(g)
		if err != nil {
			return nil, err
		}
		chosen = a.Edges
	}
	res := &BatchResult{Needs: len(needs), Volunteers: len(vols), Edges: len(g.Edges), Proposals: []Proposal{}, Unfilled: map[string]int{}, DryRun: opts.DryRun,
		Counties: counties, Short: short}
	filled := make([]int, len(needs))
	explained := make([]Score, len(chosen)) // with explanations, on all cores
	ParallelChunks(len(chosen), func(lo, hi int) {
		for k := lo; k < hi; k++ {
			e := g.Edges[chosen[k]]
			explained[k] = sc.Score(vols[e.R], needs[e.L])
		}
	})
	for k, ei := range chosen {
		e := g.Edges[ei]
		n, v := needs[e.L], vols[e.R]
		score := explained[k]
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
