package payment_test

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/internal/payment"
)

func mustSandbox(t *testing.T) *payment.Sandbox {
	t.Helper()
	s, err := payment.NewSandbox()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVerifyGoodNotification(t *testing.T) {
	sb := mustSandbox(t)
	txid := payment.NewTransactionID()
	h, body, err := sb.Notification("TB20261129001", txid, 20000)
	if err != nil {
		t.Fatal(err)
	}
	n, err := sb.Verifier().Verify(h, body)
	if err != nil {
		t.Fatal(err)
	}
	got := payment.Notification{OrderID: n.OrderID, ProviderRef: n.ProviderRef, AmountFen: n.AmountFen, Currency: n.Currency, Succeeded: n.Succeeded}
	want := payment.Notification{OrderID: "TB20261129001", ProviderRef: txid, AmountFen: 20000, Currency: "CNY", Succeeded: true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("notification (-want +got):\n%s", diff)
	}
	if len(txid) != 28 || n.PaidAt.IsZero() {
		t.Errorf("transaction id %q, paid at %v", txid, n.PaidAt)
	}
}

func TestVerifyRejects(t *testing.T) {
	sb := mustSandbox(t)
	other := mustSandbox(t)
	h, body, err := sb.Notification("TB1", payment.NewTransactionID(), 100)
	if err != nil {
		t.Fatal(err)
	}
	clone := func() http.Header { return h.Clone() }
	tests := []struct {
		name string
		h    func() http.Header
		body []byte
		v    *payment.WeChatVerifier
		want string
	}{
		{"tampered body", clone, bytes.Replace(body, []byte(`"TRANSACTION.SUCCESS"`), []byte(`"TRANSACTION.SUCCESX"`), 1), sb.Verifier(), tongban.EUNAUTHORIZED},
		{"other platform certificate", clone, body, other.Verifier(), tongban.EUNAUTHORIZED},
		{"missing signature", func() http.Header { x := clone(); x.Del(payment.HeaderSignature); return x }, body, sb.Verifier(), tongban.EUNAUTHORIZED},
		{"wrong serial", func() http.Header { x := clone(); x.Set(payment.HeaderSerial, "abc"); return x }, body, sb.Verifier(), tongban.EUNAUTHORIZED},
		{"forged signature", func() http.Header {
			x := clone()
			oh, _ := other.Sign(body)
			x.Set(payment.HeaderSignature, oh.Get(payment.HeaderSignature))
			return x
		}, body, sb.Verifier(), tongban.EUNAUTHORIZED},
		{"replayed later", clone, body, func() *payment.WeChatVerifier {
			v := sb.Verifier()
			v.Now = func() time.Time { return time.Now().Add(10 * time.Minute) }
			return v
		}(), tongban.EUNAUTHORIZED},
		{"wrong API v3 key", clone, body, func() *payment.WeChatVerifier { v := sb.Verifier(); v.APIv3Key = make([]byte, 32); return v }(), tongban.EUNAUTHORIZED},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.v.Verify(tt.h(), tt.body)
			if got := tongban.ErrorCode(err); got != tt.want {
				t.Errorf("code %q (%v), want %q", got, err, tt.want)
			}
		})
	}
}
