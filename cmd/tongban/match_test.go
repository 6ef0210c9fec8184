package main

import (
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestMatchRunCountyMinShare runs `match run --fairness county --min-share
// 0.2` on the demo data: the per-county report is printed and every floor
// is met; a bad share is refused.
func TestMatchRunCountyMinShare(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command(binPath, "seed", "--demo", "--data-dir", dir).CombinedOutput(); err != nil {
		t.Fatalf("seed: %v\n%s", err, out)
	}
	out, err := exec.Command(binPath, "match", "run", "--org", "共青团隆安县委员会", "--dry-run", "--fairness", "county", "--min-share", "0.2", "--data-dir", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("match run: %v\n%s", err, out)
	}
	text := string(out)
	if !strings.Contains(text, "Counties (minimum share 20 %):") {
		t.Errorf("no county report:\n%s", text)
	}
	lines := regexp.MustCompile(`(\d{6})  (\d+) of (\d+) places filled \(floor (\d+)\)`).FindAllStringSubmatch(text, -1)
	if len(lines) == 0 {
		t.Fatalf("no county lines:\n%s", text)
	}
	for _, l := range lines {
		if filled, _ := strconv.Atoi(l[2]); filled < atoi(l[4]) {
			t.Errorf("county %s: %s filled, below its floor %s", l[1], l[2], l[4])
		}
	}
	tests := []struct {
		name string
		args []string
	}{
		{"share above 1", []string{"--fairness", "county", "--min-share", "1.5"}},
		{"share missing", []string{"--fairness", "county"}},
		{"share without county fairness", []string{"--min-share", "0.2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"match", "run", "--org", "共青团隆安县委员会", "--dry-run", "--data-dir", dir}, tt.args...)
			if out, err := exec.Command(binPath, args...).CombinedOutput(); err == nil || !strings.Contains(string(out), "min_share") {
				t.Errorf("accepted or not naming min_share: %v\n%s", err, out)
			}
		})
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
