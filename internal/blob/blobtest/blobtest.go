// Package blobtest holds the contract every object-store server used with
// package blob must satisfy, and helpers that start such servers in tests.
package blobtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/internal/blob"
)

// LargeSize is the size of the large object of the contract: over 16 MiB,
// so minio-go uploads it in several parts.
const LargeSize = 17<<20 + 12345

// Concurrency is the number of goroutines of the concurrent contract test.
const Concurrency = 16

// RunContract runs the object-store contract against s. All keys it writes
// start with a fresh random prefix and are deleted afterwards, so it can run
// against a shared bucket.
func RunContract(t *testing.T, s *blob.Store) {
	t.Helper()
	prefix := "contract/" + tongban.NewID() + "/"
	var mu sync.Mutex
	var written []string
	key := func(name string) string {
		mu.Lock()
		defer mu.Unlock()
		k := prefix + name
		written = append(written, k)
		return k
	}
	t.Cleanup(func() {
		ctx := context.Background()
		for _, k := range written {
			if err := s.Delete(ctx, k); err != nil {
				t.Errorf("cleanup: delete %q: %v", k, err)
			}
		}
	})

	t.Run("Ping", func(t *testing.T) {
		if err := s.Ping(context.Background()); err != nil {
			t.Fatalf("Ping: %v", err)
		}
	})
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, s, key) })
	t.Run("SizeMismatch", func(t *testing.T) { testSizeMismatch(t, s, key) })
	t.Run("Overwrite", func(t *testing.T) { testOverwrite(t, s, key) })
	t.Run("Delete", func(t *testing.T) { testDelete(t, s, key) })
	t.Run("Missing", func(t *testing.T) { testMissing(t, s, key) })
	t.Run("InvalidKeys", func(t *testing.T) { testInvalidKeys(t, s) })
	t.Run("InvalidInput", func(t *testing.T) { testInvalidInput(t, s, key) })
	t.Run("PresignGet", func(t *testing.T) { testPresignGet(t, s, key) })
	t.Run("PresignExpiry", func(t *testing.T) { testPresignExpiry(t, s, key) })
	t.Run("Large", func(t *testing.T) { testLarge(t, s, key) })
	t.Run("Concurrent", func(t *testing.T) { testConcurrent(t, s, key) })
}

// ignoreModTime compares Info values apart from the server-chosen time.
var ignoreModTime = cmpopts.IgnoreFields(blob.Info{}, "ModTime")

func hexSHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// MustPut stores data under key with its length and fails tb on error.
func MustPut(tb testing.TB, s *blob.Store, key string, data []byte, contentType string) blob.Info {
	tb.Helper()
	info, err := s.Put(context.Background(), key, bytes.NewReader(data), int64(len(data)), contentType)
	if err != nil {
		tb.Fatalf("Put(%q): %v", key, err)
	}
	return info
}

// MustGet reads the whole object under key and fails tb on error.
func MustGet(tb testing.TB, s *blob.Store, key string) ([]byte, blob.Info) {
	tb.Helper()
	rc, info, err := s.Get(context.Background(), key)
	if err != nil {
		tb.Fatalf("Get(%q): %v", key, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		tb.Fatalf("Get(%q): read: %v", key, err)
	}
	return data, info
}

func testRoundTrip(t *testing.T, s *blob.Store, key func(string) string) {
	ctx := context.Background()
	tests := []struct {
		name        string
		key         string
		data        []byte
		unknownSize bool // Put with size -1
		contentType string
		wantType    string
	}{
		{"text", key("receipts/a.txt"), []byte("hello, 童伴\n"), false, "text/plain; charset=utf-8", "text/plain; charset=utf-8"},
		{"empty", key("empty.bin"), []byte{}, false, "application/octet-stream", "application/octet-stream"},
		{"default type", key("notype"), []byte{0, 1, 2, 255}, false, "", blob.DefaultContentType},
		{"unknown size", key("nosize.json"), []byte(`{"a":1}`), true, "application/json", "application/json"},
		{"unicode key", key("收据/二〇二六年 一月.pdf"), []byte("%PDF-1.7"), false, "application/pdf", "application/pdf"},
		{"punctuated key", key("a b+c=d&e%20f'g(h).jpg"), []byte{0xff, 0xd8, 0xff}, false, "image/jpeg", "image/jpeg"},
		// Over the in-memory spool limit of Put, under multipart size.
		{"spooled to file", key("medium.bin"), randomBytes(3<<20+1, 7), false, "application/octet-stream", "application/octet-stream"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := blob.Info{Key: tt.key, Size: int64(len(tt.data)), ContentType: tt.wantType, SHA256: hexSHA256(tt.data)}

			size := int64(len(tt.data))
			if tt.unknownSize {
				size = -1
			}
			put, err := s.Put(ctx, tt.key, bytes.NewReader(tt.data), size, tt.contentType)
			if err != nil {
				t.Fatalf("Put: %v", err)
			}
			if diff := cmp.Diff(want, put, ignoreModTime); diff != "" {
				t.Errorf("Put info mismatch (-want +got):\n%s", diff)
			}
			if put.ModTime.IsZero() {
				t.Errorf("Put ModTime is zero")
			}

			stat, err := s.Stat(ctx, tt.key)
			if err != nil {
				t.Fatalf("Stat: %v", err)
			}
			if diff := cmp.Diff(put, stat); diff != "" {
				t.Errorf("Stat info mismatch (-put +stat):\n%s", diff)
			}

			got, info := MustGet(t, s, tt.key)
			if diff := cmp.Diff(put, info); diff != "" {
				t.Errorf("Get info mismatch (-put +get):\n%s", diff)
			}
			if !bytes.Equal(got, tt.data) {
				t.Errorf("Get content: got %d bytes (sha256 %s), want %d bytes (sha256 %s)", len(got), hexSHA256(got), len(tt.data), want.SHA256)
			}
		})
	}
}

func testSizeMismatch(t *testing.T, s *blob.Store, key func(string) string) {
	ctx := context.Background()
	tests := []struct {
		name string
		data string
		size int64
	}{
		{"shorter than declared", "hello", 6},
		{"longer than declared", "hello", 4},
		{"empty but declared", "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := key("mismatch/" + strings.ReplaceAll(tt.name, " ", "-"))
			_, err := s.Put(ctx, k, strings.NewReader(tt.data), tt.size, "text/plain")
			if got, want := tongban.ErrorCode(err), tongban.EINVALID; got != want {
				t.Fatalf("Put error code: got %q, want %q (err %v)", got, want, err)
			}
			_, err = s.Stat(ctx, k)
			if got, want := tongban.ErrorCode(err), tongban.ENOTFOUND; got != want {
				t.Errorf("Stat after refused Put: got code %q, want %q (err %v)", got, want, err)
			}
		})
	}
}

func testOverwrite(t *testing.T, s *blob.Store, key func(string) string) {
	ctx := context.Background()
	k := key("overwrite.dat")
	MustPut(t, s, k, []byte("first version, longer"), "text/plain")
	second := []byte(`{"v":2}`)
	put := MustPut(t, s, k, second, "application/json")

	want := blob.Info{Key: k, Size: int64(len(second)), ContentType: "application/json", SHA256: hexSHA256(second)}
	stat, err := s.Stat(ctx, k)
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	if diff := cmp.Diff(want, stat, ignoreModTime); diff != "" {
		t.Errorf("Stat after overwrite (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(put, stat); diff != "" {
		t.Errorf("Stat differs from Put (-put +stat):\n%s", diff)
	}
	got, _ := MustGet(t, s, k)
	if diff := cmp.Diff(string(second), string(got)); diff != "" {
		t.Errorf("Get after overwrite (-want +got):\n%s", diff)
	}
}

func testDelete(t *testing.T, s *blob.Store, key func(string) string) {
	ctx := context.Background()
	k := key("delete/me.txt")
	keep := key("delete/keep.txt")
	MustPut(t, s, k, []byte("bye"), "text/plain")
	MustPut(t, s, keep, []byte("stay"), "text/plain")

	if err := s.Delete(ctx, k); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, _, err := s.Get(ctx, k); tongban.ErrorCode(err) != tongban.ENOTFOUND {
		t.Errorf("Get after Delete: got code %q, want %q (err %v)", tongban.ErrorCode(err), tongban.ENOTFOUND, err)
	}
	if _, err := s.Stat(ctx, k); tongban.ErrorCode(err) != tongban.ENOTFOUND {
		t.Errorf("Stat after Delete: got code %q, want %q (err %v)", tongban.ErrorCode(err), tongban.ENOTFOUND, err)
	}
	if err := s.Delete(ctx, k); err != nil {
		t.Errorf("second Delete: got %v, want nil", err)
	}
	got, _ := MustGet(t, s, keep)
	if diff := cmp.Diff("stay", string(got)); diff != "" {
		t.Errorf("neighbour after Delete (-want +got):\n%s", diff)
	}
}

func testMissing(t *testing.T, s *blob.Store, key func(string) string) {
	ctx := context.Background()
	missing := key("never/written")
	ops := []struct {
		name string
		call func() error
	}{
		{"Stat", func() error { _, err := s.Stat(ctx, missing); return err }},
		{"Get", func() error {
			rc, _, err := s.Get(ctx, missing)
			if err == nil {
				rc.Close()
			}
			return err
		}},
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			err := op.call()
			if got, want := tongban.ErrorCode(err), tongban.ENOTFOUND; got != want {
				t.Errorf("got code %q, want %q (err %v)", got, want, err)
			}
		})
	}
}

func testInvalidKeys(t *testing.T, s *blob.Store) {
	ctx := context.Background()
	keys := []struct {
		name string
		key  string
	}{
		{"empty", ""},
		{"dot dot", "a/../b"},
		{"dot dot prefix", "../etc/passwd"},
		{"dot dot inside name", "a..b"},
		{"leading slash", "/abs"},
		{"trailing slash", "dir/"},
		{"empty segment", "a//b"},
		{"dot segment", "a/./b"},
		{"too long", strings.Repeat("k", blob.MaxKeyLen+1)},
		{"too long multibyte", strings.Repeat("童", blob.MaxKeyLen/3+1)},
		{"control character", "a\nb"},
		{"nul", "a\x00b"},
		{"backslash", `a\b`},
		{"invalid utf-8", "a\xffb"},
	}
	for _, k := range keys {
		t.Run(k.name, func(t *testing.T) {
			ops := map[string]error{}
			_, ops["Put"] = s.Put(ctx, k.key, strings.NewReader("x"), 1, "text/plain")
			_, _, ops["Get"] = s.Get(ctx, k.key)
			_, ops["Stat"] = s.Stat(ctx, k.key)
			ops["Delete"] = s.Delete(ctx, k.key)
			_, ops["PresignGet"] = s.PresignGet(ctx, k.key, time.Minute)
			ops["ValidateKey"] = blob.ValidateKey(k.key)
			got := map[string]string{}
			want := map[string]string{}
			for op, err := range ops {
				got[op] = tongban.ErrorCode(err)
				want[op] = tongban.EINVALID
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("error codes (-want +got):\n%s", diff)
			}
		})
	}

	longest := strings.Repeat("k", blob.MaxKeyLen)
	if err := blob.ValidateKey(longest); err != nil {
		t.Errorf("ValidateKey(%d bytes): %v", blob.MaxKeyLen, err)
	}
}

func testInvalidInput(t *testing.T, s *blob.Store, key func(string) string) {
	ctx := context.Background()
	tests := []struct {
		name        string
		size        int64
		contentType string
	}{
		{"negative size", -2, "text/plain"},
		{"bad content type", 1, "not a media type"},
		{"header injection", 1, "text/plain\r\nX-Evil: 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Put(ctx, key("invalid-input"), strings.NewReader("x"), tt.size, tt.contentType)
			if got, want := tongban.ErrorCode(err), tongban.EINVALID; got != want {
				t.Errorf("got code %q, want %q (err %v)", got, want, err)
			}
		})
	}
}

func testPresignGet(t *testing.T, s *blob.Store, key func(string) string) {
	ctx := context.Background()
	data := randomBytes(64<<10, 3)
	tests := []struct {
		name string
		key  string
	}{
		{"plain", key("presign/receipt.png")},
		{"unicode and spaces", key("presign/收据 1+1.png")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			MustPut(t, s, tt.key, data, "image/png")
			u, err := s.PresignGet(ctx, tt.key, 5*time.Minute)
			if err != nil {
				t.Fatalf("PresignGet: %v", err)
			}
			status, body, header := httpGet(t, u)
			if got, want := status, http.StatusOK; got != want {
				t.Fatalf("GET presigned URL: status %d, want %d; body %q", got, want, truncate(body))
			}
			if !bytes.Equal(body, data) {
				t.Errorf("GET presigned URL: got %d bytes (sha256 %s), want %d bytes (sha256 %s)", len(body), hexSHA256(body), len(data), hexSHA256(data))
			}
			if got, want := header.Get("Content-Type"), "image/png"; got != want {
				t.Errorf("Content-Type: got %q, want %q", got, want)
			}
		})
	}

	t.Run("missing object", func(t *testing.T) {
		u, err := s.PresignGet(ctx, key("presign/missing"), time.Minute)
		if err != nil {
			t.Fatalf("PresignGet: %v", err)
		}
		if got, want, _ := httpGet(t, u); got != http.StatusNotFound {
			t.Errorf("GET presigned URL of missing object: status %d, want %d; body %q", got, http.StatusNotFound, truncate(want))
		}
	})
}

func testPresignExpiry(t *testing.T, s *blob.Store, key func(string) string) {
	ctx := context.Background()
	k := key("presign/expiry")
	tests := []struct {
		expiry time.Duration
		want   string // error code
	}{
		{-time.Minute, tongban.EINVALID},
		{0, tongban.EINVALID},
		{time.Second, ""},
		{blob.MaxPresignExpiry, ""},
		{blob.MaxPresignExpiry + time.Second, tongban.EINVALID},
		{24 * time.Hour, tongban.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.expiry.String(), func(t *testing.T) {
			u, err := s.PresignGet(ctx, k, tt.expiry)
			if got := tongban.ErrorCode(err); got != tt.want {
				t.Fatalf("error code: got %q, want %q (err %v)", got, tt.want, err)
			}
			if err == nil && !strings.Contains(u, fmt.Sprintf("X-Amz-Expires=%d", int(tt.expiry.Seconds()))) {
				t.Errorf("URL %q does not carry X-Amz-Expires=%d", u, int(tt.expiry.Seconds()))
			}
		})
	}
}

func testLarge(t *testing.T, s *blob.Store, key func(string) string) {
	ctx := context.Background()
	data := randomBytes(LargeSize, 17)
	k := key("large.bin")
	want := blob.Info{Key: k, Size: LargeSize, ContentType: "application/octet-stream", SHA256: hexSHA256(data)}

	put, err := s.Put(ctx, k, bytes.NewReader(data), LargeSize, "application/octet-stream")
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	if diff := cmp.Diff(want, put, ignoreModTime); diff != "" {
		t.Errorf("Put info (-want +got):\n%s", diff)
	}

	rc, info, err := s.Get(ctx, k)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, rc)
	if err != nil {
		t.Fatalf("Get: read: %v", err)
	}
	got := blob.Info{Key: info.Key, Size: n, ContentType: info.ContentType, SHA256: hex.EncodeToString(h.Sum(nil))}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("content read back (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(put, info); diff != "" {
		t.Errorf("Get info (-put +get):\n%s", diff)
	}
}

func testConcurrent(t *testing.T, s *blob.Store, key func(string) string) {
	ctx := context.Background()
	keys := make([]string, Concurrency)
	contents := make([][]byte, Concurrency)
	for i := range keys {
		keys[i] = key(fmt.Sprintf("concurrent/%02d", i))
		contents[i] = randomBytes(32<<10+i*997, uint64(100+i))
	}
	errs := make([]error, Concurrency)
	var wg sync.WaitGroup
	for i := range Concurrency {
		wg.Go(func() { errs[i] = putGetCheck(ctx, s, keys[i], contents[i]) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("goroutine %d: %v", i, err)
		}
	}
}

// putGetCheck writes data twice under key (so puts and gets of other
// goroutines interleave with an overwrite), reads it back and compares.
func putGetCheck(ctx context.Context, s *blob.Store, key string, data []byte) error {
	for round := range 2 {
		info, err := s.Put(ctx, key, bytes.NewReader(data), int64(len(data)), "application/octet-stream")
		if err != nil {
			return fmt.Errorf("round %d: put: %w", round, err)
		}
		if got, want := info.SHA256, hexSHA256(data); got != want {
			return fmt.Errorf("round %d: put sha256 %s, want %s", round, got, want)
		}
		rc, _, err := s.Get(ctx, key)
		if err != nil {
			return fmt.Errorf("round %d: get: %w", round, err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return fmt.Errorf("round %d: read: %w", round, err)
		}
		if !bytes.Equal(got, data) {
			return fmt.Errorf("round %d: got %d bytes (sha256 %s), want %d bytes (sha256 %s)", round, len(got), hexSHA256(got), len(data), hexSHA256(data))
		}
	}
	return nil
}

func httpGet(t *testing.T, u string) (int, []byte, http.Header) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", u, err)
	}
	return resp.StatusCode, body, resp.Header
}

func truncate(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}

// randomBytes returns n deterministic pseudo-random bytes for seed.
func randomBytes(n int, seed uint64) []byte {
	var s [32]byte
	s[0] = byte(seed)
	s[1] = byte(seed >> 8)
	b := make([]byte, n)
	rand.NewChaCha8(s).Read(b)
	return b
}

// MinIORootUser and MinIORootPassword are the credentials StartMinIO gives
// the server it starts.
const (
	MinIORootUser     = "tongban-test"
	MinIORootPassword = "tongban-test-secret"
)

// StartMinIO runs the MinIO server binary bin on a fresh temporary directory,
// bound to free ports on 127.0.0.1, waits (up to 30 s) until it reports
// ready and returns a Config for bucket on it. The server is killed when tb
// ends.
func StartMinIO(tb testing.TB, bin, bucket string) blob.Config {
	tb.Helper()
	dir := tb.TempDir()
	addr, consoleAddr := freeAddr(tb), freeAddr(tb)

	var out lockedBuffer
	cmd := exec.Command(bin, "server", dir+"/data",
		"--address", addr,
		"--console-address", consoleAddr,
		"--certs-dir", dir+"/certs",
	)
	cmd.Env = append(os.Environ(),
		"MINIO_ROOT_USER="+MinIORootUser,
		"MINIO_ROOT_PASSWORD="+MinIORootPassword,
		"MINIO_UPDATE=off",
		"HOME="+dir, // keep MinIO's ~/.minio out of the real home
	)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start minio %s: %v", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	tb.Cleanup(func() {
		select {
		case <-exited:
			return
		default:
		}
		if err := cmd.Process.Kill(); err != nil {
			tb.Errorf("kill minio (pid %d): %v", cmd.Process.Pid, err)
		}
		<-exited
	})

	ready := "http://" + addr + "/minio/health/ready"
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-exited:
			exited <- err // let the cleanup see the exit
			tb.Fatalf("minio exited before ready: %v\n%s", err, out.String())
		default:
		}
		resp, err := client.Get(ready)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			tb.Fatalf("minio not ready after 30s (last error %v)\n%s", err, out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}

	return blob.Config{
		Endpoint:  addr,
		AccessKey: MinIORootUser,
		SecretKey: MinIORootPassword,
		Bucket:    bucket,
		Region:    "us-east-1",
	}
}

// ExternalConfig returns the Config of an external S3 server described by
// the environment — TONGBAN_S3_ENDPOINT, TONGBAN_S3_ACCESS_KEY,
// TONGBAN_S3_SECRET_KEY, TONGBAN_S3_BUCKET (default "tongban-contract"),
// TONGBAN_S3_REGION and TONGBAN_S3_TLS ("true" or "1") — and whether
// TONGBAN_S3_ENDPOINT is set.
func ExternalConfig() (blob.Config, bool) {
	endpoint := os.Getenv("TONGBAN_S3_ENDPOINT")
	if endpoint == "" {
		return blob.Config{}, false
	}
	bucket := os.Getenv("TONGBAN_S3_BUCKET")
	if bucket == "" {
		bucket = "tongban-contract"
	}
	tls := os.Getenv("TONGBAN_S3_TLS")
	return blob.Config{
		Endpoint:  endpoint,
		AccessKey: os.Getenv("TONGBAN_S3_ACCESS_KEY"),
		SecretKey: os.Getenv("TONGBAN_S3_SECRET_KEY"),
		Bucket:    bucket,
		Region:    os.Getenv("TONGBAN_S3_REGION"),
		UseTLS:    tls == "true" || tls == "1",
	}, true
}

// freeAddr returns a 127.0.0.1 address whose port was free a moment ago.
func freeAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("find free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// lockedBuffer collects a subprocess's output for failure messages.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
