// Package privacy screens free text for personal data before it can become
// public, and strips metadata (EXIF, XMP, IPTC, text chunks) from uploaded
// images.
//
// Screen finds mainland resident ID numbers, mobile and landline numbers,
// e-mail addresses, WeChat and QQ handles, bank card numbers, street
// addresses and house numbers, a named school together with a class, and
// full names next to a kinship or child word. Detection works on a
// normalized copy of the text (full-width digits and letters, dashes and
// spaces folded to ASCII) while every offset refers to the original text.
// Screening runs in time linear in the length of the input.
package privacy

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kinds of personal data reported in Finding.Kind.
const (
	KindIDNumber    = "id_number"    // mainland resident ID number (18 or 15 digits)
	KindMobile      = "mobile"       // mainland mobile number
	KindLandline    = "landline"     // fixed-line number with area code
	KindEmail       = "email"        // e-mail address
	KindWeChat      = "wechat"       // WeChat handle after a WeChat keyword
	KindQQ          = "qq"           // QQ number after a QQ keyword
	KindBankCard    = "bank_card"    // payment card number passing Luhn
	KindAddress     = "address"      // street, village group, building or room number
	KindSchoolClass = "school_class" // a named school together with a class
	KindNameKinship = "name_kinship" // a full name next to a kinship or child word
)

// Finding is one piece of personal data found in a text.
//
// Start and End are offsets in runes (Unicode code points) into the original
// text, End exclusive; an invalid UTF-8 byte counts as one rune. StartByte and
// EndByte are the same span in bytes, for slicing the Go string. StartU16 and
// EndU16 are the span in UTF-16 code units, for JavaScript strings (editor
// highlighting). Excerpt is the surrounding context with every letter and
// digit of every finding masked as '*'; it never contains the personal data
// itself. MessageEN and MessageZH describe the finding for people.
type Finding struct {
	Kind      string `json:"kind"`
	Start     int    `json:"start"`
	End       int    `json:"end"`
	StartByte int    `json:"start_byte"`
	EndByte   int    `json:"end_byte"`
	StartU16  int    `json:"start_u16"`
	EndU16    int    `json:"end_u16"`
	Excerpt   string `json:"excerpt"`
	MessageEN string `json:"message_en"`
	MessageZH string `json:"message_zh"`
}

// kindInfo holds the description and the precedence of one kind. When two
// findings cover the same span, the one with the higher rank is kept.
type kindInfo struct {
	en, zh string
	rank   int
}

var kinds = map[string]kindInfo{
	KindIDNumber:    {"ID number", "身份证号码", 10},
	KindBankCard:    {"bank card number", "银行卡号", 9},
	KindMobile:      {"mobile number", "手机号码", 8},
	KindLandline:    {"landline number", "固定电话号码", 7},
	KindEmail:       {"e-mail address", "电子邮箱", 6},
	KindWeChat:      {"WeChat ID", "微信号", 5},
	KindQQ:          {"QQ number", "QQ 号", 5},
	KindSchoolClass: {"school and class", "学校和班级", 4},
	KindAddress:     {"street address or house number", "详细住址或门牌号", 3},
	KindNameKinship: {"personal name", "与亲属或学生称谓相邻的姓名", 2},
}

// KindName returns the English description of a kind, e.g. "mobile number".
func KindName(kind string) string {
	if k, ok := kinds[kind]; ok {
		return k.en
	}
	return kind
}

// KindNameZH returns the Chinese description of a kind, e.g. "手机号码".
func KindNameZH(kind string) string {
	if k, ok := kinds[kind]; ok {
		return k.zh
	}
	return kind
}

// span is a raw hit in normalized rune offsets.
type span struct {
	kind       string
	start, end int
}

// excerptRadius is the number of runes of context on each side of a hit.
const excerptRadius = 12

// Screen returns the personal data found in text, ordered by position. It
// returns nil when nothing was found.
func Screen(text string) []Finding {
	if text == "" {
		return nil
	}
	t := newText(text)
	var hits []span
	add := func(kind string, start, end int) {
		if start < end {
			hits = append(hits, span{kind, start, end})
		}
	}
	t.scanNumbers(add)
	t.scanEmails(add)
	t.scanPatterns(add)
	t.scanNames(add)
	if len(hits) == 0 {
		return nil
	}
	hits = dedupe(hits)
	return t.findings(hits)
}

// dedupe sorts hits and drops every hit contained in an earlier kept one;
// among hits with the same span the highest ranked kind wins.
func dedupe(hits []span) []span {
	sort.Slice(hits, func(i, j int) bool {
		a, b := hits[i], hits[j]
		if a.start != b.start {
			return a.start < b.start
		}
		if a.end != b.end {
			return a.end > b.end
		}
		return kinds[a.kind].rank > kinds[b.kind].rank
	})
	out := hits[:0]
	maxEnd := -1
	for _, h := range hits {
		if h.end <= maxEnd {
			continue
		}
		out = append(out, h)
		maxEnd = h.end
	}
	return out
}

// findings turns deduplicated hits into Findings with excerpts.
func (t *text) findings(hits []span) []Finding {
	n := len(t.runes)
	masked := make([]bool, n)
	for _, h := range hits {
		for i := h.start; i < h.end; i++ {
			masked[i] = true
		}
	}
	out := make([]Finding, 0, len(hits))
	for _, h := range hits {
		k := kinds[h.kind]
		out = append(out, Finding{
			Kind:      h.kind,
			Start:     h.start,
			End:       h.end,
			StartByte: t.byteOff[h.start],
			EndByte:   t.byteOff[h.end],
			StartU16:  t.u16Off[h.start],
			EndU16:    t.u16Off[h.end],
			Excerpt:   t.excerpt(h, masked),
			MessageEN: fmt.Sprintf("Possible %s at characters %d–%d; remove it before publishing.", k.en, h.start, h.end),
			MessageZH: fmt.Sprintf("第 %d–%d 个字符处疑似%s，请删除后再发布。", h.start, h.end, k.zh),
		})
	}
	return out
}

// excerpt returns the context around h from the original text, with every
// letter and digit inside a masked span replaced by '*', control characters
// shown as spaces and invalid bytes as U+FFFD. An ellipsis marks a cut.
func (t *text) excerpt(h span, masked []bool) string {
	a := h.start - excerptRadius
	if a < 0 {
		a = 0
	}
	b := h.end + excerptRadius
	if b > len(t.runes) {
		b = len(t.runes)
	}
	var sb strings.Builder
	if a > 0 {
		sb.WriteString("…")
	}
	for i := a; i < b; i++ {
		r, _ := utf8.DecodeRuneInString(t.orig[t.byteOff[i]:t.byteOff[i+1]])
		switch {
		case masked[i] && (unicode.IsLetter(r) || unicode.IsNumber(r)):
			r = '*'
		case unicode.IsControl(r):
			r = ' '
		}
		sb.WriteRune(r)
	}
	if b < len(t.runes) {
		sb.WriteString("…")
	}
	return sb.String()
}
