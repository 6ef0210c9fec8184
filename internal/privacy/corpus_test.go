package privacy_test

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/tongban/tongban/internal/privacy"
)

// corpusLine is one example of the corpus.
type corpusLine struct {
	line  int
	kinds []string // expected kinds; empty for negatives
	text  string
}

// readCorpus reads a testdata file, skipping comments and blank lines. When
// withKinds is set, each line is "kinds<TAB>text".
func readCorpus(tb testing.TB, name string, withKinds bool) []corpusLine {
	tb.Helper()
	f, err := os.Open(name)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []corpusLine
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		c := corpusLine{line: n, text: line}
		if withKinds {
			kinds, text, ok := strings.Cut(line, "\t")
			if !ok || text == "" {
				tb.Fatalf("%s:%d: want kinds<TAB>text", name, n)
			}
			c.kinds, c.text = strings.Split(kinds, ","), text
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// TestCorpus measures recall on hand-written positive examples and the
// false-positive rate on hand-written negative examples. A positive counts
// as recalled only when every expected kind is found.
func TestCorpus(t *testing.T) {
	const (
		minRecall = 0.99
		maxFPRate = 0.02
		minLines  = 220
	)
	positives := readCorpus(t, "testdata/positive.tsv", true)
	negatives := readCorpus(t, "testdata/negative.txt", false)
	if len(positives) < minLines || len(negatives) < minLines {
		t.Fatalf("corpus too small: %d positives, %d negatives, want at least %d each", len(positives), len(negatives), minLines)
	}
	for _, k := range []string{
		privacy.KindIDNumber, privacy.KindMobile, privacy.KindLandline, privacy.KindEmail, privacy.KindWeChat,
		privacy.KindQQ, privacy.KindBankCard, privacy.KindAddress, privacy.KindSchoolClass, privacy.KindNameKinship,
	} {
		n := 0
		for _, p := range positives {
			for _, pk := range p.kinds {
				if pk == k {
					n++
				}
			}
		}
		if n < 10 {
			t.Errorf("corpus has %d positive examples of %s, want at least 10", n, k)
		}
	}

	found := 0
	perKind := map[string][2]int{} // kind → {expected, found}
	for _, p := range positives {
		got := map[string]bool{}
		for _, f := range privacy.Screen(p.text) {
			got[f.Kind] = true
		}
		ok := true
		for _, k := range p.kinds {
			c := perKind[k]
			c[0]++
			if got[k] {
				c[1]++
			} else {
				ok = false
			}
			perKind[k] = c
		}
		if ok {
			found++
		} else {
			t.Logf("missed positive.tsv:%d want %v: %s", p.line, p.kinds, p.text)
		}
	}
	falsePos := 0
	for _, n := range negatives {
		if fs := privacy.Screen(n.text); len(fs) > 0 {
			falsePos++
			t.Logf("false positive negative.txt:%d %s %q: %s", n.line, fs[0].Kind, n.text[fs[0].StartByte:fs[0].EndByte], n.text)
		}
	}
	recall := float64(found) / float64(len(positives))
	fpRate := float64(falsePos) / float64(len(negatives))
	for k, c := range perKind {
		t.Logf("kind %-13s recall %d/%d", k, c[1], c[0])
	}
	t.Logf("recall %.2f%% (%d/%d), false-positive rate %.2f%% (%d/%d)",
		100*recall, found, len(positives), 100*fpRate, falsePos, len(negatives))
	if recall < minRecall {
		t.Errorf("recall %.4f, want at least %.2f", recall, minRecall)
	}
	if fpRate > maxFPRate {
		t.Errorf("false-positive rate %.4f, want at most %.2f", fpRate, maxFPRate)
	}
}
