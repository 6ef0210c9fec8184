package payment

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"strconv"
	"time"
)

// Sandbox is a local stand-in for WeChat Pay: it holds its own platform key
// and certificate and API v3 key, and produces notifications in exactly the
// protocol's format, so the online giving flow runs end to end here. It is
// never used with real money.
type Sandbox struct {
	key      *rsa.PrivateKey
	cert     *x509.Certificate
	apiV3Key []byte
	MchID    string
	AppID    string
	Now      func() time.Time
}

// NewSandbox creates a sandbox with fresh keys.
func NewSandbox() (*Sandbox, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 80))
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: "Tongban WeChat Pay sandbox platform", Organization: []string{"Tongban sandbox"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(5, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	return &Sandbox{key: key, cert: cert, apiV3Key: k, MchID: "1900000109", AppID: "wxtongbansandbox"}, nil
}

// Verifier returns the verifier that accepts this sandbox's notifications.
func (s *Sandbox) Verifier() *WeChatVerifier {
	return &WeChatVerifier{Platform: s.cert, APIv3Key: s.apiV3Key, Now: s.Now}
}

func (s *Sandbox) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// NewTransactionID returns a fresh provider transaction ID.
func NewTransactionID() string {
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	n := new(big.Int).SetBytes(b)
	return fmt.Sprintf("4200%024s", n.Text(10))[:28]
}

// Notification builds a signed, encrypted TRANSACTION.SUCCESS notification
// for a paid order, as WeChat Pay would POST it.
func (s *Sandbox) Notification(orderID, transactionID string, amountFen int64) (http.Header, []byte, error) {
	now := s.now()
	tx := Transaction{AppID: s.AppID, MchID: s.MchID, OutTradeNo: orderID, TransactionID: transactionID, TradeType: "NATIVE",
		TradeState: "SUCCESS", SuccessTime: now.In(time.FixedZone("CST", 8*3600)).Format(time.RFC3339)}
	tx.Amount.Total, tx.Amount.PayerTotal, tx.Amount.Currency = amountFen, amountFen, "CNY"
	plain, err := json.Marshal(tx)
	if err != nil {
		return nil, nil, err
	}
	nonceB := make([]byte, 6)
	if _, err := rand.Read(nonceB); err != nil {
		return nil, nil, err
	}
	nonce := hex.EncodeToString(nonceB) // 12 characters, as in the protocol
	block, err := aes.NewCipher(s.apiV3Key)
	if err != nil {
		return nil, nil, err
	}
	gcm, err := cipher.NewGCMWithNonceSize(block, len(nonce))
	if err != nil {
		return nil, nil, err
	}
	var env envelope
	env.ID = "EV-" + transactionID
	env.CreateTime = now.Format(time.RFC3339)
	env.ResourceType = "encrypt-resource"
	env.EventType = "TRANSACTION.SUCCESS"
	env.Summary = "支付成功"
	env.Resource.Algorithm = "AEAD_AES_256_GCM"
	env.Resource.AssociatedData = "transaction"
	env.Resource.Nonce = nonce
	env.Resource.OriginalType = "transaction"
	env.Resource.Ciphertext = base64.StdEncoding.EncodeToString(gcm.Seal(nil, []byte(nonce), plain, []byte(env.Resource.AssociatedData)))
	body, err := json.Marshal(env)
	if err != nil {
		return nil, nil, err
	}
	h, err := s.Sign(body)
	return h, body, err
}

// Sign returns the Wechatpay-* headers for body signed now.
func (s *Sandbox) Sign(body []byte) (http.Header, error) {
	ts := strconv.FormatInt(s.now().Unix(), 10)
	nb := make([]byte, 16)
	if _, err := rand.Read(nb); err != nil {
		return nil, err
	}
	nonce := hex.EncodeToString(nb)
	digest := sha256.Sum256([]byte(ts + "\n" + nonce + "\n" + string(body) + "\n"))
	sig, err := rsa.SignPKCS1v15(rand.Reader, s.key, crypto.SHA256, digest[:])
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set(HeaderTimestamp, ts)
	h.Set(HeaderNonce, nonce)
	h.Set(HeaderSignature, base64.StdEncoding.EncodeToString(sig))
	h.Set(HeaderSerial, s.cert.SerialNumber.Text(16))
	h.Set("Content-Type", "application/json")
	return h, nil
}
