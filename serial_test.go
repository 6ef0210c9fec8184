package tongban_test

import (
	"regexp"
	"testing"

	"github.com/tongban/tongban"
)

func TestSerial(t *testing.T) {
	tests := []struct {
		prefix string
		year   int
		want   string
	}{
		{"TB", 2026, `^TB-2026-[0-9A-HJKMNP-TV-Z]{10}$`},
		{"DR", 2027, `^DR-2027-[0-9A-HJKMNP-TV-Z]{10}$`},
		{"X", 999, `^X-0999-[0-9A-HJKMNP-TV-Z]{10}$`},
	}
	for _, tt := range tests {
		seen := map[string]bool{}
		for range 1000 {
			got := tongban.Serial(tt.prefix, tt.year)
			if !regexp.MustCompile(tt.want).MatchString(got) {
				t.Fatalf("Serial(%q, %d) = %q, want match %s", tt.prefix, tt.year, got, tt.want)
			}
			if seen[got] {
				t.Fatalf("Serial(%q, %d) repeated %q within 1000 draws", tt.prefix, tt.year, got)
			}
			seen[got] = true
		}
	}
}
