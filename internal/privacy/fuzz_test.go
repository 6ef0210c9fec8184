package privacy_test

import (
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/tongban/tongban/internal/privacy"
)

var knownKinds = map[string]bool{
	privacy.KindIDNumber: true, privacy.KindMobile: true, privacy.KindLandline: true, privacy.KindEmail: true,
	privacy.KindWeChat: true, privacy.KindQQ: true, privacy.KindBankCard: true, privacy.KindAddress: true,
	privacy.KindSchoolClass: true, privacy.KindNameKinship: true,
}

// offsets decodes s the way Screen documents it: an invalid byte is one rune
// and one UTF-16 unit. It returns the byte and UTF-16 offset of every rune
// index, with one extra entry for the end.
func offsets(s string) (bytesAt, u16At []int, runes []rune) {
	u := 0
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		bytesAt = append(bytesAt, i)
		u16At = append(u16At, u)
		runes = append(runes, r)
		if r == utf8.RuneError && w == 1 {
			u++
		} else {
			u += utf16.RuneLen(r)
		}
		i += w
	}
	return append(bytesAt, len(s)), append(u16At, u), runes
}

// checkFindings verifies the invariants of Screen's result for text.
func checkFindings(t *testing.T, text string, fs []privacy.Finding) {
	t.Helper()
	bytesAt, u16At, runes := offsets(text)
	n := len(runes)
	masked := make([]rune, n)
	copy(masked, runes)
	prevStart, prevEnd := -1, -1
	for _, f := range fs {
		if !knownKinds[f.Kind] {
			t.Fatalf("unknown kind %q", f.Kind)
		}
		if f.Start < 0 || f.Start >= f.End || f.End > n {
			t.Fatalf("rune span %d–%d out of range 0–%d", f.Start, f.End, n)
		}
		if f.StartByte != bytesAt[f.Start] || f.EndByte != bytesAt[f.End] {
			t.Fatalf("byte span %d–%d, want %d–%d (not on rune boundaries or inconsistent)",
				f.StartByte, f.EndByte, bytesAt[f.Start], bytesAt[f.End])
		}
		if f.StartU16 != u16At[f.Start] || f.EndU16 != u16At[f.End] {
			t.Fatalf("UTF-16 span %d–%d, want %d–%d", f.StartU16, f.EndU16, u16At[f.Start], u16At[f.End])
		}
		if f.Start < prevStart || f.End <= prevEnd {
			t.Fatalf("finding %d–%d out of order or nested after %d–%d", f.Start, f.End, prevStart, prevEnd)
		}
		prevStart, prevEnd = f.Start, f.End
		if f.MessageEN == "" || f.MessageZH == "" {
			t.Fatalf("finding %+v has no message", f)
		}
		for i := f.Start; i < f.End; i++ {
			if unicode.IsLetter(runes[i]) || unicode.IsNumber(runes[i]) {
				masked[i] = '*'
			}
		}
	}
	for i, r := range masked {
		if unicode.IsControl(r) {
			masked[i] = ' '
		}
	}
	all := string(masked)
	for _, f := range fs {
		if !utf8.ValidString(f.Excerpt) {
			t.Fatalf("excerpt %q is not valid UTF-8", f.Excerpt)
		}
		// The excerpt is a window of the text in which every letter and
		// digit of every finding is masked: so no unmasked character of
		// any hit can appear in it.
		ex := f.Excerpt
		trimmed := []string{ex, strings.TrimPrefix(ex, "…"), strings.TrimSuffix(ex, "…"),
			strings.TrimSuffix(strings.TrimPrefix(ex, "…"), "…")}
		ok := false
		for _, c := range trimmed {
			if c != "" && strings.Contains(all, c) {
				ok = true
				break
			}
		}
		if !ok {
			t.Fatalf("excerpt %q is not a window of the masked text %q", ex, all)
		}
		// Said directly: the digits of the hit do not appear in the excerpt,
		// unless the same digits also stand elsewhere in the text.
		hit := string(runes[f.Start:f.End])
		rest := string(runes[:f.Start]) + "\x00" + string(runes[f.End:])
		if strings.IndexFunc(hit, unicode.IsDigit) >= 0 && strings.Count(ex, hit) > strings.Count(rest, hit) {
			t.Fatalf("excerpt %q shows the hit %q", ex, hit)
		}
	}
}

func FuzzScreen(f *testing.F) {
	for _, file := range []string{"testdata/positive.tsv", "testdata/negative.txt"} {
		withKinds := strings.HasSuffix(file, ".tsv")
		for _, c := range readCorpus(f, file, withKinds) {
			f.Add(c.text)
		}
	}
	for _, s := range []string{
		"", "\xff", "\xe4\xbd", "１３９０７３９４５２１\xff", "😀😀13907394521😀", "电话\n13907394521\n",
		"孩子孩子孩子孩子", "路1号路1号路1号", "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20",
		"43052420150312123X43052420150312123X", "a@b.cc@d.ee", "…13907394521…", "\u200b139\u200b0739\u200b4521",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		checkFindings(t, text, privacy.Screen(text))
	})
}

// TestScreenInvariants runs the fuzz invariants over the corpus and a few
// inputs with invalid UTF-8, so that they are checked in every test run.
func TestScreenInvariants(t *testing.T) {
	var texts []string
	for _, c := range readCorpus(t, "testdata/positive.tsv", true) {
		texts = append(texts, c.text, c.text+"\xff", "\xc3"+c.text)
	}
	for _, c := range readCorpus(t, "testdata/negative.txt", false) {
		texts = append(texts, c.text)
	}
	texts = append(texts, strings.Join(texts, "\n"))
	for _, text := range texts {
		checkFindings(t, text, privacy.Screen(text))
	}
}

// benchText builds an input of n bytes from the corpus: realistic text with
// a finding every few lines.
func benchText(tb testing.TB, n int) string {
	tb.Helper()
	var lines []string
	for _, c := range readCorpus(tb, "testdata/positive.tsv", true) {
		lines = append(lines, c.text)
	}
	for _, c := range readCorpus(tb, "testdata/negative.txt", false) {
		lines = append(lines, c.text)
	}
	var sb strings.Builder
	for i := 0; sb.Len() < n; i++ {
		sb.WriteString(lines[(i*7)%len(lines)])
		sb.WriteByte('\n')
	}
	s := sb.String()[:n]
	return strings.ToValidUTF8(s, "")
}

// BenchmarkScreen reports the time per byte for inputs of 1 KiB, 16 KiB and
// 256 KiB, of realistic text and of adversarial text (long runs of digits
// and separators, repeated keywords), to show that screening is linear.
func BenchmarkScreen(b *testing.B) {
	inputs := map[string]func(int) string{
		"corpus": func(n int) string { return benchText(b, n) },
		"digits": func(n int) string { return strings.Repeat("1 23-4(5)", n/9+1)[:n] },
		"keywords": func(n int) string {
			return strings.ToValidUTF8(strings.Repeat("孩子路村栋单元小学微信QQ的妈妈", n/40+1)[:n], "")
		},
	}
	for _, kind := range []string{"corpus", "digits", "keywords"} {
		for _, size := range []int{1 << 10, 16 << 10, 256 << 10} {
			text := inputs[kind](size)
			b.Run(fmt.Sprintf("%s/%dKiB", kind, size>>10), func(b *testing.B) {
				b.SetBytes(int64(len(text)))
				for b.Loop() {
					privacy.Screen(text)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(text)), "ns/byte")
			})
		}
	}
}
