package privacy

import "strings"

// digitPart is one run of digits in the normalized text, optionally ending
// in the ID check character X.
type digitPart struct {
	start, end int // rune span, end exclusive, X included
	digits     string
	x          bool
}

func (p digitPart) len() int { return p.end - p.start }

// maxWindowParts and maxWindowDigits bound the windows of neighbouring digit
// runs that are tried as one number; they keep the scan linear.
const (
	maxWindowParts  = 6
	maxWindowDigits = 20
)

// scanNumbers finds ID, mobile, landline and bank card numbers. Runs of
// digits joined by short separators (space, dash, parentheses) form a group;
// every window of consecutive runs in a group is classified, and at each
// start the best classification wins.
func (t *text) scanNumbers(add func(kind string, start, end int)) {
	rs := t.runes
	n := len(rs)
	var group []digitPart
	for i := 0; i < n; {
		if !isDigit(rs[i]) {
			i++
			continue
		}
		j := i
		for j < n && isDigit(rs[j]) {
			j++
		}
		p := digitPart{start: i, end: j}
		if j < n && (rs[j] == 'X' || rs[j] == 'x') && (j+1 == n || !isAlnum(rs[j+1])) {
			p.x = true
			p.end = j + 1
		}
		var sb strings.Builder
		sb.Grow(p.len())
		for k := p.start; k < p.end; k++ {
			if isDigit(rs[k]) {
				sb.WriteRune(rs[k])
			} else {
				sb.WriteByte('X')
			}
		}
		p.digits = sb.String()
		if len(group) > 0 && !t.linked(group[len(group)-1], p) {
			t.classifyGroup(group, add)
			group = group[:0]
		}
		group = append(group, p)
		i = p.end
	}
	t.classifyGroup(group, add)
}

func isAlnum(r rune) bool { return isDigit(r) || isASCIILetter(r) }

// linked reports whether two digit runs are separated only by a short
// separator: one to three of space, tab, '-', '(' and ')', at most one dash.
func (t *text) linked(a, b digitPart) bool {
	if a.x {
		return false
	}
	gap := b.start - a.end
	if gap < 1 || gap > 3 {
		return false
	}
	dashes := 0
	for _, r := range t.runes[a.end:b.start] {
		switch r {
		case '-':
			dashes++
		case ' ', '\t', '(', ')':
		default:
			return false
		}
	}
	return dashes <= 1
}

// numberRank orders the number kinds when windows starting at the same run
// disagree.
var numberRank = map[string]int{KindIDNumber: 5, KindMobile: 4, KindLandline: 3, KindBankCard: 2}

func (t *text) classifyGroup(g []digitPart, add func(kind string, start, end int)) {
	for i := 0; i < len(g); {
		bestJ, bestKind := -1, ""
		var d []byte
		for j := i; j < len(g) && j < i+maxWindowParts; j++ {
			if j > i && (g[j].len() < 2 || g[i].len() < 2) {
				break
			}
			d = append(d, g[j].digits...)
			if len(d) > maxWindowDigits {
				break
			}
			if k := t.classify(g[i:j+1], string(d)); k != "" && numberRank[k] >= numberRank[bestKind] {
				bestJ, bestKind = j, k
			}
		}
		if bestJ < 0 {
			i++
			continue
		}
		start, end := g[i].start, g[bestJ].end
		if start > 0 && (t.runes[start-1] == '+' || t.runes[start-1] == '(') {
			start--
		}
		add(bestKind, start, end)
		i = bestJ + 1
	}
}

// classify returns the kind of the number formed by the runs ps with the
// concatenated digits d, or "".
func (t *text) classify(ps []digitPart, d string) string {
	last := ps[len(ps)-1]
	if last.x {
		if len(d) == 18 && validID18(d) {
			return KindIDNumber
		}
		return ""
	}
	start, end := ps[0].start, last.end
	letterBefore := start > 0 && (isASCIILetter(t.runes[start-1]) || t.runes[start-1] == '_')
	letterAfter := end < len(t.runes) && (isASCIILetter(t.runes[end]) || t.runes[end] == '_')
	lens := make([]int, len(ps))
	for i, p := range ps {
		lens[i] = p.len()
	}
	switch {
	case len(d) == 18 && validID18(d), len(d) == 15 && validID15(d):
		return KindIDNumber
	case isMobile(d, lens):
		return KindMobile
	case isLandline(d, lens):
		return KindLandline
	case !letterBefore && !letterAfter && isBankCard(d, lens):
		return KindBankCard
	case !letterBefore && !letterAfter && t.isLocalNumber(start, d, lens):
		return KindLandline
	}
	return ""
}

// provinces are the first two digits of resident ID region codes.
var provinces = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true, "81": true, "82": true, "83": true,
}

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// validID18 checks an 18-character resident ID: region, birth date and the
// GB 11643 (ISO 7064 MOD 11-2) check character.
func validID18(d string) bool {
	if len(d) != 18 || !plausibleRegion(d) || !plausibleDate(d[6:10], d[10:12], d[12:14]) {
		return false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := d[i]
		if c < '0' || c > '9' {
			return false
		}
		sum += int(c-'0') * idWeights[i]
	}
	return d[17] == "10X98765432"[sum%11]
}

// validID15 checks a legacy 15-digit resident ID: region and a birth date
// in the 1900s.
func validID15(d string) bool {
	return len(d) == 15 && plausibleRegion(d) && plausibleDate("19"+d[6:8], d[8:10], d[10:12])
}

func plausibleRegion(d string) bool {
	return provinces[d[:2]] && d[2:6] != "0000"
}

// plausibleDate checks a yyyy, mm, dd triple of digits for a real date
// between 1900 and 2099.
func plausibleDate(yyyy, mm, dd string) bool {
	y, ok1 := atoi(yyyy)
	m, ok2 := atoi(mm)
	day, ok3 := atoi(dd)
	if !ok1 || !ok2 || !ok3 || y < 1900 || y > 2099 || m < 1 || m > 12 || day < 1 {
		return false
	}
	days := [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m]
	if m == 2 && (y%4 == 0 && y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return day <= days
}

func atoi(s string) (int, bool) {
	v := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		v = v*10 + int(s[i]-'0')
	}
	return v, true
}

// isMobile reports a mainland mobile number: 1[3-9] and 11 digits, with an
// optional 86 or 0086 prefix, written whole or grouped 3-4-4, 3-8 or 7-4.
func isMobile(d string, lens []int) bool {
	switch {
	case len(d) == 13 && strings.HasPrefix(d, "86"):
		d = d[2:]
		lens = dropPrefix(lens, 2)
	case len(d) == 15 && strings.HasPrefix(d, "0086"):
		d = d[4:]
		lens = dropPrefix(lens, 4)
	}
	if len(d) != 11 || d[0] != '1' || d[1] < '3' || d[1] > '9' || lens == nil {
		return false
	}
	return sameInts(lens, 11) || sameInts(lens, 3, 4, 4) || sameInts(lens, 3, 8) || sameInts(lens, 7, 4)
}

// dropPrefix removes a prefix of p digits from the run lengths; it returns
// nil when the prefix is not a run of its own or the start of the first run.
func dropPrefix(lens []int, p int) []int {
	if lens[0] == p {
		return lens[1:]
	}
	if lens[0] > p {
		out := append([]int{lens[0] - p}, lens[1:]...)
		return out
	}
	return nil
}

func sameInts(a []int, b ...int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// isLandline reports a fixed-line number with area code: 010 or 02x followed
// by 8 digits, or 0[3-9]xx followed by 7 or 8 digits; the subscriber number
// starts with 2-9.
func isLandline(d string, lens []int) bool {
	if len(d) < 10 || d[0] != '0' {
		return false
	}
	if len(lens) > 1 {
		// the area code must be a run of its own
		if lens[0] != 3 && lens[0] != 4 {
			return false
		}
		for _, l := range lens[1:] {
			if l < 3 {
				return false
			}
		}
		return validArea(d[:lens[0]]) && validSubscriber(d[lens[0]:])
	}
	return validArea(d[:3]) && validSubscriber(d[3:]) || validArea(d[:4]) && validSubscriber(d[4:])
}

func validArea(a string) bool {
	switch len(a) {
	case 3:
		return a == "010" || a[1] == '2'
	case 4:
		return a[1] >= '3' && a[1] <= '9'
	}
	return false
}

func validSubscriber(s string) bool {
	return (len(s) == 7 || len(s) == 8) && s[0] >= '2' && s[0] <= '9'
}

// isBankCard reports a 16-19 digit number passing the Luhn check, written
// whole or in groups of four.
func isBankCard(d string, lens []int) bool {
	if len(d) < 16 || len(d) > 19 || d[0] == '0' || strings.Count(d, d[:1]) == len(d) {
		return false
	}
	if len(lens) > 1 {
		for _, l := range lens[:len(lens)-1] {
			if l != 4 && !(len(lens) == 2 && l == 6) {
				return false
			}
		}
	}
	return luhn(d)
}

func luhn(d string) bool {
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		c := int(d[i] - '0')
		if c < 0 || c > 9 {
			return false
		}
		if double {
			c *= 2
			if c > 9 {
				c -= 9
			}
		}
		sum += c
		double = !double
	}
	return sum%10 == 0
}

// phoneWords introduce a telephone number; a 7-8 digit local number counts
// as a landline only right after one of them.
var phoneWords = []string{"电话", "座机", "固话", "tel", "phone", "致电", "打给"}

// isLocalNumber reports a local 7-8 digit fixed-line number (no area code)
// preceded within a few runes by a telephone word.
func (t *text) isLocalNumber(start int, d string, lens []int) bool {
	if !validSubscriber(d) {
		return false
	}
	if len(lens) > 1 && !sameInts(lens, 3, 4) && !sameInts(lens, 4, 4) {
		return false
	}
	a := start - 8
	if a < 0 {
		a = 0
	}
	before := strings.ToLower(string(t.runes[a:start]))
	for _, w := range phoneWords {
		if strings.Contains(before, w) {
			return true
		}
	}
	return false
}
