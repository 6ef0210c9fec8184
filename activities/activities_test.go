package activities_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/activities"
)

func TestActivityCheckinCodes(t *testing.T) {
	secret := []byte("secret")
	t0 := time.Date(2026, 3, 7, 1, 0, 30, 0, time.UTC)
	code := activities.CodeAt(secret, "s1", t0)
	tests := []struct {
		name    string
		secret  []byte
		session string
		code    string
		at      time.Time
		want    bool
	}{
		{"same window", secret, "s1", code, t0.Add(29 * time.Second), true},
		{"next window (grace)", secret, "s1", code, t0.Add(60 * time.Second), true},
		{"two windows later", secret, "s1", code, t0.Add(90 * time.Second), false},
		{"window before", secret, "s1", code, t0.Add(-60 * time.Second), false},
		{"other session", secret, "s2", code, t0, false},
		{"other secret", []byte("other"), "s1", code, t0, false},
		{"empty code", secret, "s1", "", t0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := activities.CodeValid(tt.secret, tt.session, tt.code, tt.at); got != tt.want {
				t.Errorf("CodeValid = %v, want %v", got, tt.want)
			}
		})
	}
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		t.Errorf("code %q is not 6 digits", code)
	}
	// Codes rotate: over an hour of windows nearly all differ.
	seen := map[string]bool{}
	for i := range 60 {
		seen[activities.CodeAt(secret, "s1", t0.Add(time.Duration(i)*time.Minute))] = true
	}
	if len(seen) < 55 {
		t.Errorf("only %d distinct codes in 60 windows", len(seen))
	}
}

func TestActivityAttendedMinutes(t *testing.T) {
	start := time.Date(2026, 3, 7, 1, 0, 0, 0, time.UTC)
	end := start.Add(2 * time.Hour)
	at := func(m int) time.Time { return start.Add(time.Duration(m) * time.Minute) }
	tests := []struct {
		name    string
		in, out time.Time
		want    int
	}{
		{"inside", at(10), at(70), 60},
		{"early arrival clamped", at(-45), at(30), 30},
		{"late departure clamped", at(100), at(200), 20},
		{"whole session and more", at(-60), at(180), 120},
		{"partial minutes round down", at(0), at(0).Add(59 * time.Second), 0},
		{"out before in", at(50), at(40), 0},
		{"entirely after", at(130), at(150), 0},
	}
	for _, tt := range tests {
		if got := activities.AttendedMinutes(start, end, tt.in, tt.out); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestActivityMaskName(t *testing.T) {
	tests := map[string]string{"张三": "张*", "欧阳娜娜": "欧***", "李": "*", "": "*", " 王小明 ": "王**", "Alice": "A****"}
	for in, want := range tests {
		if got := activities.MaskName(in); got != want {
			t.Errorf("MaskName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestActivityParseTimeAndOverlaps(t *testing.T) {
	want := time.Date(2026, 3, 7, 1, 0, 0, 0, time.UTC)
	for _, in := range []string{"2026-03-07T09:00:00+08:00", "2026-03-07T01:00:00Z", "2026-03-07T09:00"} {
		got, ok := activities.ParseTime(in)
		if !ok || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "2026-03-07", "09:00", "2026-03-07 09:00"} {
		if _, ok := activities.ParseTime(in); ok {
			t.Errorf("ParseTime(%q) accepted", in)
		}
	}
	h := func(n int) time.Time { return want.Add(time.Duration(n) * time.Hour) }
	overlaps := []struct {
		a0, a1, b0, b1 int
		want           bool
	}{
		{0, 2, 1, 3, true}, {0, 2, 2, 4, false}, {1, 2, 0, 3, true}, {3, 4, 0, 3, false}, {0, 4, 1, 2, true},
	}
	for _, o := range overlaps {
		if got := activities.Overlaps(h(o.a0), h(o.a1), h(o.b0), h(o.b1)); got != o.want {
			t.Errorf("Overlaps(%d-%d, %d-%d) = %v", o.a0, o.a1, o.b0, o.b1, got)
		}
	}
}

func TestActivityValidateSession(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	county := func(c string) (string, bool) { return "隆安县", c == "439921" }
	good := activities.SessionInput{Start: "2026-03-07T09:00", End: "2026-03-07T11:00", VenueName: "童伴之家", CountyCode: "439921",
		Capacity: map[string]int{"tutor": 2}, ChildrenExpected: 8}
	tests := []struct {
		name   string
		edit   func(*activities.SessionInput)
		fields []string
	}{
		{"good", func(*activities.SessionInput) {}, nil},
		{"start in the past", func(in *activities.SessionInput) { in.Start = "2026-02-07T09:00" }, []string{"s.start"}},
		{"too short", func(in *activities.SessionInput) { in.End = "2026-03-07T09:10" }, []string{"s.end"}},
		{"deadline after start", func(in *activities.SessionInput) { in.SignupDeadline = "2026-03-07T10:00" }, []string{"s.signup_deadline"}},
		{"no venue", func(in *activities.SessionInput) { in.VenueName = " " }, []string{"s.venue_name"}},
		{"bad county", func(in *activities.SessionInput) { in.CountyCode = "1" }, []string{"s.county_code"}},
		{"no places", func(in *activities.SessionInput) { in.Capacity = map[string]int{} }, []string{"s.capacity"}},
		{"too many places", func(in *activities.SessionInput) { in.Capacity = map[string]int{"tutor": 501} }, []string{"s.capacity.tutor"}},
		{"children negative", func(in *activities.SessionInput) { in.ChildrenExpected = -1 }, []string{"s.children_expected"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := good
			in.Capacity = map[string]int{"tutor": 2}
			tt.edit(&in)
			var v tongban.Validation
			start, _, deadline := activities.ValidateSession(&v, "s", in, now, county)
			var fields []string
			if e, ok := v.Err().(*tongban.Error); ok {
				for _, f := range e.Fields {
					fields = append(fields, f.Field)
				}
			}
			if diff := cmp.Diff(tt.fields, fields); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
			if tt.fields == nil && !deadline.Equal(start) {
				t.Errorf("default deadline %v, want the start %v", deadline, start)
			}
		})
	}
}

func TestActivityICS(t *testing.T) {
	start := time.Date(2026, 3, 7, 1, 0, 0, 0, time.UTC)
	// The full-width ；is text; ASCII , and \ are escaped.
	su := &activities.Signup{ID: "abc", Title: "童伴之家周末课业辅导；第一期, 数学\\语文" + strings.Repeat("很长的标题", 10), VenueName: "石门镇童伴之家",
		CountyName: "隆安县", Role: activities.RoleTutor, Start: start, End: start.Add(2 * time.Hour)}
	out := string(activities.ICS([]*activities.Signup{su}, start.Add(-time.Hour)))
	if !strings.HasSuffix(out, "END:VCALENDAR\r\n") || strings.Contains(strings.ReplaceAll(out, "\r\n", ""), "\n") {
		t.Errorf("lines must end in CRLF:\n%q", out)
	}
	var unfolded []string
	for _, l := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
		if len(l) > 75 {
			t.Errorf("line longer than 75 octets: %q", l)
		}
		if !utf8.ValidString(l) {
			t.Errorf("fold split a character: %q", l)
		}
		if strings.HasPrefix(l, " ") {
			unfolded[len(unfolded)-1] += l[1:]
		} else {
			unfolded = append(unfolded, l)
		}
	}
	want := []string{
		"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Tongban//Volunteer activities//ZH", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
		"X-WR-CALNAME:童伴志愿活动", "X-WR-TIMEZONE:Asia/Shanghai", "BEGIN:VEVENT", "UID:abc@tongban", "DTSTAMP:20260307T000000Z",
		"DTSTART:20260307T010000Z", "DTEND:20260307T030000Z", `SUMMARY:童伴之家周末课业辅导；第一期\, 数学\\语文` + strings.Repeat("很长的标题", 10),
		"LOCATION:石门镇童伴之家，隆安县", "DESCRIPTION:岗位：课业辅导（tutor）", "STATUS:CONFIRMED", "END:VEVENT", "END:VCALENDAR",
	}
	if diff := cmp.Diff(want, unfolded); diff != "" {
		t.Errorf("unfolded feed (-want +got):\n%s", diff)
	}
}

func sampleContent() *activities.CertificateContent {
	return &activities.CertificateContent{Serial: "TB-2026-ABCDEFGH12", VolunteerName: "张雨桐", OrgID: "o1", OrgName: "共青团隆安县委员会",
		PeriodFrom: "2026-03-07", PeriodTo: "2026-05-16", TotalMinutes: 1230,
		Lines: []activities.CertificateLine{{Kind: "activity", Title: "童伴之家周末课业辅导", Sessions: 6, Minutes: 720, From: "2026-03-07", To: "2026-04-18"},
			{Kind: "pairing", Title: "周六数学线上辅导", Sessions: 4, Minutes: 510, From: "2026-04-01", To: "2026-05-16"}},
		IssuedAt: "2026-05-20T10:00:00+08:00", VerifyURL: "https://tongban.example/api/v1/certificates/TB-2026-ABCDEFGH12"}
}

func TestActivityCertificateHash(t *testing.T) {
	c := sampleContent()
	h := c.Hash()
	if len(h) != 64 || h != sampleContent().Hash() {
		t.Fatalf("hash %q is not stable", h)
	}
	edits := map[string]func(*activities.CertificateContent){
		"name":    func(c *activities.CertificateContent) { c.VolunteerName = "张雨" },
		"minutes": func(c *activities.CertificateContent) { c.TotalMinutes++ },
		"line":    func(c *activities.CertificateContent) { c.Lines[1].Sessions = 5 },
		"url":     func(c *activities.CertificateContent) { c.VerifyURL += "x" },
	}
	for name, edit := range edits {
		c := sampleContent()
		edit(c)
		if c.Hash() == h {
			t.Errorf("changing the %s keeps the hash", name)
		}
	}
}

func TestActivityRenderCertificate(t *testing.T) {
	c := sampleContent()
	start := time.Now()
	a, err := activities.RenderCertificate(c, c.Hash())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("certificate PDF: %d bytes in %v", len(a), time.Since(start))
	b, err := activities.RenderCertificate(c, c.Hash())
	if err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(a) != sha256.Sum256(b) {
		t.Error("the same content rendered to different PDFs")
	}
	for _, want := range []string{"%PDF-1.", "/FontFile2", "/Type /Page", "%%EOF"} {
		if !bytes.Contains(a, []byte(want)) {
			t.Errorf("PDF lacks %q", want)
		}
	}
	// Only the used glyphs are embedded: far smaller than the 4.6 MB font.
	if len(a) > 200_000 {
		t.Errorf("PDF is %d bytes: the font was not subset", len(a))
	}
	long := sampleContent()
	for i := range 40 {
		long.Lines = append(long.Lines, activities.CertificateLine{Kind: "activity", Title: fmt.Sprintf("第%d期童伴之家周末课业辅导与心理陪伴综合活动", i), Sessions: 1, Minutes: 60, From: "2026-04-01", To: "2026-04-01"})
	}
	if _, err := activities.RenderCertificate(long, long.Hash()); err != nil {
		t.Errorf("many lines: %v", err)
	}
	bad := sampleContent()
	bad.IssuedAt = "yesterday"
	if _, err := activities.RenderCertificate(bad, ""); err == nil {
		t.Error("a bad issue time rendered")
	}
}

// BenchmarkRenderCertificate measures certificate PDF generation.
func BenchmarkRenderCertificate(b *testing.B) {
	c := sampleContent()
	h := c.Hash()
	for b.Loop() {
		if _, err := activities.RenderCertificate(c, h); err != nil {
			b.Fatal(err)
		}
	}
}
