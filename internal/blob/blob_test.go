package blob_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/internal/blob"
	"github.com/tongban/tongban/internal/blob/blobtest"
)

// embedded is the package's shared embedded S3 server, started by TestMain.
var embedded *blob.Embedded

// embeddedDir is the directory the shared embedded server stores data in.
var embeddedDir string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "blob-test-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	embeddedDir = dir
	embedded, err = blob.StartEmbedded(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer embedded.Close(context.Background())
	return m.Run()
}

// MustOpenStore opens a Store on the shared embedded server for bucket.
func MustOpenStore(tb testing.TB, bucket string) *blob.Store {
	tb.Helper()
	return MustOpen(tb, embedded.Config(bucket))
}

// MustOpen opens a Store for cfg and fails tb on error.
func MustOpen(tb testing.TB, cfg blob.Config) *blob.Store {
	tb.Helper()
	s, err := blob.Open(context.Background(), cfg)
	if err != nil {
		tb.Fatalf("Open(%s, bucket %q): %v", cfg.Endpoint, cfg.Bucket, err)
	}
	return s
}

// MustStartEmbedded starts an embedded server on dir and fails tb on error.
func MustStartEmbedded(tb testing.TB, dir string) *blob.Embedded {
	tb.Helper()
	e, err := blob.StartEmbedded(dir)
	if err != nil {
		tb.Fatalf("StartEmbedded(%q): %v", dir, err)
	}
	return e
}

func TestContract(t *testing.T) {
	t.Run("embedded", func(t *testing.T) {
		blobtest.RunContract(t, MustOpenStore(t, "contract"))
	})
	t.Run("minio", func(t *testing.T) {
		bin := os.Getenv("TONGBAN_TEST_MINIO_BIN")
		if bin == "" {
			t.Skip("set TONGBAN_TEST_MINIO_BIN to a minio server binary (scripts/minio.sh builds one) to run the contract against real MinIO")
		}
		blobtest.RunContract(t, MustOpen(t, blobtest.StartMinIO(t, bin, "tongban-contract")))
	})
	t.Run("external", func(t *testing.T) {
		cfg, ok := blobtest.ExternalConfig()
		if !ok {
			t.Skip("set TONGBAN_S3_ENDPOINT, TONGBAN_S3_ACCESS_KEY, TONGBAN_S3_SECRET_KEY (and optionally TONGBAN_S3_BUCKET, TONGBAN_S3_REGION, TONGBAN_S3_TLS) to run the contract against an external S3")
		}
		blobtest.RunContract(t, MustOpen(t, cfg))
	})
}

func TestOpen_InvalidConfig(t *testing.T) {
	valid := embedded.Config("valid-bucket")
	tests := []struct {
		name   string
		modify func(*blob.Config)
		fields []string
	}{
		{"no endpoint", func(c *blob.Config) { c.Endpoint = "" }, []string{"endpoint"}},
		{"endpoint with scheme", func(c *blob.Config) { c.Endpoint = "http://" + c.Endpoint }, []string{"endpoint"}},
		{"endpoint with path", func(c *blob.Config) { c.Endpoint += "/path" }, []string{"endpoint"}},
		{"no bucket", func(c *blob.Config) { c.Bucket = "" }, []string{"bucket"}},
		{"upper-case bucket", func(c *blob.Config) { c.Bucket = "Receipts" }, []string{"bucket"}},
		{"short bucket", func(c *blob.Config) { c.Bucket = "ab" }, []string{"bucket"}},
		{"underscore bucket", func(c *blob.Config) { c.Bucket = "my_bucket" }, []string{"bucket"}},
		{"nothing", func(c *blob.Config) { *c = blob.Config{} }, []string{"endpoint", "bucket"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid
			tt.modify(&cfg)
			_, err := blob.Open(context.Background(), cfg)
			if got, want := tongban.ErrorCode(err), tongban.EINVALID; got != want {
				t.Fatalf("error code: got %q, want %q (err %v)", got, want, err)
			}
			var appErr *tongban.Error
			if !errors.As(err, &appErr) {
				t.Fatalf("error %v is not a *tongban.Error", err)
			}
			var got []string
			for _, f := range appErr.Fields {
				got = append(got, f.Field)
			}
			if diff := cmp.Diff(tt.fields, got); diff != "" {
				t.Errorf("invalid fields (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOpen_CreatesBucketIdempotently(t *testing.T) {
	ctx := context.Background()
	cfg := embedded.Config("idempotent")
	first := MustOpen(t, cfg)
	blobtest.MustPut(t, first, "kept", []byte("still here"), "text/plain")

	second := MustOpen(t, cfg) // bucket exists now
	if err := second.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	got, _ := blobtest.MustGet(t, second, "kept")
	if diff := cmp.Diff("still here", string(got)); diff != "" {
		t.Errorf("object after reopening (-want +got):\n%s", diff)
	}

	other := MustOpenStore(t, "another-bucket")
	if _, err := other.Stat(ctx, "kept"); tongban.ErrorCode(err) != tongban.ENOTFOUND {
		t.Errorf("Stat in another bucket: got %v, want ENOTFOUND", err)
	}
}

func TestEmbedded_PersistsAcrossRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	data := []byte("receipt #1: ¥128.00")

	first := MustStartEmbedded(t, dir)
	put := blobtest.MustPut(t, MustOpen(t, first.Config("persist")), "receipts/1.txt", data, "text/plain; charset=utf-8")
	if err := first.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}

	second := MustStartEmbedded(t, dir)
	t.Cleanup(func() {
		if err := second.Close(context.Background()); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	s := MustOpen(t, second.Config("persist"))
	got, info := blobtest.MustGet(t, s, "receipts/1.txt")
	if diff := cmp.Diff(string(data), string(got)); diff != "" {
		t.Errorf("content after restart (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(put, info); diff != "" {
		t.Errorf("info after restart (-before +after):\n%s", diff)
	}
}

func TestEmbedded_LoopbackOnly(t *testing.T) {
	host, port, err := net.SplitHostPort(embedded.Endpoint())
	if err != nil {
		t.Fatalf("Endpoint %q: %v", embedded.Endpoint(), err)
	}
	if got, want := host, "127.0.0.1"; got != want {
		t.Errorf("host: got %q, want %q", got, want)
	}
	if port == "0" || port == "" {
		t.Errorf("port: got %q, want an assigned port", port)
	}
	want := blob.Config{
		Endpoint:  embedded.Endpoint(),
		AccessKey: blob.EmbeddedAccessKey,
		SecretKey: blob.EmbeddedSecretKey,
		Bucket:    "b-1",
		Region:    blob.EmbeddedRegion,
	}
	if diff := cmp.Diff(want, embedded.Config("b-1")); diff != "" {
		t.Errorf("Config (-want +got):\n%s", diff)
	}
}

func TestEmbedded_CloseTwice(t *testing.T) {
	ctx := context.Background()
	e := MustStartEmbedded(t, t.TempDir())
	for i := range 2 {
		if err := e.Close(ctx); err != nil {
			t.Errorf("Close #%d: %v", i+1, err)
		}
	}
}

func TestGet_DetectsCorruption(t *testing.T) {
	ctx := context.Background()
	const bucket = "corruption"
	s := MustOpenStore(t, bucket)
	data := []byte("original receipt bytes")
	blobtest.MustPut(t, s, "receipts/x.txt", data, "text/plain")

	tests := []struct {
		name    string
		content []byte
	}{
		{"same length", []byte("tampered receipt bytes")},
		{"shorter", []byte("short")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The embedded backend keeps object content in buckets/<bucket>/<key>.
			path := filepath.Join(embeddedDir, "buckets", bucket, "receipts", "x.txt")
			if err := os.WriteFile(path, tt.content, 0o600); err != nil {
				t.Fatalf("corrupt stored object: %v", err)
			}
			rc, _, err := s.Get(ctx, "receipts/x.txt")
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			defer rc.Close()
			got, err := io.ReadAll(rc)
			if err == nil {
				t.Fatalf("reading tampered object %q: got no error", got)
			}
			if bytes.Equal(got, data) {
				t.Errorf("read returned the original bytes from a tampered file")
			}
		})
	}
}
