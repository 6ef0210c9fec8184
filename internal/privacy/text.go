package privacy

import (
	"regexp"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// text is one input prepared for detection: a normalized copy in which every
// original rune maps to exactly one normalized rune, plus the tables that turn
// a normalized position back into offsets in the original string.
type text struct {
	orig  string
	norm  string
	runes []rune // normalized runes; runes[i] corresponds to original rune i
	// byteOff[i] and u16Off[i] are the byte and UTF-16 offsets of original
	// rune i; both have len(runes)+1 entries.
	byteOff []int
	u16Off  []int
	// normRune[b] is the rune index that covers byte b of norm; it has
	// len(norm)+1 entries.
	normRune []int32
}

// newText normalizes s. An invalid UTF-8 byte counts as one rune (U+FFFD),
// as in a Go range loop, and as one UTF-16 unit, as it arrives in JavaScript
// after JSON encoding.
func newText(s string) *text {
	t := &text{orig: s}
	n := utf8.RuneCountInString(s)
	t.runes = make([]rune, 0, n)
	t.byteOff = make([]int, 0, n+1)
	t.u16Off = make([]int, 0, n+1)
	var b strings.Builder
	b.Grow(len(s))
	u16 := 0
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		t.byteOff = append(t.byteOff, i)
		t.u16Off = append(t.u16Off, u16)
		if r == utf8.RuneError && w == 1 {
			u16++
		} else {
			u16 += utf16.RuneLen(r)
		}
		f := fold(r)
		t.runes = append(t.runes, f)
		b.WriteRune(f)
		i += w
	}
	t.byteOff = append(t.byteOff, len(s))
	t.u16Off = append(t.u16Off, u16)
	t.norm = b.String()
	t.normRune = make([]int32, len(t.norm)+1)
	ri := int32(-1)
	for i := 0; i < len(t.norm); i++ {
		if utf8.RuneStart(t.norm[i]) {
			ri++
		}
		t.normRune[i] = ri
	}
	t.normRune[len(t.norm)] = int32(len(t.runes))
	return t
}

// fold maps one rune to the form the detectors look for: full-width ASCII to
// ASCII, the many dashes to '-', spaces and invisible separators to ' '.
func fold(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII block
		return r - 0xFEE0
	case r == 0x3000, r == 0x00A0, r >= 0x2000 && r <= 0x200D, r == 0x202F,
		r == 0x205F, r == 0x2060, r == 0xFEFF, r == 0x00AD:
		return ' '
	case r >= 0x2010 && r <= 0x2015, r == 0x2212, r == 0xFE58, r == 0xFE63:
		return '-'
	}
	return r
}

// runeAt returns the normalized rune index of byte offset b in norm.
func (t *text) runeAt(b int) int { return int(t.normRune[b]) }

// Regular expressions run over one segment of the normalized text at a time
// (see eachSegment); a segment longer than chunkSize bytes is cut into
// windows of chunkSize bytes that overlap by chunkOverlap bytes on each
// side, so that the cost per byte is the same for short and long inputs. No
// pattern can match more than chunkOverlap bytes.
const (
	chunkSize    = 4096
	chunkOverlap = 512
)

// segmentEnd holds the runes that end a segment: no pattern matches across
// them. Full-width ！？； are folded to their ASCII forms. The ASCII full
// stop is not among them: it occurs in e-mail addresses and "No. 5".
const segmentEnd = "。!?;\n"

// eachSegment calls fn with the byte span of every segment of norm: the text
// between two runes of segmentEnd.
func (t *text) eachSegment(fn func(s, e int)) {
	s := 0
	for i, r := range t.norm {
		if strings.ContainsRune(segmentEnd, r) {
			if i > s {
				fn(s, i)
			}
			s = i + utf8.RuneLen(r)
		}
	}
	if s < len(t.norm) {
		fn(s, len(t.norm))
	}
}

// eachMatch calls fn with the submatch byte offsets (into norm) of every
// match of re within norm[s:e]. A match is reported by the window in which
// it starts.
func (t *text) eachMatch(re *regexp.Regexp, s, e int, fn func(m []int)) {
	text := t.norm
	for start := s; start < e; {
		end := start + chunkSize
		if end >= e {
			end = e
		} else {
			for end < e && !utf8.RuneStart(text[end]) {
				end++
			}
		}
		ws := start - chunkOverlap
		if ws < s {
			ws = s
		}
		for ws > s && !utf8.RuneStart(text[ws]) {
			ws--
		}
		we := end + chunkOverlap
		if we > e {
			we = e
		}
		for we < e && !utf8.RuneStart(text[we]) {
			we++
		}
		for _, m := range re.FindAllStringSubmatchIndex(text[ws:we], -1) {
			if m[0]+ws < start || m[0]+ws >= end {
				continue
			}
			for k := range m {
				if m[k] >= 0 {
					m[k] += ws
				}
			}
			fn(m)
		}
		start = end
	}
}

// isDigit reports whether r is an ASCII digit (after folding).
func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// isASCIILetter reports whether r is an ASCII letter.
func isASCIILetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }

// isHan reports whether r is a CJK unified ideograph.
func isHan(r rune) bool {
	return r >= 0x4E00 && r <= 0x9FFF || r >= 0x3400 && r <= 0x4DBF || r >= 0x20000 && r <= 0x2EBEF
}
