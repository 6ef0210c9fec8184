package api_test

import (
	"strings"
	"testing"

	"github.com/tongban/tongban/api"
)

func TestRefunds(t *testing.T) {
	srv := newServer(t, api.Config{LoginRatePerMinute: 10000})
	campaign, _, needID, fin1, fin2 := moneyCampaign(t, srv)
	donor, _ := signup(t, srv, "donor")
	gift := giveOnline(t, donor, campaign, 30000, false)
	if r := fin1.do("POST", "/api/v1/allocations", map[string]any{"ledger": campaign, "splits": []map[string]any{{"need_id": needID, "amount_fen": 25000}}, "why": "首批采购"}); r.Status != 201 {
		t.Fatalf("allocate: %d %s", r.Status, r.Body)
	}
	refund := func(fen int, why string) map[string]any {
		return map[string]any{"donation_id": gift, "amount_fen": fen, "why": why}
	}
	tests := []struct {
		name      string
		c         *client
		body      map[string]any
		key       string
		want      int
		wantField string
	}{
		{"the donor cannot refund", donor, refund(100, "捐赠人申请退款"), "", 403, ""},
		{"no reason", fin1, refund(100, ""), "", 400, "why"},
		{"zero", fin1, refund(0, "捐赠人申请退款"), "", 400, "amount_fen"},
		{"an unknown gift", fin1, map[string]any{"donation_id": campaign + "-999", "amount_fen": 100, "why": "捐赠人申请退款"}, "", 404, ""},
		{"more than the gift", fin1, refund(30001, "捐赠人申请退款"), "", 409, ""},
		{"a reason with a phone number", fin1, refund(100, "请联系 13812345678 退款"), "", 422, ""},
		{"part of it", fin1, refund(10000, "捐赠人申请部分退款"), "r1", 201, ""},
		{"the same request again", fin1, refund(10000, "捐赠人申请部分退款"), "r1", 201, ""},
		{"what needs hold of it, too", fin2, refund(20000, "捐赠人申请全部退款"), "r2", 201, ""},
		{"nothing is left", fin1, refund(1, "再退一分"), "r3", 409, ""},
	}
	var first string
	for _, tt := range tests {
		var h []string
		if tt.key != "" {
			h = []string{"Idempotency-Key", tt.key}
		}
		r := tt.c.do("POST", "/api/v1/refunds", tt.body, h...)
		if r.Status != tt.want {
			t.Errorf("%s: %d %s, want %d", tt.name, r.Status, r.Body, tt.want)
			continue
		}
		if tt.wantField != "" && !strings.Contains(string(r.Body), `"field":"`+tt.wantField+`"`) {
			t.Errorf("%s: %s does not name %s", tt.name, r.Body, tt.wantField)
		}
		if tt.key == "r1" {
			id := r.json(t)["id"].(string)
			if first == "" {
				first = id
			} else if id != first {
				t.Errorf("repeated refund made entry %s, want %s", id, first)
			}
		}
	}
	g := donor.do("GET", "/api/v1/donor/gifts", nil).json(t)["items"].([]any)[0].(map[string]any)
	if g["refunded_fen"].(float64) != 30000 {
		t.Errorf("gift after refunds: %v, want 30000 refunded", g)
	}
}
