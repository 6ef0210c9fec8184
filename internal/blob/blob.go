// Package blob stores receipts and uploads in an S3-compatible object store
// (MinIO, Amazon S3, or the embedded gofakes3 server of this package) through
// the minio-go client.
//
// Every object written by Put carries the hex SHA-256 of its content as user
// metadata; Get verifies it while the caller reads.
package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime"
	"os"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"

	"github.com/tongban/tongban"
)

// MaxKeyLen is the longest object key accepted, in bytes.
const MaxKeyLen = 512

// MaxPresignExpiry is the longest lifetime of a presigned URL.
const MaxPresignExpiry = time.Hour

// DefaultContentType is stored when Put is given an empty content type.
const DefaultContentType = "application/octet-stream"

// sha256MetaKey is the user metadata key (sent as X-Amz-Meta-Sha256) holding
// the hex SHA-256 of an object's content.
const sha256MetaKey = "Sha256"

// spoolMemLimit is how much of an upload Put buffers in memory before it
// spills the rest to a temporary file.
const spoolMemLimit = 1 << 20

// Config locates an S3-compatible server and the bucket to use.
type Config struct {
	Endpoint  string // host:port, without scheme
	AccessKey string
	SecretKey string
	Bucket    string
	Region    string // optional; set it to avoid a bucket-location lookup
	UseTLS    bool
}

// Info describes a stored object.
type Info struct {
	Key         string
	Size        int64
	ContentType string
	SHA256      string // hex; empty for objects not written by Put
	ModTime     time.Time
}

// Store reads and writes objects in one bucket. It is safe for concurrent use.
type Store struct {
	client *minio.Client
	bucket string
}

// Open connects to the server described by cfg and creates the bucket when
// it does not exist yet. It returns EINVALID for an unusable Config.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	var v tongban.Validation
	v.Check(cfg.Endpoint != "", "endpoint", "is required")
	v.Check(!strings.Contains(cfg.Endpoint, "://"), "endpoint", "must be host:port without a scheme")
	v.Check(s3utils.CheckValidBucketNameStrict(cfg.Bucket) == nil, "bucket", "is not a valid S3 bucket name")
	if err := v.Err(); err != nil {
		return nil, err
	}

	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.UseTLS,
		Region: cfg.Region,
	})
	if err != nil {
		return nil, tongban.Invalid("endpoint", "is not usable: "+err.Error())
	}
	s := &Store{client: client, bucket: cfg.Bucket}
	if err := s.ensureBucket(ctx, cfg.Region); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Store) ensureBucket(ctx context.Context, region string) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("blob: check bucket %q: %w", s.bucket, err)
	} else if ok {
		return nil
	}
	err = s.client.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{Region: region})
	if err == nil {
		return nil
	}
	// Another process may have created it in the meantime.
	if ok, err2 := s.client.BucketExists(ctx, s.bucket); err2 == nil && ok {
		return nil
	}
	return fmt.Errorf("blob: create bucket %q: %w", s.bucket, err)
}

// Bucket returns the name of the bucket the store uses.
func (s *Store) Bucket() string { return s.bucket }

// Ping reports whether the server answers and the bucket exists; use it for
// readiness checks.
func (s *Store) Ping(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("blob: ping: %w", err)
	} else if !ok {
		return fmt.Errorf("blob: ping: bucket %q does not exist", s.bucket)
	}
	return nil
}

// Put stores the content of r under key, replacing any object with that key.
// size is the exact content length, or -1 when unknown; a reader that
// delivers a different number of bytes is refused with EINVALID and nothing
// is stored. An empty contentType stores DefaultContentType.
//
// The content is hashed with SHA-256 while it is read and spooled (in memory
// up to 1 MiB, in a temporary file beyond), then uploaded with its length and
// hash known, so the hash can travel as user metadata. Put returns EINVALID
// for an invalid key, size or content type.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) (Info, error) {
	if err := ValidateKey(key); err != nil {
		return Info{}, err
	}
	if size < -1 {
		return Info{}, tongban.Invalid("size", "must be the content length or -1")
	}
	if contentType == "" {
		contentType = DefaultContentType
	} else if _, _, err := mime.ParseMediaType(contentType); err != nil {
		return Info{}, tongban.Invalid("content_type", "is not a valid media type")
	}

	src := r
	if size >= 0 {
		src = io.LimitReader(r, size+1) // one extra byte reveals a longer stream
	}
	sp, err := spool(src)
	if err != nil {
		return Info{}, fmt.Errorf("blob: put %q: read content: %w", key, err)
	}
	defer sp.close()
	if size >= 0 && sp.size != size {
		return Info{}, tongban.Invalid("size", fmt.Sprintf("does not match the content length (declared %d)", size))
	}

	_, err = s.client.PutObject(ctx, s.bucket, key, sp.reader, sp.size, minio.PutObjectOptions{
		ContentType:  contentType,
		UserMetadata: map[string]string{sha256MetaKey: sp.sha256},
		// Unsigned payloads: gofakes3 stores chunk-signature framing
		// verbatim in multipart parts (objects over 16 MiB) otherwise.
		// Content-MD5 still lets the server verify what it received.
		DisableContentSha256: true,
		SendContentMd5:       true,
	})
	if err != nil {
		return Info{}, fmt.Errorf("blob: put %q: %w", key, err)
	}
	// Read back the server's modification time; the rest is known here.
	oi, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return Info{}, translate(err, "put "+key)
	}
	return Info{Key: key, Size: sp.size, ContentType: contentType, SHA256: sp.sha256, ModTime: oi.LastModified}, nil
}

// Get opens the object stored under key. The caller must close the reader.
// When the object carries a SHA-256 (every object written by Put does), a
// read that reaches the end returns an error instead of io.EOF if the bytes
// do not match it. Get returns ENOTFOUND when there is no such object and
// EINVALID for an invalid key.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, Info, error) {
	if err := ValidateKey(key); err != nil {
		return nil, Info{}, err
	}
	obj, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, Info{}, translate(err, "get "+key)
	}
	oi, err := obj.Stat()
	if err != nil {
		obj.Close()
		return nil, Info{}, translate(err, "get "+key)
	}
	info := toInfo(key, oi)
	if info.SHA256 == "" {
		return obj, info, nil
	}
	return &verifyingReader{rc: obj, key: key, want: info.SHA256, size: info.Size, h: sha256.New()}, info, nil
}

// Stat returns the description of the object stored under key. It returns
// ENOTFOUND when there is no such object and EINVALID for an invalid key.
func (s *Store) Stat(ctx context.Context, key string) (Info, error) {
	if err := ValidateKey(key); err != nil {
		return Info{}, err
	}
	oi, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return Info{}, translate(err, "stat "+key)
	}
	return toInfo(key, oi), nil
}

// Delete removes the object stored under key. Deleting a key that does not
// exist is not an error, so retries are safe. It returns EINVALID for an
// invalid key.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	if err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}); err != nil {
		return translate(err, "delete "+key)
	}
	return nil
}

// PresignGet returns a URL that lets anyone holding it download the object
// under key with a plain HTTP GET until expiry has passed. The URL is signed
// locally: the object's existence is not checked (a missing object answers
// 404), and the URL points at the configured endpoint. It returns EINVALID
// for an invalid key or an expiry that is not in (0, MaxPresignExpiry].
func (s *Store) PresignGet(ctx context.Context, key string, expiry time.Duration) (string, error) {
	if err := ValidateKey(key); err != nil {
		return "", err
	}
	if expiry <= 0 || expiry > MaxPresignExpiry {
		return "", tongban.Invalid("expiry", "must be more than 0 and at most 1 hour")
	}
	u, err := s.client.PresignedGetObject(ctx, s.bucket, key, expiry, nil)
	if err != nil {
		return "", fmt.Errorf("blob: presign %q: %w", key, err)
	}
	return u.String(), nil
}

// ValidateKey returns EINVALID unless key is a usable object key: non-empty,
// at most MaxKeyLen bytes of valid UTF-8 without control characters or
// backslashes, not starting or ending with "/", without empty path segments
// ("//") and without "..".
func ValidateKey(key string) error {
	reason := ""
	switch {
	case key == "":
		reason = "is required"
	case len(key) > MaxKeyLen:
		reason = fmt.Sprintf("must be at most %d bytes", MaxKeyLen)
	case !utf8.ValidString(key):
		reason = "must be valid UTF-8"
	case strings.ContainsFunc(key, func(r rune) bool { return unicode.IsControl(r) || r == '\\' }):
		reason = "must not contain control characters or backslashes"
	case strings.HasPrefix(key, "/"), strings.HasSuffix(key, "/"):
		reason = `must not start or end with "/"`
	case strings.Contains(key, "//"):
		reason = `must not contain empty path segments ("//")`
	case strings.Contains(key, ".."):
		reason = `must not contain ".."`
	case key == "." || strings.HasPrefix(key, "./") || strings.Contains(key, "/./") || strings.HasSuffix(key, "/."):
		reason = `must not contain "." path segments`
	}
	if reason != "" {
		return tongban.Invalid("key", reason)
	}
	return nil
}

func toInfo(key string, oi minio.ObjectInfo) Info {
	info := Info{Key: key, Size: oi.Size, ContentType: oi.ContentType, ModTime: oi.LastModified}
	for k, v := range oi.UserMetadata {
		if strings.EqualFold(k, sha256MetaKey) || strings.EqualFold(k, "X-Amz-Meta-"+sha256MetaKey) {
			info.SHA256 = strings.ToLower(v)
		}
	}
	return info
}

// translate maps a minio-go error to an application error: a missing object
// becomes ENOTFOUND, anything else is wrapped.
func translate(err error, op string) error {
	var resp minio.ErrorResponse
	if errors.As(err, &resp) && resp.Code == minio.NoSuchKey {
		return tongban.Errorf(tongban.ENOTFOUND, "Object not found.")
	}
	return fmt.Errorf("blob: %s: %w", op, err)
}

// spooled is upload content read ahead of the request, with its length and
// hash.
type spooled struct {
	reader io.Reader
	size   int64
	sha256 string
	file   *os.File
}

// spool reads r to its end, hashing it, into memory or (past spoolMemLimit)
// a temporary file, and returns a reader positioned at its start.
func spool(r io.Reader) (*spooled, error) {
	h := sha256.New()
	tee := io.TeeReader(r, h)
	var buf bytes.Buffer
	n, err := io.CopyN(&buf, tee, spoolMemLimit+1)
	if errors.Is(err, io.EOF) {
		return &spooled{reader: bytes.NewReader(buf.Bytes()), size: n, sha256: hex.EncodeToString(h.Sum(nil))}, nil
	} else if err != nil {
		return nil, err
	}

	f, err := os.CreateTemp("", "tongban-blob-*")
	if err != nil {
		return nil, err
	}
	sp := &spooled{file: f}
	if _, err := f.Write(buf.Bytes()); err != nil {
		sp.close()
		return nil, err
	}
	rest, err := io.Copy(f, tee)
	if err != nil {
		sp.close()
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		sp.close()
		return nil, err
	}
	sp.reader, sp.size, sp.sha256 = f, n+rest, hex.EncodeToString(h.Sum(nil))
	return sp, nil
}

func (sp *spooled) close() {
	if sp.file != nil {
		sp.file.Close()
		os.Remove(sp.file.Name())
	}
}

// verifyingReader hashes what is read and, at the end, turns io.EOF into an
// error when the length or the SHA-256 differs from the stored ones.
type verifyingReader struct {
	rc   io.ReadCloser
	key  string
	want string
	size int64
	h    hash.Hash
	n    int64
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	n, err := v.rc.Read(p)
	v.h.Write(p[:n])
	v.n += int64(n)
	if errors.Is(err, io.EOF) {
		if v.n != v.size {
			return n, fmt.Errorf("blob: get %q: read %d bytes, want %d", v.key, v.n, v.size)
		}
		if got := hex.EncodeToString(v.h.Sum(nil)); got != v.want {
			return n, fmt.Errorf("blob: get %q: content SHA-256 %s does not match stored %s", v.key, got, v.want)
		}
	}
	return n, err
}

func (v *verifyingReader) Close() error { return v.rc.Close() }
