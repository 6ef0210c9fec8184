package donations

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/jpeg"
	_ "image/png" // receipts and redacted copies may be PNG
	"io"
	"slices"
	"strings"
	"time"

	"golang.org/x/image/draw"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/internal/auth"
)

// The public sees an expense's receipts only as small thumbnails that a
// finance user of the organisation looked at and approved for publication.
// A thumbnail is made from the receipt itself (JPEG or PNG) or, when the
// receipt shows personal data (a child's name on a tuition invoice) or is
// a PDF, from a redacted copy the finance user uploads. Either way it is
// re-encoded at most ThumbnailSize pixels on its longer side, which also
// drops every metadata block of the source.

// UploadPrefix is where a user's uploads (receipts, slips, photos) are
// stored in object storage.
func UploadPrefix(userID string) string { return "uploads/" + userID + "/" }

// ThumbnailSize is the longer side of a public receipt thumbnail in pixels.
const ThumbnailSize = 240

// Thumbnail sources.
const (
	ThumbFromOriginal = "original"
	ThumbFromRedacted = "redacted"
)

// ReceiptThumbnail is a receipt approved for publication.
type ReceiptThumbnail struct {
	// SHA256 is the original receipt's digest, as in the ledger entry.
	SHA256      string    `bson:"_id" json:"sha256"`
	ExpenseID   string    `bson:"expense_id" json:"expense_id"`
	Ledger      string    `bson:"ledger" json:"ledger"`
	BlobKey     string    `bson:"blob_key" json:"-"`
	ThumbSHA256 string    `bson:"thumb_sha256" json:"thumb_sha256"`
	Source      string    `bson:"source" json:"source"`
	Width       int       `bson:"width" json:"width"`
	Height      int       `bson:"height" json:"height"`
	ApprovedBy  string    `bson:"approved_by" json:"-"`
	ApprovedAt  time.Time `bson:"approved_at" json:"approved_at"`
}

// ThumbnailStore keeps the approved thumbnails, one per receipt.
type ThumbnailStore interface {
	// PutThumbnail stores t, replacing an earlier one of the same receipt.
	PutThumbnail(ctx context.Context, t *ReceiptThumbnail) error
	FindThumbnail(ctx context.Context, sha string) (*ReceiptThumbnail, error)
	FindThumbnails(ctx context.Context, ledger string) ([]*ReceiptThumbnail, error)
	DeleteThumbnail(ctx context.Context, sha string) error
}

// Blobs is the object storage the thumbnails need.
type Blobs interface {
	Get(ctx context.Context, key string) (io.ReadCloser, string, error)
	Put(ctx context.Context, key string, data []byte, contentType string) error
	Delete(ctx context.Context, key string) error
}

// Thumbnails publishes and serves public receipt thumbnails.
type Thumbnails struct {
	Money *Service
	Store ThumbnailStore
	Blobs Blobs
	// MaxSource bounds the bytes read of a source image.
	MaxSource int64
}

// PublishInput approves one receipt of an approved expense for the public,
// from the receipt itself or from Redacted, an uploaded redacted copy.
type PublishInput struct {
	ExpenseID string
	SHA256    string
	Redacted  *Receipt
}

// Publish makes and stores the public thumbnail of a receipt. The caller
// must be finance staff of the expense's organisation; the expense must be
// approved (only spent money is public); a PDF needs a redacted image.
func (t *Thumbnails) Publish(ctx context.Context, in PublishInput) (*ReceiptThumbnail, error) {
	me := auth.UserFromContext(ctx)
	if me == nil {
		return nil, tongban.Errorf(tongban.EUNAUTHORIZED, "Please log in.")
	}
	x, err := t.Money.findExpense(ctx, me, in.ExpenseID)
	if err != nil {
		return nil, err
	}
	if x.Status != ExpenseApproved {
		return nil, tongban.Errorf(tongban.ECONFLICT, "Only receipts of approved expenses can be published.")
	}
	i := slices.IndexFunc(x.Receipts, func(r Receipt) bool { return r.SHA256 == in.SHA256 })
	if i < 0 {
		return nil, tongban.Errorf(tongban.ENOTFOUND, "The expense has no receipt %s.", in.SHA256)
	}
	src, source := x.Receipts[i], ThumbFromOriginal
	if in.Redacted != nil {
		var v tongban.Validation
		v.Check(ValidSHA256(in.Redacted.SHA256), "redacted.sha256", "must be the lowercase hex SHA-256 of the file")
		v.Check(in.Redacted.ContentType == "image/jpeg" || in.Redacted.ContentType == "image/png", "redacted.content_type", "must be image/jpeg or image/png")
		// Only the caller's own uploads: no publishing someone else's file.
		v.Check(strings.HasPrefix(in.Redacted.BlobKey, UploadPrefix(me.UserID)), "redacted.blob_key", "must be a file you uploaded")
		if err := v.Err(); err != nil {
			return nil, err
		}
		src, source = *in.Redacted, ThumbFromRedacted
	} else if src.ContentType == "application/pdf" {
		return nil, tongban.Invalid("redacted", "is required for a PDF receipt: upload a redacted JPEG or PNG of it")
	}
	img, err := t.load(ctx, src)
	if err != nil {
		return nil, err
	}
	thumb := scaleDown(img, ThumbnailSize)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, thumb, &jpeg.Options{Quality: 75}); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(buf.Bytes())
	rec := &ReceiptThumbnail{SHA256: in.SHA256, ExpenseID: x.ID, Ledger: x.Ledger, BlobKey: "public/receipts/" + in.SHA256 + ".jpg",
		ThumbSHA256: hex.EncodeToString(sum[:]), Source: source, Width: thumb.Bounds().Dx(), Height: thumb.Bounds().Dy(),
		ApprovedBy: me.UserID, ApprovedAt: t.Money.now()}
	if err := t.Blobs.Put(ctx, rec.BlobKey, buf.Bytes(), "image/jpeg"); err != nil {
		return nil, err
	}
	if err := t.Store.PutThumbnail(ctx, rec); err != nil {
		return nil, err
	}
	return rec, nil
}

// load reads and decodes a source image, checking its digest.
func (t *Thumbnails) load(ctx context.Context, r Receipt) (image.Image, error) {
	rc, _, err := t.Blobs.Get(ctx, r.BlobKey)
	if tongban.ErrorCode(err) == tongban.ENOTFOUND {
		return nil, tongban.Invalid("redacted.blob_key", "is not an uploaded file")
	} else if err != nil {
		return nil, err
	}
	defer rc.Close()
	limit := t.MaxSource
	if limit <= 0 {
		limit = 10 << 20
	}
	data, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, tongban.Errorf(tongban.ETOOLARGE, "The image is larger than %d MiB.", limit>>20)
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != r.SHA256 {
		return nil, tongban.Invalid("sha256", "does not match the stored file")
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, tongban.Errorf(tongban.EUNPROCESSABLE, "The image could not be read: %v", err)
	}
	return img, nil
}

// scaleDown returns img scaled to at most size pixels on its longer side.
func scaleDown(img image.Image, size int) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= size && h <= size {
		size = max(w, h)
	}
	if w >= h {
		w, h = size, max(1, h*size/max(1, w))
	} else {
		w, h = max(1, w*size/max(1, h)), size
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	return dst
}

// Unpublish takes a receipt's thumbnail off the public pages.
func (t *Thumbnails) Unpublish(ctx context.Context, expenseID, sha string) error {
	me := auth.UserFromContext(ctx)
	if me == nil {
		return tongban.Errorf(tongban.EUNAUTHORIZED, "Please log in.")
	}
	x, err := t.Money.findExpense(ctx, me, expenseID)
	if err != nil {
		return err
	}
	th, err := t.Store.FindThumbnail(ctx, sha)
	if err != nil || th.ExpenseID != x.ID {
		return tongban.Errorf(tongban.ENOTFOUND, "The receipt is not published.")
	}
	if err := t.Store.DeleteThumbnail(ctx, sha); err != nil {
		return err
	}
	return t.Blobs.Delete(ctx, th.BlobKey)
}

// Public returns a published thumbnail's JPEG to anyone who may read its
// ledger (the public, for an active or closed campaign and the general
// fund).
func (t *Thumbnails) Public(ctx context.Context, sha string) (*ReceiptThumbnail, []byte, error) {
	notFound := tongban.Errorf(tongban.ENOTFOUND, "Receipt thumbnail not found.")
	if !ValidSHA256(sha) {
		return nil, nil, notFound
	}
	th, err := t.Store.FindThumbnail(ctx, sha)
	if err != nil {
		return nil, nil, notFound
	}
	if _, _, err := t.Money.readable(ctx, th.Ledger); err != nil {
		return nil, nil, notFound
	}
	rc, _, err := t.Blobs.Get(ctx, th.BlobKey)
	if err != nil {
		return nil, nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, 1<<20))
	return th, b, err
}

// Published lists a ledger's published thumbnails by receipt digest, for
// whoever may read the ledger.
func (t *Thumbnails) Published(ctx context.Context, ledger string) (map[string]*ReceiptThumbnail, error) {
	if _, _, err := t.Money.readable(ctx, ledger); err != nil {
		return nil, err
	}
	list, err := t.Store.FindThumbnails(ctx, ledger)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*ReceiptThumbnail, len(list))
	for _, th := range list {
		out[th.SHA256] = th
	}
	return out, nil
}
