package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tongban/tongban/donations"
)

var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tongban-bin")
	if err != nil {
		panic(err)
	}
	binPath = filepath.Join(dir, "tongban")
	out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
	if err != nil {
		panic(fmt.Sprintf("build: %v\n%s", err, out))
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// proc is a running tongban binary.
type proc struct {
	cmd  *exec.Cmd
	url  string
	logs *bytes.Buffer
}

var urlRE = regexp.MustCompile(`running at (http://127\.0\.0\.1:\d+)`)

func startServe(t *testing.T, dataDir string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(binPath, append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir}, args...)...)
	cmd.Env = append(os.Environ(), "TONGBAN_LOG_LEVEL=warn")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logs := &bytes.Buffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := urlRE.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case u := <-found:
		return &proc{cmd: cmd, url: u, logs: logs}
	case <-time.After(60 * time.Second):
		t.Fatalf("server did not start; logs:\n%s", logs)
	}
	return nil
}

// session is a browser-like client: cookies and the CSRF header.
type session struct {
	t    *testing.T
	base string
	hc   *http.Client
}

func newSession(t *testing.T, base string) *session {
	jar, _ := cookiejar.New(nil)
	s := &session{t: t, base: base, hc: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	s.call("GET", "/healthz", nil)
	return s
}

func (s *session) call(method, path string, body any) (int, map[string]any) {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, c := range s.hc.Jar.Cookies(req.URL) {
		if c.Name == "tongban_csrf" {
			req.Header.Set("X-CSRF-Token", c.Value)
		}
	}
	res, err := s.hc.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

func (s *session) login(login string) {
	s.t.Helper()
	if st, body := s.call("POST", "/api/v1/auth/login", map[string]any{"login": login, "password": DemoPassword}); st != 200 {
		s.t.Fatalf("login %s: %d %v", login, st, body)
	}
}

// TestSigtermRestartKeepsData starts the binary with demo data, writes,
// stops it with SIGTERM (graceful: exit 0), starts it again on the same data
// directory and finds everything.
func TestSigtermRestartKeepsData(t *testing.T) {
	dir := t.TempDir()
	p := startServe(t, dir, "--demo")
	admin := newSession(t, p.url)
	admin.login("admin@tongban.example")
	name := "溪口县青禾助学社" + fmt.Sprint(time.Now().UnixNano()%1000)
	if st, body := admin.call("POST", "/api/v1/orgs", map[string]any{"name": name, "type": "ngo", "county_code": "439922"}); st != 201 {
		t.Fatalf("create org: %d %v", st, body)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, p.logs)
	}

	p2 := startServe(t, dir, "--demo")
	s := newSession(t, p2.url)
	s.login("admin@tongban.example")
	st, body := s.call("GET", "/api/v1/stats", nil)
	if st != 200 || body["organisations"].(float64) != float64(len(demoOrgs)+1) {
		t.Errorf("stats after restart: %d %v (want %d organisations: demo not seeded twice)", st, body, len(demoOrgs)+1)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, res := s.call("GET", "/api/v1/orgs?q="+name[:9], nil)
		if items, _ := res["items"].([]any); len(items) > 0 && strings.Contains(fmt.Sprint(items), name) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("organisation %q not found by search after restart: %v", name, res)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestUserCreateAndReindexCommands(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(binPath, "user", "create", "--admin", "--login", "root@example.org", "--name", "根管理员", "--data-dir", dir)
	cmd.Env = append(os.Environ(), "TONGBAN_PASSWORD=a long admin password")
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "Created user") {
		t.Fatalf("user create: %v\n%s", err, out)
	}
	cmd = exec.Command(binPath, "user", "create", "--admin", "--login", "root@example.org", "--name", "again", "--data-dir", dir)
	cmd.Env = append(os.Environ(), "TONGBAN_PASSWORD=a long admin password")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "already exists") {
		t.Errorf("duplicate user create: err=%v\n%s", err, out)
	}
	cmd = exec.Command(binPath, "seed", "--demo", "--data-dir", dir)
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "nothing seeded") {
		t.Errorf("seed into non-empty database: %v\n%s", err, out)
	}
	out, err := exec.Command(binPath, "reindex", "--data-dir", dir).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "orgs: 0 documents indexed") {
		t.Errorf("reindex: %v\n%s", err, out)
	}
	p := startServe(t, dir)
	s := newSession(t, p.url)
	if st, body := s.call("POST", "/api/v1/auth/login", map[string]any{"login": "root@example.org", "password": "a long admin password"}); st != 200 {
		t.Fatalf("login: %d %v", st, body)
	}
	if st, _ := s.call("GET", "/api/v1/admin/users", nil); st != 200 {
		t.Errorf("admin users: %d", st)
	}
}

func TestBadSettingsAreRefused(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  string
		want string
	}{
		{"bad env bool", []string{"serve"}, "TONGBAN_DEMO=maybe", "TONGBAN_DEMO"},
		{"tls half", []string{"serve", "--tls-cert", "x.pem"}, "", "TONGBAN_TLS_KEY"},
		{"s3 without keys", []string{"serve", "--s3-endpoint", "127.0.0.1:9"}, "", "TONGBAN_S3_ACCESS_KEY"},
		{"unknown command", []string{"frobnicate"}, "", "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if tt.env != "" {
				k, v, _ := strings.Cut(tt.env, "=")
				t.Setenv(k, v)
			}
			err := run(context.Background(), tt.args, &out, &out)
			if err == nil || !strings.Contains(err.Error()+out.String(), tt.want) {
				t.Errorf("err = %v, output %q; want mention of %s", err, out.String(), tt.want)
			}
		})
	}
}

func TestMatchRunDryRun(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command(binPath, "seed", "--demo", "--data-dir", dir).CombinedOutput(); err != nil {
		t.Fatalf("seed: %v\n%s", err, out)
	}
	out, err := exec.Command(binPath, "match", "run", "--org", "共青团隆安县委员会", "--dry-run", "--data-dir", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("match run: %v\n%s", err, out)
	}
	text := string(out)
	for _, want := range []string{"共青团隆安县委员会:", "dry run, nothing recorded", "schedule", "urgency"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if !regexp.MustCompile(`\d+ pairs, total score \d+\.\d+`).MatchString(text) || strings.Contains(text, " 0 pairs") {
		t.Errorf("no pairs proposed:\n%s", text)
	}
	if out, err := exec.Command(binPath, "match", "run", "--org", "不存在的组织", "--data-dir", dir).CombinedOutput(); err == nil {
		t.Errorf("unknown org accepted:\n%s", out)
	}
}

// TestLedgerSealCommand seals the demo ledgers into small segments: verify
// still counts every entry and passes, and the server answers the public
// ledger of every campaign exactly as before.
func TestLedgerSealCommand(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command(binPath, "seed", "--demo", "--data-dir", dir).CombinedOutput(); err != nil {
		t.Fatalf("seed: %v\n%s", err, out)
	}
	verify := func() donations.VerifyReport {
		t.Helper()
		out, err := exec.Command(binPath, "ledger", "verify", "--json", "--data-dir", dir).Output()
		if err != nil {
			t.Fatalf("ledger verify: %v\n%s", err, out)
		}
		var r donations.VerifyReport
		if err := json.Unmarshal(out, &r); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		return r
	}
	ledgers := func() map[string]string {
		t.Helper()
		p := startServe(t, dir)
		defer func() { _ = p.cmd.Process.Signal(syscall.SIGTERM); _ = p.cmd.Wait() }()
		s := newSession(t, p.url)
		st, body := s.call("GET", "/api/v1/campaigns?limit=100", nil)
		if st != 200 {
			t.Fatalf("campaigns: %d %v", st, body)
		}
		out := map[string]string{}
		for _, c := range body["items"].([]any) {
			id := c.(map[string]any)["campaign"].(map[string]any)["id"].(string)
			for _, page := range []string{"?limit=100", "?after=2&limit=3"} {
				st, l := s.call("GET", "/api/v1/campaigns/"+id+"/ledger"+page, nil)
				if st != 200 {
					t.Fatalf("ledger of %s: %d %v", id, st, l)
				}
				b, _ := json.Marshal(l)
				out[id+page] = string(b)
			}
		}
		return out
	}
	before, pages := verify(), ledgers()
	if before.Entries < 10 || !before.OK() {
		t.Fatalf("demo ledgers: %+v", before)
	}
	out, err := exec.Command(binPath, "ledger", "seal", "--json", "--segment-size", "3", "--data-dir", dir).Output()
	if err != nil {
		t.Fatalf("ledger seal: %v\n%s", err, out)
	}
	var r struct{ Segments, Entries int }
	if err := json.Unmarshal(out, &r); err != nil || r.Segments < 3 || r.Entries != 3*r.Segments {
		t.Fatalf("seal report %s (%v)", out, err)
	}
	after := verify()
	if !after.OK() || after.Entries != before.Entries || after.Ledgers != before.Ledgers {
		t.Errorf("verify after sealing: %+v, before %+v", after, before)
	}
	if diff := cmp.Diff(pages, ledgers()); diff != "" {
		t.Errorf("public ledgers changed by sealing (-before +after):\n%s", diff)
	}
	if out, err := exec.Command(binPath, "ledger", "seal", "--segment-size", "0", "--data-dir", dir).CombinedOutput(); err == nil {
		t.Errorf("segment size 0 accepted:\n%s", out)
	}
}

func TestLedgerVerifyCommand(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command(binPath, "seed", "--demo", "--data-dir", dir).CombinedOutput(); err != nil {
		t.Fatalf("seed: %v\n%s", err, out)
	}
	out, err := exec.Command(binPath, "ledger", "verify", "--data-dir", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("ledger verify on a good (empty) ledger: %v\n%s", err, out)
	}
	if out, err := exec.Command(binPath, "ledger", "frobnicate", "--data-dir", dir).CombinedOutput(); err == nil {
		t.Errorf("unknown ledger subcommand accepted:\n%s", out)
	}
}
