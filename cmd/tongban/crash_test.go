package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

// upload posts a file to /api/v1/uploads and returns the stored receipt.
func (s *session) upload(name string, data []byte) (int, map[string]any) {
	s.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", s.base+"/api/v1/uploads", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	s.csrf(req)
	res, err := s.hc.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

func (s *session) csrf(req *http.Request) {
	for _, c := range s.hc.Jar.Cookies(req.URL) {
		if c.Name == "tongban_csrf" {
			req.Header.Set("X-CSRF-Token", c.Value)
		}
	}
}

// post is call with an Idempotency-Key that reports transport errors
// instead of failing the test (the server may be gone).
func (s *session) post(path, key string, body any) (int, map[string]any, error) {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", s.base+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	s.csrf(req)
	res, err := s.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, nil, err
	}
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return res.StatusCode, out, nil
}

// slipPNG is a small distinct PNG per i (a bank slip must be unique: its
// hash is the gift's external reference).
func slipPNG(i int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(i%8, (i/8)%8, color.RGBA{uint8(i), uint8(i >> 8), 200, 255})
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}

// TestDonationsSurviveSIGKILL: 16 clients record gifts while the server is
// killed with SIGKILL. After a restart every gift that was answered 2xx is
// in the ledger exactly once (a retry with its Idempotency-Key returns the
// same entry, 200), every gift is in the ledger at most once, and
// `tongban ledger verify` passes.
func TestDonationsSurviveSIGKILL(t *testing.T) {
	const clients, gifts = 16, 480
	const base = 1_000_000 // fen: amounts base+i mark this test's gifts
	dir := t.TempDir()
	p := startServe(t, dir, "--demo")
	fin := newSession(t, p.url)
	fin.login("finance@tongban.example")
	slips := make([]map[string]any, gifts)
	for i := range slips {
		st, up := fin.upload(fmt.Sprintf("slip-%d.png", i), slipPNG(i))
		if st != 201 {
			t.Fatalf("upload %d: %d %v", i, st, up)
		}
		slips[i] = map[string]any{"sha256": up["sha256"], "blob_key": up["blob_key"], "content_type": up["content_type"], "kind": "bank_slip"}
	}
	gift := func(i int) map[string]any {
		return map[string]any{"ledger": "general", "amount_fen": base + i, "channel": "bank_transfer", "slip": slips[i], "note": "压力测试"}
	}

	var (
		mu   sync.Mutex
		next int
		ok   = map[int]string{} // gift → entry ID answered 2xx
		wg   sync.WaitGroup
	)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= gifts {
					return
				}
				st, e, err := fin.post("/api/v1/donations/offline", fmt.Sprintf("crash-%d", i), gift(i))
				if err != nil {
					return // the server is gone
				}
				if st/100 == 2 {
					mu.Lock()
					ok[i] = e["id"].(string)
					mu.Unlock()
				} else {
					t.Errorf("gift %d: %d %v", i, st, e)
					return
				}
			}
		}()
	}
	// Kill once a good part of the gifts is in, while the rest are in flight.
	deadline := time.Now().Add(60 * time.Second)
	for {
		mu.Lock()
		n := len(ok)
		mu.Unlock()
		if n >= gifts/4 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	_ = p.cmd.Wait()
	if len(ok) == 0 || len(ok) == gifts {
		t.Fatalf("%d of %d gifts answered before the kill: the kill did not land mid-run", len(ok), gifts)
	}
	t.Logf("%d of %d gifts answered 2xx before SIGKILL", len(ok), gifts)

	p2 := startServe(t, dir, "--demo")
	fin2 := newSession(t, p2.url)
	fin2.login("finance@tongban.example")
	// Every answered gift is there once: a retry returns it, not a new one.
	for i, id := range ok {
		st, e, err := fin2.post("/api/v1/donations/offline", fmt.Sprintf("crash-%d", i), gift(i))
		if err != nil || st != 200 || e["id"] != id {
			t.Errorf("retry of answered gift %d: %d %v %v, want 200 and entry %s", i, st, e, err, id)
		}
	}
	// The ledger holds each of this test's gifts at most once.
	seen := map[int]int{}
	after := 0
	for {
		st, page := fin2.call("GET", fmt.Sprintf("/api/v1/campaigns/general/ledger?after=%d&limit=100", after), nil)
		if st != 200 {
			t.Fatalf("ledger: %d %v", st, page)
		}
		items, _ := page["items"].([]any)
		if len(items) == 0 {
			break
		}
		for _, it := range items {
			e := it.(map[string]any)
			after = int(e["seq"].(float64))
			if e["kind"] != "donation" {
				continue
			}
			for _, ps := range e["postings"].([]any) {
				if d := int(ps.(map[string]any)["debit_fen"].(float64)) - base; d >= 0 && d < gifts {
					seen[d]++
				}
			}
		}
	}
	for i, n := range seen {
		if n != 1 {
			t.Errorf("gift %d is in the ledger %d times", i, n)
		}
	}
	for i := range ok {
		if seen[i] != 1 {
			t.Errorf("answered gift %d is in the ledger %d times, want 1", i, seen[i])
		}
	}
	if err := p2.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	_ = p2.cmd.Wait()
	if out, err := exec.Command(binPath, "ledger", "verify", "--data-dir", dir).CombinedOutput(); err != nil {
		t.Fatalf("ledger verify after the crash: %v\n%s", err, out)
	}
}
