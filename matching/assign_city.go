package matching

import (
	"cmp"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
)

// CityConfig sizes a synthetic city for GenerateCity.
type CityConfig struct {
	Volunteers int    // right nodes
	Needs      int    // left nodes; 0 means Volunteers/5
	Candidates int    // candidate needs per volunteer; 0 means 50
	Seed       uint64 // same seed, same city
}

// GenerateCity builds a realistic batch-assignment instance for tests,
// benchmarks and load tests, deterministically from cfg.Seed. It is not
// uniform random:
//
//   - Townships (one centroid each, as profiles only ever store a township
//     centroid) are clustered around a few county seats in a 150 km square
//     of rural Guizhou; most volunteers live in the county seats, most
//     children in rural townships.
//   - Volunteers teach 1–3 of 8 subjects for 1–2 of 3 grade bands, are free
//     on weekday evenings and/or weekend blocks (30-minute slots), meet
//     online and/or in person within a 10–40 km travel radius, and take 1–3
//     pairings (60/30/10 %). Needs ask for 1–2 subjects in one grade band
//     at the child's free times, want 1–3 volunteers (70/20/10 %) and have an
//     urgency (1–5) and a waiting time.
//   - A volunteer's candidates are its nearest compatible needs (shared
//     subject and grade band, ≥ 60 minutes a cityWeek of common free time, a
//     common mode, in person only within the travel radius by haversine
//     distance between centroids), at most cfg.Candidates of them, the best
//     scoring first among equally near ones.
//   - The weight of an edge is its score × 1000, the score (0–100) being
//     35 × subject fit + 25 × common hours (capped at 4 h a cityWeek) + 20 ×
//     nearness (1 − distance/radius in person, 0.5 online only) + 10 ×
//     urgency/5 + 10 × waiting time (capped at 180 days).
//
// Left nodes are needs and right nodes volunteers.
func GenerateCity(cfg CityConfig) Graph {
	nv := max(cfg.Volunteers, 0)
	nn := cfg.Needs
	if nn <= 0 {
		nn = nv / 5
	}
	k := cfg.Candidates
	if k <= 0 {
		k = 50
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	c := newCity(rng, nv, nn)
	needs := make([]cityNeed, nn)
	for i := range needs {
		needs[i] = c.newNeed(rng)
	}
	byTown := make([][]int32, len(c.towns))
	for i, n := range needs {
		byTown[n.town] = append(byTown[n.town], int32(i))
	}

	g := Graph{NLeft: nn, NRight: nv, LeftCap: make([]int, nn), RightCap: make([]int, nv)}
	for i, n := range needs {
		g.LeftCap[i] = n.wants
	}
	g.Edges = make([]Edge, 0, nv*min(k, 50))
	var cands []cityCand
	for r := range nv {
		vol := c.newVolunteer(rng)
		g.RightCap[r] = vol.capacity
		cands = cands[:0]
		for _, t := range c.near[vol.town] {
			d := c.dist[vol.town][t]
			if len(cands) >= k && d > cands[len(cands)-1].dist {
				break
			}
			inPersonOK := vol.inPerson && d <= vol.radius
			if !inPersonOK && !vol.online {
				break // farther townships are out of reach too
			}
			for _, ni := range byTown[t] {
				if w, ok := c.score(&vol, &needs[ni], d); ok {
					cands = append(cands, cityCand{dist: d, w: w, need: ni})
				}
			}
		}
		slices.SortFunc(cands, func(a, b cityCand) int {
			if a.dist != b.dist {
				return cmp.Compare(a.dist, b.dist)
			}
			return cmp.Compare(b.w, a.w)
		})
		for _, cd := range cands[:min(len(cands), k)] {
			g.Edges = append(g.Edges, Edge{L: int(cd.need), R: r, W: cd.w})
		}
	}
	return g
}

type cityCand struct {
	dist float64
	w    int64
	need int32
}

type cityTown struct {
	lat, lon   float64
	urban      bool
	needWeight float64
	volWeight  float64
}

type city struct {
	towns      []cityTown
	dist       [][]float64 // km between centroids (2 km within one township)
	near       [][]int     // townships by distance, nearest first, within reach
	needCum    []float64
	volCum     []float64
	subjectCum []float64
}

type cityNeed struct {
	town           int
	subjects       uint8
	grade          uint8
	free           cityWeek
	online, inPers bool
	wants          int
	urgency        int
	waitDays       int
}

type cityVolunteer struct {
	town             int
	subjects, grades uint8
	free             cityWeek
	online, inPerson bool
	radius           float64
	capacity         int
}

// cityWeek is 7 × 48 half-hour slots, Monday 00:00 first.
type cityWeek [6]uint64

func (w *cityWeek) set(day, fromSlot, toSlot int) {
	for s := fromSlot; s < toSlot; s++ {
		i := day*48 + s
		w[i/64] |= 1 << (i % 64)
	}
}

func (w *cityWeek) overlapMinutes(o *cityWeek) int {
	n := 0
	for i := range w {
		n += bits.OnesCount64(w[i] & o[i])
	}
	return n * 30
}

const cityMaxReachKm = 40.0

func newCity(rng *rand.Rand, nv, nn int) *city {
	nt := max(20, nv/400)
	seats := max(3, nt/25)
	c := &city{towns: make([]cityTown, nt)}
	const lat0, lon0 = 26.0, 106.0 // around Guiyang; the square is ~150 km wide
	for t := range c.towns {
		tw := &c.towns[t]
		if t < seats {
			tw.lat = lat0 + rng.Float64()*1.35
			tw.lon = lon0 + rng.Float64()*1.5
			tw.urban = true
			tw.volWeight = 40 * math.Exp(rng.NormFloat64()*0.5)
			tw.needWeight = 3 * math.Exp(rng.NormFloat64()*0.5)
			continue
		}
		s := &c.towns[rng.IntN(seats)]
		r := math.Abs(rng.NormFloat64())*18 + 4 // km from the seat
		a := rng.Float64() * 2 * math.Pi
		tw.lat = s.lat + r*math.Cos(a)/111.0
		tw.lon = s.lon + r*math.Sin(a)/(111.0*math.Cos(s.lat*math.Pi/180))
		tw.volWeight = 0.6 * math.Exp(rng.NormFloat64()*0.6)
		tw.needWeight = math.Exp(rng.NormFloat64() * 0.6)
	}
	c.dist = make([][]float64, nt)
	c.near = make([][]int, nt)
	for a := range c.towns {
		c.dist[a] = make([]float64, nt)
		for b := range c.towns {
			if a == b {
				c.dist[a][b] = 2
			} else {
				c.dist[a][b] = cityHaversineKm(c.towns[a].lat, c.towns[a].lon, c.towns[b].lat, c.towns[b].lon)
			}
		}
		order := make([]int, nt)
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, func(x, y int) int { return cmp.Compare(c.dist[a][x], c.dist[a][y]) })
		c.near[a] = order[:min(nt, 60)]
	}
	c.needCum = cityCumulative(nt, func(t int) float64 { return c.towns[t].needWeight })
	c.volCum = cityCumulative(nt, func(t int) float64 { return c.towns[t].volWeight })
	// Chinese, maths, English, science, art, music, sport, psychological support.
	popularity := []float64{5, 6, 5, 2, 1.5, 1.2, 1, 1.5}
	c.subjectCum = cityCumulative(len(popularity), func(i int) float64 { return popularity[i] })
	return c
}

func cityCumulative(n int, weight func(int) float64) []float64 {
	cum := make([]float64, n)
	s := 0.0
	for i := range cum {
		s += weight(i)
		cum[i] = s
	}
	return cum
}

func cityPick(rng *rand.Rand, cum []float64) int {
	x := rng.Float64() * cum[len(cum)-1]
	i, _ := slices.BinarySearch(cum, x)
	return min(i, len(cum)-1)
}

func (c *city) subjects(rng *rand.Rand, n int) uint8 {
	var m uint8
	for bits.OnesCount8(m) < n {
		m |= 1 << cityPick(rng, c.subjectCum)
	}
	return m
}

func (c *city) newNeed(rng *rand.Rand) cityNeed {
	n := cityNeed{
		town:     cityPick(rng, c.needCum),
		subjects: c.subjects(rng, 1+rng.IntN(2)),
		grade:    1 << rng.IntN(3),
		online:   rng.Float64() < 0.6,
		urgency:  1 + rng.IntN(5),
		waitDays: rng.IntN(366),
	}
	n.inPers = !n.online || rng.Float64() < 0.85
	switch x := rng.Float64(); {
	case x < 0.7:
		n.wants = 1
	case x < 0.9:
		n.wants = 2
	default:
		n.wants = 3
	}
	// After school on most weekdays (18:30–20:30 at a boarding school
	// or home), and one or two weekend blocks.
	start := 37 + rng.IntN(2)
	for d := range 5 {
		if rng.Float64() < 0.7 {
			n.free.set(d, start, start+4)
		}
	}
	for d := 5; d < 7; d++ {
		switch rng.IntN(3) {
		case 0:
			n.free.set(d, 18, 24) // 9:00–12:00
		case 1:
			n.free.set(d, 28, 34) // 14:00–17:00
		}
	}
	return n
}

func (c *city) newVolunteer(rng *rand.Rand) cityVolunteer {
	v := cityVolunteer{
		town:     cityPick(rng, c.volCum),
		subjects: c.subjects(rng, 1+rng.IntN(3)),
		online:   rng.Float64() < 0.45,
		radius:   10 + rng.Float64()*(cityMaxReachKm-10),
	}
	v.grades = 1 << rng.IntN(3)
	if rng.Float64() < 0.4 {
		v.grades |= 1 << rng.IntN(3)
	}
	v.inPerson = !v.online || rng.Float64() < 0.6
	switch x := rng.Float64(); {
	case x < 0.6:
		v.capacity = 1
	case x < 0.9:
		v.capacity = 2
	default:
		v.capacity = 3
	}
	// Two to four weekday evenings from 19:00 and/or a weekend day.
	if rng.Float64() < 0.75 {
		from := 38 + rng.IntN(2)
		for range 2 + rng.IntN(3) {
			v.free.set(rng.IntN(5), from, from+4)
		}
	}
	if rng.Float64() < 0.6 {
		d := 5 + rng.IntN(2)
		from := 16 + rng.IntN(14)
		v.free.set(d, from, from+6+rng.IntN(6))
	}
	return v
}

// score returns the edge weight (score × 1000) of volunteer v for need n at
// distance d km, and whether they are compatible at all.
func (c *city) score(v *cityVolunteer, n *cityNeed, d float64) (int64, bool) {
	common := v.subjects & n.subjects
	if common == 0 || v.grades&n.grade == 0 {
		return 0, false
	}
	overlap := v.free.overlapMinutes(&n.free)
	if overlap < 60 {
		return 0, false
	}
	near := 0.0
	switch {
	case v.inPerson && n.inPers && d <= v.radius:
		near = 1 - d/v.radius
	case v.online && n.online:
		near = 0.5
	default:
		return 0, false
	}
	fit := float64(bits.OnesCount8(common)) / float64(bits.OnesCount8(n.subjects))
	s := 35*fit + 25*math.Min(float64(overlap), 240)/240 + 20*near +
		10*float64(n.urgency)/5 + 10*math.Min(float64(n.waitDays), 180)/180
	return int64(math.Round(s * 1000)), true
}

// cityHaversineKm is the great-circle distance in km between two points given
// in degrees.
func cityHaversineKm(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371.0
	p1, p2 := lat1*math.Pi/180, lat2*math.Pi/180
	dp := p2 - p1
	dl := (lon2 - lon1) * math.Pi / 180
	h := math.Sin(dp/2)*math.Sin(dp/2) + math.Cos(p1)*math.Cos(p2)*math.Sin(dl/2)*math.Sin(dl/2)
	return 2 * r * math.Asin(math.Sqrt(h))
}
