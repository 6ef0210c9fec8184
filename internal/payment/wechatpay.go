// Package payment verifies payment-provider notifications. The first
// provider follows the public WeChat Pay API v3 notification protocol:
// an RSA-SHA256 (PKCS #1 v1.5) signature over "timestamp\nnonce\nbody\n" in
// the Wechatpay-* headers, checked against the platform certificate; an
// AES-256-GCM encrypted resource opened with the API v3 key; and a replay
// window on the timestamp. A local sandbox (sandbox.go) emits exactly these
// notifications so the whole online flow runs without any outside service.
package payment

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/tongban/tongban"
)

// Notification is a verified, decrypted payment result.
type Notification struct {
	// EventID is the provider's notification ID.
	EventID string
	// OrderID is our order number (out_trade_no).
	OrderID string
	// ProviderRef is the provider's transaction ID; a donation is recorded
	// at most once per ProviderRef.
	ProviderRef string
	AmountFen   int64
	Currency    string
	PaidAt      time.Time
	Succeeded   bool
}

// WeChatVerifier checks WeChat Pay API v3 notifications.
type WeChatVerifier struct {
	// Platform is the platform certificate whose key signs notifications.
	Platform *x509.Certificate
	// APIv3Key is the 32-byte merchant API v3 key.
	APIv3Key []byte
	// Window is the accepted clock difference (default 5 minutes).
	Window time.Duration
	Now    func() time.Time
}

// Header names of the protocol.
const (
	HeaderTimestamp = "Wechatpay-Timestamp"
	HeaderNonce     = "Wechatpay-Nonce"
	HeaderSignature = "Wechatpay-Signature"
	HeaderSerial    = "Wechatpay-Serial"
)

type envelope struct {
	ID           string `json:"id"`
	CreateTime   string `json:"create_time"`
	ResourceType string `json:"resource_type"`
	EventType    string `json:"event_type"`
	Summary      string `json:"summary"`
	Resource     struct {
		Algorithm      string `json:"algorithm"`
		Ciphertext     string `json:"ciphertext"`
		AssociatedData string `json:"associated_data"`
		Nonce          string `json:"nonce"`
		OriginalType   string `json:"original_type"`
	} `json:"resource"`
}

// Transaction is the decrypted resource of a payment notification.
type Transaction struct {
	AppID         string `json:"appid"`
	MchID         string `json:"mchid"`
	OutTradeNo    string `json:"out_trade_no"`
	TransactionID string `json:"transaction_id"`
	TradeType     string `json:"trade_type"`
	TradeState    string `json:"trade_state"`
	SuccessTime   string `json:"success_time"`
	Amount        struct {
		Total      int64  `json:"total"`
		PayerTotal int64  `json:"payer_total"`
		Currency   string `json:"currency"`
	} `json:"amount"`
}

func unauthorized(msg string) error { return tongban.Errorf(tongban.EUNAUTHORIZED, "%s", msg) }

// Verify checks the signature, the replay window and the certificate
// serial, then decrypts the resource. Any failure is EUNAUTHORIZED (bad
// signature, stale) or EINVALID (malformed), and nothing may be written.
func (v *WeChatVerifier) Verify(h http.Header, body []byte) (*Notification, error) {
	ts, nonce, sig, serial := h.Get(HeaderTimestamp), h.Get(HeaderNonce), h.Get(HeaderSignature), h.Get(HeaderSerial)
	if ts == "" || nonce == "" || sig == "" || serial == "" {
		return nil, unauthorized("Missing Wechatpay signature headers.")
	}
	if serial != v.Platform.SerialNumber.Text(16) {
		return nil, unauthorized("Unknown platform certificate serial.")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return nil, unauthorized("Malformed Wechatpay-Timestamp.")
	}
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	window := v.Window
	if window == 0 {
		window = 5 * time.Minute
	}
	if d := now.Sub(time.Unix(sec, 0)); d > window || d < -window {
		return nil, unauthorized("Notification outside the replay window.")
	}
	rawSig, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		return nil, unauthorized("Malformed Wechatpay-Signature.")
	}
	pub, ok := v.Platform.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("platform certificate has no RSA key")
	}
	digest := sha256.Sum256([]byte(ts + "\n" + nonce + "\n" + string(body) + "\n"))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], rawSig); err != nil {
		return nil, unauthorized("Bad notification signature.")
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, tongban.Invalid("body", "is not a notification")
	}
	if env.Resource.Algorithm != "AEAD_AES_256_GCM" {
		return nil, tongban.Invalid("resource.algorithm", "must be AEAD_AES_256_GCM")
	}
	tx, err := v.decrypt(env)
	if err != nil {
		return nil, err
	}
	n := &Notification{EventID: env.ID, OrderID: tx.OutTradeNo, ProviderRef: tx.TransactionID, AmountFen: tx.Amount.Total,
		Currency: tx.Amount.Currency, Succeeded: env.EventType == "TRANSACTION.SUCCESS" && tx.TradeState == "SUCCESS"}
	if t, err := time.Parse(time.RFC3339, tx.SuccessTime); err == nil {
		n.PaidAt = t
	}
	if n.OrderID == "" || n.ProviderRef == "" || n.AmountFen <= 0 {
		return nil, tongban.Invalid("resource", "lacks out_trade_no, transaction_id or a positive amount")
	}
	return n, nil
}

func (v *WeChatVerifier) decrypt(env envelope) (*Transaction, error) {
	if len(v.APIv3Key) != 32 {
		return nil, fmt.Errorf("API v3 key must be 32 bytes")
	}
	block, err := aes.NewCipher(v.APIv3Key)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCMWithNonceSize(block, len(env.Resource.Nonce))
	if err != nil {
		return nil, tongban.Invalid("resource.nonce", "is malformed")
	}
	ct, err := base64.StdEncoding.DecodeString(env.Resource.Ciphertext)
	if err != nil {
		return nil, tongban.Invalid("resource.ciphertext", "is not base64")
	}
	plain, err := gcm.Open(nil, []byte(env.Resource.Nonce), ct, []byte(env.Resource.AssociatedData))
	if err != nil {
		return nil, unauthorized("The notification resource does not decrypt with the API v3 key.")
	}
	var tx Transaction
	if err := json.Unmarshal(plain, &tx); err != nil {
		return nil, tongban.Invalid("resource", "does not hold a transaction")
	}
	return &tx, nil
}
