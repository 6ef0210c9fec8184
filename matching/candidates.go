package matching

import (
	"cmp"
	"math"
	"math/bits"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// CandidateOptions configure Scorer.Candidates.
type CandidateOptions struct {
	// K is the number of best eligible volunteers kept per need.
	K int
	// Weight turns need i's score into its integer edge weight. It must
	// never decrease when the score increases (the search prunes with it).
	// nil means round(score × 1000).
	Weight func(need int, score float64) int64
	// Paired reports an existing pairing of need i with volunteer j
	// (ineligible: "already_paired"); nil means none.
	Paired func(need, vol int) bool
	// Stats, if not nil, receives counts of the work done.
	Stats *CandidateStats
	// RightCap is the number of pairings each volunteer may still take; a
	// volunteer with 0 is never a candidate. nil means Capacity −
	// ActivePairings.
	RightCap []int
}

// CandidateStats counts the work of one Candidates call.
type CandidateStats struct {
	Volunteers int64 // volunteers who can be a candidate at all
	Cells      int64 // cells of the index
	Visited    int64 // cells whose members were looked at
	Checked    int64 // cells whose bound was computed
	Scored     int64 // (need, volunteer) pairs looked at
}

// Candidate is one kept volunteer of a need.
type Candidate struct {
	Vol   int32   // index into the volunteers
	W     int64   // edge weight: Weight(need, Score)
	Score float64 // Scorer.Score(v, n).Total
}

// Candidates returns, for every need, its K eligible volunteers of largest
// weight, heaviest first, ties by lower volunteer index: exactly what
// scanning every volunteer with Ineligible and Score and sorting would give
// (TestCandidates_BruteForce checks this), without looking at every pair.
//
// How: volunteers who can never be a candidate (not verified, no capacity
// left, no mode) are dropped once. The rest are put into cells by their
// exact weekly availability, by subject taught (plus an "all" and a
// "counsellors" list), by mode (online only, in person only, both), for
// in-person meetings by place (township centroid), and by the
// organisations they worked with and languages they speak. The schedule
// component of a score depends only on the two slot lists, so it is the
// same for a whole availability class; every other component is bounded
// per cell from the union of its members' subjects, grades, languages,
// organisations and preferred kinds and, in person, the largest travel
// radius. Per need, classes are visited by decreasing shared time and,
// within a class, only the cells of the need's subjects and modes (in
// person only places within the cell's travel distance); a cell is skipped
// when its bound cannot beat the K-th best weight found so far, scanned
// only up to that candidate's index when it could at most tie, and the
// visit stops at the first class whose bound with every other component at
// its maximum cannot beat it. Each scanned volunteer gets the hard
// constraints of Ineligible and the total of Score from precomputed
// features (interned places and a distance table from the Scorer's own
// Place and Distance, bit sets, points tables), with the same arithmetic
// in the same order, so totals are bit-for-bit those of Score
// (TestCandidates_ScoreIdentical). Needs are processed in parallel on
// GOMAXPROCS goroutines; the result does not depend on their number.
//
// If the needs name more than 64 distinct subjects, languages,
// organisations or categories, it falls back to the plain scan.
func (s *Scorer) Candidates(needs []*Need, vols []*Volunteer, opts CandidateOptions) [][]Candidate {
	if opts.K <= 0 {
		return make([][]Candidate, len(needs))
	}
	if opts.Weight == nil {
		opts.Weight = func(_ int, score float64) int64 { return int64(math.Round(score * 1000)) }
	}
	ix, ok := s.newCandIndex(needs, vols, opts.RightCap)
	if !ok {
		return s.candidatesScan(needs, vols, opts)
	}
	out := make([][]Candidate, len(needs))
	workers := runtime.GOMAXPROCS(0)
	if len(needs) < 64 {
		workers = 1
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	if opts.Stats != nil {
		*opts.Stats = CandidateStats{Cells: int64(len(ix.cells))}
		for _, v := range ix.vols {
			if v.class >= 0 {
				opts.Stats.Volunteers++
			}
		}
	}
	for range workers {
		wg.Go(func() {
			st := &candState{stamp: make([]uint32, len(vols)), wc: make([]int64, ix.maxC+1), wcStamp: make([]uint32, ix.maxC+1)}
			for {
				lo := int(next.Add(32)) - 32
				if lo >= len(needs) {
					if opts.Stats != nil {
						mu.Lock()
						opts.Stats.Visited += st.visited
						opts.Stats.Checked += st.checked
						opts.Stats.Scored += st.scored
						mu.Unlock()
					}
					return
				}
				for i := lo; i < min(lo+32, len(needs)); i++ {
					out[i] = ix.top(st, i, &opts)
				}
			}
		})
	}
	wg.Wait()
	return out
}

// candidatesScan is the plain O(needs × volunteers) scan.
func (s *Scorer) candidatesScan(needs []*Need, vols []*Volunteer, opts CandidateOptions) [][]Candidate {
	out := make([][]Candidate, len(needs))
	for i, n := range needs {
		var cs []Candidate
		for j, v := range vols {
			c := v.Capacity - v.ActivePairings
			if opts.RightCap != nil {
				c = opts.RightCap[j]
			}
			if c <= 0 || len(s.Ineligible(v, n, opts.Paired != nil && opts.Paired(i, j))) > 0 {
				continue
			}
			sc := s.Score(v, n).Total
			cs = append(cs, Candidate{Vol: int32(j), W: opts.Weight(i, sc), Score: sc})
		}
		slices.SortFunc(cs, compareCandidates)
		out[i] = cs[:min(opts.K, len(cs))]
	}
	return out
}

// compareCandidates orders heaviest first, then by volunteer index.
func compareCandidates(a, b Candidate) int {
	return cmp.Or(cmp.Compare(b.W, a.W), cmp.Compare(a.Vol, b.Vol))
}

// candVol holds what a score needs of one volunteer.
type candVol struct {
	subjects uint64 // bits of the needs' subject dictionary
	langs    uint64 // bits of the needs' language dictionary
	orgs     uint64 // bits of the needs' organisation dictionary
	kinds    uint64 // bits of the needs' category dictionary (preferred)
	place    int32  // interned place, −1 when Place does not know it
	class    int32  // availability class
	hasGrade bool
	gMin     int
	gMax     int
	online   bool
	inPerson bool
	female   bool
	counsel  bool
	travel   float64 // TravelKm
	radius   float64 // max(TravelKm, 1)
}

// candNeed holds what a score needs of one need.
type candNeed struct {
	mode     int // 0 online, 1 in person, 2 anything else (either)
	either   bool
	tutoring bool    // tutoring with subjects: subject fit and constraint
	subjBits []uint8 // one per entry of Subjects (dictionary bits)
	subjMask uint64
	dupSubj  bool // Subjects names a subject twice
	kindBit  uint64
	hasGrade bool
	gMin     int
	gMax     int
	psych    bool
	female   bool
	place    int32
	class    int32 // schedule class
	want     int
	langBits []uint8 // one per entry of Languages (dictionary bits)
	langMask uint64
	dupLang  bool
	nLangs   int
	orgBit   uint64
	urgency  float64 // points
	waiting  float64 // points
	urgencyC int64   // the same ×100
	waitingC int64
}

type candIndex struct {
	s       *Scorer
	vols    []candVol
	needs   []candNeed
	dist    []float64 // dist[vp*nPlaces+p] between interned places
	nPlaces int
	// vclass slot lists and nclass slot lists, as minutes.
	vSlots [][]slotMin
	nSlots [][]slotMin
	// The volunteers of availability class c under list bit b (a subject
	// bit, or bitAll, or bitCounsel) are in cells:
	//   ranges[0][(c*nBits+b)*2+x]: x = 0 online only, 1 both modes — for
	//   needs a volunteer may take online;
	//   ranges[1][(c*nBits+b)*2+x], one cell per place: x = 0 in person
	//   only, 1 both — for needs to be met in person.
	cells   []candCell
	ranges  [2][][2]int32 // cells of each key: [0] anywhere, [1] in person
	summary [2][]candCell // the union of each key's cells (no members)
	nBits   int
	bitAll  int
	orgSeen uint64 // organisations some volunteer has worked with
	// order[nc] lists the availability classes by decreasing overlap
	// with need schedule class nc (computed on first use).
	order []candOrder
	pts   [7]float64 // the points of value 1 for each component
	ptsC  [7]int64   // the same ×100
	maxC  int64      // the largest score ×100
}

type slotMin struct{ day, start, end int }

// candCell is one cell of volunteers (ascending) with what bounds their
// scores: the union of their subjects, languages, organisations, preferred
// kinds and grades (wide: some member's grade band is not a proper band
// within 0–63), and for an in-person cell its place, the largest travel
// distance and the largest radius of its members.
type candCell struct {
	// What a bound reads comes first: 64 bytes, one cache line.
	subjects, langs, orgs, kinds uint64
	grades                       uint64
	place                        int32
	wide                         bool
	travel, radius               float64
	members                      []candMember
}

// candMember is a volunteer as a cell stores it, so that scanning a cell
// reads memory in order.
type candMember struct {
	subjects, langs, orgs, kinds uint64
	vol                          int32
	travel                       int32 // TravelKm
	gMin, gMax                   int
	hasGrade, female             bool
}

func (l *candCell) add(j int32, cv *candVol, v *Volunteer) {
	l.members = append(l.members, candMember{subjects: cv.subjects, langs: cv.langs, orgs: cv.orgs, kinds: cv.kinds,
		vol: j, travel: int32(v.TravelKm), gMin: cv.gMin, gMax: cv.gMax, hasGrade: cv.hasGrade, female: cv.female})
	l.subjects |= cv.subjects
	l.langs |= cv.langs
	l.orgs |= cv.orgs
	l.kinds |= cv.kinds
	if cv.hasGrade {
		gm, proper := gradeMask(cv.gMin, cv.gMax)
		l.grades |= gm
		l.wide = l.wide || !proper
	}
	l.travel = max(l.travel, cv.travel)
	l.radius = max(l.radius, cv.radius)
}

// gradeMask is the set of grades of band [lo, hi], and whether it is a
// proper band within 0–63.
func gradeMask(lo, hi int) (uint64, bool) {
	if lo < 0 || hi > 63 || lo > hi {
		return 0, false
	}
	return (^uint64(0) >> (63 - hi)) &^ (1<<lo - 1), true
}

type candOrder struct {
	once sync.Once
	list []classOverlap
}

type classOverlap struct {
	class int32
	mins  int32
}

// dict interns up to 64 strings as bits.
type dict map[string]uint8

func (d dict) add(s string) bool {
	if _, ok := d[s]; ok {
		return true
	}
	if len(d) == 64 {
		return false
	}
	d[s] = uint8(len(d))
	return true
}

func (d dict) mask(ss []string) uint64 {
	var m uint64
	for _, s := range ss {
		if b, ok := d[s]; ok {
			m |= 1 << b
		}
	}
	return m
}

func slotKey(slots []Slot) ([]slotMin, string) {
	ms := make([]slotMin, len(slots))
	var b strings.Builder
	for i, sl := range slots {
		ms[i] = slotMin{sl.Day, minutes(sl.Start), minutes(sl.End)}
		b.WriteString(strconv.Itoa(ms[i].day))
		b.WriteByte(',')
		b.WriteString(strconv.Itoa(ms[i].start))
		b.WriteByte(',')
		b.WriteString(strconv.Itoa(ms[i].end))
		b.WriteByte(';')
	}
	return ms, b.String()
}

// overlapMinutes is overlap's total, on minutes.
func overlapMinutes(a, b []slotMin) int {
	total := 0
	for _, x := range a {
		for _, y := range b {
			if x.day != y.day {
				continue
			}
			if e, s := min(x.end, y.end), max(x.start, y.start); e > s {
				total += e - s
			}
		}
	}
	return total
}

func (s *Scorer) newCandIndex(needs []*Need, vols []*Volunteer, rightCap []int) (*candIndex, bool) {
	subj, langs, orgs, kinds := dict{}, dict{}, dict{}, dict{}
	for _, n := range needs {
		for _, x := range n.Subjects {
			if !subj.add(x) {
				return nil, false
			}
		}
		for _, x := range n.Languages {
			if !langs.add(x) {
				return nil, false
			}
		}
		if !orgs.add(n.OrgID) || !kinds.add(n.Category) {
			return nil, false
		}
	}
	w := s.Weights
	for _, wt := range []float64{w.Subject, w.Schedule, w.Distance, w.Language, w.Continuity, w.Urgency, w.Waiting} {
		if !(wt >= 0 && wt <= 1000) {
			return nil, false // the bounds assume value 1 scores most; see top
		}
	}
	ix := &candIndex{s: s, vols: make([]candVol, len(vols)), needs: make([]candNeed, len(needs)), nBits: len(subj) + 1}
	for i, wt := range []float64{w.Subject, w.Schedule, w.Distance, w.Language, w.Continuity, w.Urgency, w.Waiting} {
		ix.pts[i] = points(1, wt)
		ix.ptsC[i] = centi(ix.pts[i])
		ix.maxC += ix.ptsC[i]
	}
	type placeKey struct{ county, township string }
	type latLng struct{ lat, lng float64 }
	placeIDs := map[placeKey]int32{}
	var places []latLng
	intern := func(county, township string) int32 {
		k := placeKey{county, township}
		if id, ok := placeIDs[k]; ok {
			return id
		}
		id := int32(-1)
		if lat, lng, ok := s.Place(county, township); ok {
			id = int32(len(places))
			places = append(places, latLng{lat, lng})
		}
		placeIDs[k] = id
		return id
	}
	// Volunteer features in parallel; classes and places are then
	// interned in volunteer order, so ids do not depend on scheduling.
	type volKey struct {
		slots []slotMin
		key   string
	}
	keys := make([]volKey, len(vols))
	today := s.Today
	ParallelChunks(len(vols), func(lo, hi int) {
		for j := lo; j < hi; j++ {
			v := vols[j]
			c := v.Capacity - v.ActivePairings
			if rightCap != nil {
				c = rightCap[j]
			}
			cv := &ix.vols[j]
			cv.class = -1
			if c <= 0 || v.ActivePairings >= v.Capacity || !v.Verification(today).Verified {
				continue // never a candidate
			}
			cv.class = 0
			keys[j].slots, keys[j].key = slotKey(v.Availability)
			cv.subjects, cv.langs, cv.orgs, cv.kinds = subj.mask(v.Subjects), langs.mask(v.Languages), orgs.mask(v.Orgs), kinds.mask(v.PreferredKinds)
			if v.Grades != nil {
				cv.hasGrade, cv.gMin, cv.gMax = true, v.Grades.Min, v.Grades.Max
			}
			cv.online, cv.inPerson = slices.Contains(v.Modes, ModeOnline), slices.Contains(v.Modes, ModeInPerson)
			cv.female = v.Gender == "female"
			cv.counsel = slices.Contains(v.Skills, "counselling")
			cv.travel = float64(v.TravelKm)
			cv.radius = math.Max(float64(v.TravelKm), 1)
		}
	})
	classIDs := map[string]int32{}
	for j, v := range vols {
		cv := &ix.vols[j]
		if cv.class < 0 {
			continue
		}
		id, ok := classIDs[keys[j].key]
		if !ok {
			id = int32(len(ix.vSlots))
			classIDs[keys[j].key] = id
			ix.vSlots = append(ix.vSlots, keys[j].slots)
		}
		cv.class = id
		ix.orgSeen |= cv.orgs
		cv.place = intern(v.CountyCode, v.TownshipCode)
	}
	keys = nil
	nVPlaces := len(places)
	classIDs = map[string]int32{}
	for i, n := range needs {
		cn := &ix.needs[i]
		switch n.Mode {
		case ModeOnline:
			cn.mode = 0
		case ModeInPerson:
			cn.mode = 1
		default:
			cn.mode = 2
		}
		cn.either = n.Mode == ModeEither
		cn.tutoring = n.Category == "tutoring" && len(n.Subjects) > 0
		for _, x := range n.Subjects {
			cn.subjBits = append(cn.subjBits, subj[x])
		}
		cn.subjMask = subj.mask(n.Subjects)
		cn.dupSubj = bits.OnesCount64(cn.subjMask) != len(n.Subjects)
		cn.kindBit = 1 << kinds[n.Category]
		if n.GradeBand != nil {
			cn.hasGrade, cn.gMin, cn.gMax = true, n.GradeBand.Min, n.GradeBand.Max
		}
		cn.psych = n.Category == "psychological"
		cn.female = n.Safeguarding.FemaleVolunteer
		cn.place = intern(n.CountyCode, n.TownshipCode)
		ms, key := slotKey(n.Schedule)
		id, ok := classIDs[key]
		if !ok {
			id = int32(len(ix.nSlots))
			classIDs[key] = id
			ix.nSlots = append(ix.nSlots, ms)
		}
		cn.class = id
		for _, sl := range ms {
			cn.want += sl.end - sl.start
		}
		if cn.want == 0 {
			cn.want = 120
		}
		for _, l := range n.Languages {
			cn.langBits = append(cn.langBits, langs[l])
		}
		cn.nLangs = len(n.Languages)
		cn.langMask = langs.mask(n.Languages)
		cn.dupLang = bits.OnesCount64(cn.langMask) != len(n.Languages)
		cn.orgBit = 1 << orgs[n.OrgID]
		cn.urgency = points(float64(n.Urgency-1)/4, w.Urgency)
		days := 0
		if n.PublishedAt != nil {
			days = int(s.Now.Sub(*n.PublishedAt).Hours() / 24)
		}
		cn.waiting = points(float64(days)/60, w.Waiting)
		cn.urgencyC, cn.waitingC = centi(cn.urgency), centi(cn.waiting)
	}
	// Distances from every volunteer place to every place, by the
	// Scorer's own Distance (need places are interned after volunteers').
	ix.nPlaces = len(places)
	ix.dist = make([]float64, nVPlaces*ix.nPlaces)
	for a := range nVPlaces {
		for b := range ix.nPlaces {
			ix.dist[a*ix.nPlaces+b] = s.Distance(places[a].lat, places[a].lng, places[b].lat, places[b].lng)
		}
	}
	// The cells: per key and family, one cell per place (in person) and
	// per organisations and languages, so that those bounds are exact.
	ix.bitAll = len(subj)
	ix.nBits = len(subj) + 2 // + all, counsellors
	nKeys := len(ix.vSlots) * ix.nBits * 2
	// One entry per (family, key, place, organisations, languages,
	// volunteer), sorted: each run of equal cell keys is a cell, each
	// run of equal (family, key) a range.
	type entry struct {
		f           uint8
		key         int32
		place       int32
		orgs, langs uint64
		j           int32
	}
	var es []entry
	for j := range ix.vols {
		cv := &ix.vols[j]
		if cv.class < 0 || (!cv.online && !cv.inPerson) {
			continue // never a candidate
		}
		both := int32(0)
		if cv.online && cv.inPerson {
			both = 1
		}
		base := int32(int(cv.class) * ix.nBits)
		add := func(b int) {
			key := (base+int32(b))*2 + both
			if cv.online {
				es = append(es, entry{0, key, -1, cv.orgs, cv.langs, int32(j)})
			}
			if cv.inPerson && cv.place >= 0 {
				es = append(es, entry{1, key, cv.place, cv.orgs, cv.langs, int32(j)})
			}
		}
		add(ix.bitAll)
		for m := cv.subjects; m != 0; m &= m - 1 {
			add(bits.TrailingZeros64(m))
		}
		if cv.counsel {
			add(ix.bitAll + 1)
		}
	}
	slices.SortFunc(es, func(a, b entry) int {
		return cmp.Or(cmp.Compare(a.f, b.f), cmp.Compare(a.key, b.key), cmp.Compare(a.place, b.place),
			cmp.Compare(a.orgs, b.orgs), cmp.Compare(a.langs, b.langs), cmp.Compare(a.j, b.j))
	})
	for f := range 2 {
		ix.ranges[f] = make([][2]int32, nKeys)
		ix.summary[f] = make([]candCell, nKeys)
	}
	members := make([]candMember, len(es)) // one backing array for all cells
	for lo := 0; lo < len(es); {
		e := es[lo]
		hi := lo + 1
		for hi < len(es) && es[hi].f == e.f && es[hi].key == e.key && es[hi].place == e.place && es[hi].orgs == e.orgs && es[hi].langs == e.langs {
			hi++
		}
		cell := candCell{place: e.place, members: members[lo:lo:hi]}
		for _, x := range es[lo:hi] {
			cell.add(x.j, &ix.vols[x.j], vols[x.j])
		}
		r := &ix.ranges[e.f][e.key]
		if r[0] == r[1] {
			r[0] = int32(len(ix.cells))
		}
		ix.cells = append(ix.cells, cell)
		r[1] = int32(len(ix.cells))
		sm := &ix.summary[e.f][e.key]
		sm.subjects |= cell.subjects
		sm.langs |= cell.langs
		sm.orgs |= cell.orgs
		sm.kinds |= cell.kinds
		sm.grades |= cell.grades
		sm.wide = sm.wide || cell.wide
		lo = hi
	}
	ix.order = make([]candOrder, len(ix.nSlots))
	return ix, true
}

// points is Score's points for a component value and weight.
func points(value, weight float64) float64 {
	value = math.Max(0, math.Min(1, value))
	return round2(value * weight * 100)
}

// maxCachedOrders bounds the class orders kept (8 bytes each).
const maxCachedOrders = 1 << 23

// classOrder returns the availability classes by decreasing overlap with
// need schedule class nc, ties by class.
func (ix *candIndex) classOrder(nc int32) []classOverlap {
	build := func() []classOverlap {
		ns := ix.nSlots[nc]
		list := make([]classOverlap, len(ix.vSlots))
		for c, vs := range ix.vSlots {
			list[c] = classOverlap{int32(c), int32(overlapMinutes(vs, ns))}
		}
		slices.SortFunc(list, func(a, b classOverlap) int { return cmp.Or(cmp.Compare(b.mins, a.mins), cmp.Compare(a.class, b.class)) })
		return list
	}
	if len(ix.nSlots)*len(ix.vSlots) > maxCachedOrders {
		return build() // too many to keep: one per need
	}
	o := &ix.order[nc]
	o.once.Do(func() { o.list = build() })
	return o.list
}

// candState is one worker's scratch space.
type candState struct {
	// Points ×100 (whole numbers: every component is rounded to 0.01) by
	// covered subjects [grade ok][covered], by preferred kind [no, yes],
	// by common languages, and for no continuity.
	subjC   [2][]int64
	prefC   [2]int64
	langC   []int64
	cont0C  int64
	stamp   []uint32
	visited int64
	checked int64
	scored  int64
	iter    uint32
	heap    []Candidate // min-heap: the root is the worst kept candidate
	// wc[c] is Weight(need, c/100) when wcStamp[c] == iter.
	wc      []int64
	wcStamp []uint32
}

// weight is opts.Weight of need i for the score c/100, cached per need.
func (st *candState) weight(opts *CandidateOptions, i int, c int64) int64 {
	if st.wcStamp[c] != st.iter {
		st.wcStamp[c] = st.iter
		st.wc[c] = opts.Weight(i, float64(c)/100)
	}
	return st.wc[c]
}

// centi is a component's points ×100, a whole number.
func centi(points float64) int64 { return int64(math.Round(points * 100)) }

// worse reports whether a ranks after b.
func worse(a, b Candidate) bool { return a.W < b.W || (a.W == b.W && a.Vol > b.Vol) }

func (st *candState) push(c Candidate, k int) {
	h := st.heap
	if len(h) < k {
		h = append(h, c)
		for i := len(h) - 1; i > 0; {
			p := (i - 1) / 2
			if !worse(h[i], h[p]) {
				break
			}
			h[i], h[p] = h[p], h[i]
			i = p
		}
		st.heap = h
		return
	}
	if !worse(h[0], c) {
		return
	}
	h[0] = c
	for i := 0; ; {
		l := 2*i + 1
		if l >= len(h) {
			break
		}
		if l+1 < len(h) && worse(h[l+1], h[l]) {
			l++
		}
		if !worse(h[l], h[i]) {
			break
		}
		h[i], h[l] = h[l], h[i]
		i = l
	}
}

// top computes need i's candidates.
func (ix *candIndex) top(st *candState, i int, opts *CandidateOptions) []Candidate {
	n := &ix.needs[i]
	st.iter++
	if st.iter == 0 {
		clear(st.stamp)
		clear(st.wcStamp)
		st.iter = 1
	}
	st.heap = st.heap[:0]
	k := opts.K
	var bits []uint8
	switch {
	case n.tutoring:
		bits = n.subjBits
	case n.psych:
		bits = []uint8{uint8(ix.bitAll + 1)}
	default:
		bits = []uint8{uint8(ix.bitAll)}
	}
	// Which cells: volunteers taking the need online (anywhere cells) and
	// those meeting in person (in-person cells, by place).
	online := n.mode != 1
	var inPerson [2]bool // only in person, both
	switch {
	case n.place < 0:
	case n.mode == 1:
		inPerson = [2]bool{true, true}
	case n.mode == 2:
		inPerson[0] = true
	}
	nGrades, nProper := gradeMask(n.gMin, n.gMax)
	// Points tables of this need, ×100. A score is the sum of its seven
	// components' points, each rounded to 0.01, rounded to 0.01: so score
	// ×100 is exactly the sum of the components' points ×100 (the float
	// sum's error is far below 0.005 for weights up to 1000).
	w := &ix.s.Weights
	for g := range 2 {
		st.subjC[g] = st.subjC[g][:0]
		for c := range len(n.subjBits) + 1 {
			fit := float64(c) / float64(len(n.subjBits))
			if g == 0 {
				fit /= 2
			}
			st.subjC[g] = append(st.subjC[g], centi(points(fit, w.Subject)))
		}
	}
	st.prefC = [2]int64{centi(points(0.6, w.Subject)), centi(points(1, w.Subject))}
	st.langC = st.langC[:0]
	for c := range n.nLangs + 1 {
		st.langC = append(st.langC, centi(points(float64(c)/float64(n.nLangs), w.Language)))
	}
	st.cont0C = centi(points(0, w.Continuity))
	pc := &ix.ptsC
	contMax := st.cont0C
	if ix.orgSeen&n.orgBit != 0 {
		contMax = pc[4]
	}
	fixed := n.urgencyC + n.waitingC
	for _, co := range ix.classOrder(n.class) {
		sched := int64(0)
		if co.mins > 0 {
			sched = centi(points(float64(co.mins)/float64(n.want), w.Schedule))
		}
		if len(st.heap) == k && st.weight(opts, i, pc[0]+sched+pc[2]+pc[3]+contMax+fixed) < st.heap[0].W {
			break // so is every later class: no volunteer can enter
		}
		base := int(co.class) * ix.nBits
		for _, b := range bits {
			key := (base + int(b)) * 2
			for x := range 2 {
				if online {
					r := ix.ranges[0][key+x]
					if r[0] < r[1] && len(st.heap) == k && st.weight(opts, i, ix.cellBound(st, &ix.summary[0][key+x], n, sched, -1, nGrades, nProper)) < st.heap[0].W {
						r[1] = r[0] // no cell of the key can enter
					}
					for c := r[0]; c < r[1]; c++ {
						ix.visit(st, i, &ix.cells[c], n, opts, int(co.mins), sched, -1, nGrades, nProper)
					}
				}
				if inPerson[x] {
					r := ix.ranges[1][key+x]
					if r[0] < r[1] && len(st.heap) == k && st.weight(opts, i, ix.cellBound(st, &ix.summary[1][key+x], n, sched, -1, nGrades, nProper)) < st.heap[0].W {
						r[1] = r[0]
					}
					for c := r[0]; c < r[1]; c++ {
						cell := &ix.cells[c]
						d := ix.dist[int(cell.place)*ix.nPlaces+int(n.place)]
						if d <= cell.travel {
							ix.visit(st, i, cell, n, opts, int(co.mins), sched, d, nGrades, nProper)
						}
					}
				}
			}
		}
	}
	out := slices.Clone(st.heap)
	slices.SortFunc(out, compareCandidates)
	return out
}

// visit scores the members of cell l for need i unless the cell's bound
// shows none of them can enter the top K; d is the distance from the
// cell's place to the need, −1 for an anywhere cell.
func (ix *candIndex) visit(st *candState, i int, l *candCell, n *candNeed, opts *CandidateOptions, mins int, sched int64, d float64, nGrades uint64, nProper bool) {
	limit := int32(math.MaxInt32)
	if len(st.heap) == opts.K {
		st.checked++
		wb, worst := st.weight(opts, i, ix.cellBound(st, l, n, sched, d, nGrades, nProper)), st.heap[0]
		if wb < worst.W {
			return
		}
		if wb == worst.W {
			limit = worst.Vol // members after it can only tie and lose
		}
	}
	st.visited++
	if n.mode == 2 && !n.either {
		// A mode outside the enum: rare, scored the long way.
		for _, m := range l.members {
			j := m.vol
			if j > limit {
				break
			}
			if st.stamp[j] == st.iter {
				continue
			}
			st.stamp[j] = st.iter
			st.scored++
			sc, ok := ix.score(&ix.vols[j], n, mins)
			if !ok || (opts.Paired != nil && opts.Paired(i, int(j))) {
				continue
			}
			st.push(Candidate{Vol: j, W: opts.Weight(i, sc), Score: sc}, opts.K)
		}
		return
	}
	// The same components as score, from the tables made in top: every
	// member of an anywhere cell takes the need online (distance points
	// of value 1); in an in-person cell the distance is d for all.
	w := &ix.s.Weights
	dist := ix.ptsC[2]
	fixed := sched + n.urgencyC + n.waitingC
	// A volunteer is in one cell per key and family, and the families a
	// need visits hold different volunteers (online-capable ones in the
	// anywhere cells, in-person-only ones in the others when both are
	// visited), so only a need with several subjects meets anyone twice.
	dedupe := n.tutoring && len(n.subjBits) > 1
	for _, m := range l.members {
		j := m.vol
		if j > limit {
			break
		}
		if dedupe {
			if st.stamp[j] == st.iter {
				continue
			}
			st.stamp[j] = st.iter
		}
		st.scored++
		if n.female && !m.female {
			continue
		}
		if d >= 0 {
			if d > float64(m.travel) {
				continue // too far
			}
			dist = centi(points(1-d/math.Max(float64(m.travel), 1), w.Distance))
		}
		var subject int64
		if n.tutoring {
			covered := 0
			if n.dupSubj {
				for _, b := range n.subjBits {
					covered += int(m.subjects >> b & 1)
				}
			} else {
				covered = bits.OnesCount64(m.subjects & n.subjMask)
			}
			g := 0
			if !n.hasGrade || (m.hasGrade && m.gMin <= n.gMax && m.gMax >= n.gMin) {
				g = 1
			}
			subject = st.subjC[g][covered]
		} else {
			subject = st.prefC[0]
			if m.kinds&n.kindBit != 0 {
				subject = st.prefC[1]
			}
		}
		lang := ix.ptsC[3]
		if n.nLangs > 0 {
			common := 0
			if n.dupLang {
				for _, b := range n.langBits {
					common += int(m.langs >> b & 1)
				}
			} else {
				common = bits.OnesCount64(m.langs & n.langMask)
			}
			lang = st.langC[common]
		}
		cont := st.cont0C
		if m.orgs&n.orgBit != 0 {
			cont = ix.ptsC[4]
		}
		c := subject + dist + lang + cont + fixed
		wv := st.weight(opts, i, c)
		if len(st.heap) == opts.K && (wv < st.heap[0].W || (wv == st.heap[0].W && j > st.heap[0].Vol)) {
			continue // cannot enter the top K
		}
		if opts.Paired != nil && opts.Paired(i, int(j)) {
			continue
		}
		st.push(Candidate{Vol: j, W: wv, Score: float64(c) / 100}, opts.K)
	}
}

// cellBound bounds the score of need n with every volunteer of cell l
// whose schedule points are sched: each component at the most any member
// could reach, summed as Score sums.
func (ix *candIndex) cellBound(st *candState, l *candCell, n *candNeed, sched int64, d float64, nGrades uint64, nProper bool) int64 {
	subject := st.prefC[1]
	if n.tutoring {
		covered := 0
		for _, b := range n.subjBits {
			covered += int(l.subjects >> b & 1)
		}
		g := 1
		if n.hasGrade && nProper && !l.wide && l.grades&nGrades == 0 {
			g = 0 // no member teaches these grades: the fit is halved
		}
		subject = st.subjC[g][covered]
	} else if l.kinds&n.kindBit == 0 {
		subject = st.prefC[0]
	}
	lang := ix.ptsC[3]
	if n.nLangs > 0 {
		common := 0
		for _, b := range n.langBits {
			common += int(l.langs >> b & 1)
		}
		lang = st.langC[common]
	}
	cont := st.cont0C
	if l.orgs&n.orgBit != 0 {
		cont = ix.ptsC[4]
	}
	dist := ix.ptsC[2]
	if d >= 0 {
		// Met in person: 1 − d/radius, largest for the largest radius.
		dist = centi(points(1-d/l.radius, ix.s.Weights.Distance))
	}
	return subject + sched + dist + lang + cont + n.urgencyC + n.waitingC
}

// score is Ineligible (except verification, capacity and already paired,
// checked elsewhere) and Score(v, n).Total on precomputed features; mins
// is their overlap in minutes.
func (ix *candIndex) score(v *candVol, n *candNeed, mins int) (float64, bool) {
	// Hard constraints, as Ineligible.
	d, dOK := 0.0, false
	if v.place >= 0 && n.place >= 0 {
		d, dOK = ix.dist[int(v.place)*ix.nPlaces+int(n.place)], true
	}
	switch n.mode {
	case 0:
		if !v.online {
			return 0, false
		}
	case 1:
		if !v.inPerson || !dOK || d > v.travel {
			return 0, false
		}
	default:
		if !v.online && !v.inPerson {
			return 0, false
		}
		if !v.online && (!dOK || d > v.travel) {
			return 0, false
		}
	}
	if n.tutoring && n.subjMask&v.subjects == 0 {
		return 0, false
	}
	if n.psych && !v.counsel {
		return 0, false
	}
	if n.female && !v.female {
		return 0, false
	}
	// Score, component by component.
	w := &ix.s.Weights
	var subject float64
	if n.tutoring {
		covered := 0
		for _, b := range n.subjBits {
			covered += int(v.subjects >> b & 1)
		}
		fit := float64(covered) / float64(len(n.subjBits))
		if !(!n.hasGrade || (v.hasGrade && v.gMin <= n.gMax && v.gMax >= n.gMin)) {
			fit /= 2
		}
		subject = points(fit, w.Subject)
	} else {
		pref := 0.6
		if v.kinds&n.kindBit != 0 {
			pref = 1
		}
		subject = points(pref, w.Subject)
	}
	sched := 0.0
	if mins > 0 {
		sched = points(float64(mins)/float64(n.want), w.Schedule)
	}
	var dist float64
	switch {
	case n.mode == 0 || (n.either && v.online):
		dist = ix.pts[2]
	case dOK:
		dist = points(1-d/v.radius, w.Distance)
	default:
		dist = points(0, w.Distance)
	}
	lang := ix.pts[3]
	if n.nLangs > 0 {
		common := 0
		for _, b := range n.langBits {
			common += int(v.langs >> b & 1)
		}
		lang = points(float64(common)/float64(n.nLangs), w.Language)
	}
	cont := points(0, w.Continuity)
	if v.orgs&n.orgBit != 0 {
		cont = ix.pts[4]
	}
	total := 0.0
	for _, x := range [...]float64{subject, sched, dist, lang, cont, n.urgency, n.waiting} {
		total += x
	}
	return round2(total), true
}

// ParallelChunks runs f over [0, n) in GOMAXPROCS contiguous chunks (one
// when n is small) and waits for them.
func ParallelChunks(n int, f func(lo, hi int)) {
	w := runtime.GOMAXPROCS(0)
	if n < 4096 {
		w = 1
	}
	var wg sync.WaitGroup
	for k := range w {
		wg.Go(func() { f(k*n/w, (k+1)*n/w) })
	}
	wg.Wait()
}
