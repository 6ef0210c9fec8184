package blob

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3afero"
	"github.com/spf13/afero"
)

// Embedded credentials. gofakes3 does not verify request signatures, so
// these only satisfy the client; the server is reachable on loopback only.
const (
	EmbeddedAccessKey = "tongban-local"
	EmbeddedSecretKey = "tongban-local-secret"
	EmbeddedRegion    = "us-east-1"
)

// Embedded is an in-process S3 server (gofakes3 with its file backend)
// keeping its data in a directory. It listens on 127.0.0.1 only, because it
// accepts any credentials.
type Embedded struct {
	srv      *http.Server
	endpoint string
	served   chan error

	closeOnce sync.Once
	serveErr  error
}

// StartEmbedded starts an embedded S3 server storing buckets and objects
// under dir (created if missing); data written by an earlier server on the
// same dir is served again.
func StartEmbedded(dir string) (*Embedded, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("blob: embedded dir: %w", err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("blob: embedded dir: %w", err)
	}
	backend, err := s3afero.MultiBucket(afero.NewBasePathFs(afero.NewOsFs(), abs))
	if err != nil {
		return nil, fmt.Errorf("blob: embedded backend: %w", err)
	}
	faker := gofakes3.New(backend)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("blob: embedded listen: %w", err)
	}
	e := &Embedded{
		srv: &http.Server{
			Handler:           faker.Server(),
			ReadHeaderTimeout: 30 * time.Second,
		},
		endpoint: ln.Addr().String(),
		served:   make(chan error, 1),
	}
	go func() { e.served <- e.srv.Serve(ln) }()
	return e, nil
}

// Endpoint returns the server's host:port.
func (e *Embedded) Endpoint() string { return e.endpoint }

// Config returns a Config that reaches this server and uses bucket.
func (e *Embedded) Config(bucket string) Config {
	return Config{
		Endpoint:  e.endpoint,
		AccessKey: EmbeddedAccessKey,
		SecretKey: EmbeddedSecretKey,
		Bucket:    bucket,
		Region:    EmbeddedRegion,
	}
}

// Close stops accepting requests and waits, until ctx is done, for the ones
// in flight to finish. Calling it again only repeats the graceful wait.
func (e *Embedded) Close(ctx context.Context) error {
	err := e.srv.Shutdown(ctx)
	e.closeOnce.Do(func() {
		if serr := <-e.served; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
			e.serveErr = fmt.Errorf("blob: embedded serve: %w", serr)
		}
	})
	return errors.Join(err, e.serveErr)
}
