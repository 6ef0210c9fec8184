package privacy_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tongban/tongban"
	"github.com/tongban/tongban/internal/privacy"
)

func TestCheckClean(t *testing.T) {
	tests := []struct {
		name   string
		fields map[string]string
	}{
		{"nil map", nil},
		{"no fields", map[string]string{}},
		{"clean fields", map[string]string{
			"title":         "寒冬送温暖：棉衣 130 码",
			"narrative":     "孩子父母在外务工，由奶奶照顾，数学基础薄弱，希望每周六上午线上辅导。",
			"items[0].note": "共 12000 元",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := privacy.Check(tt.fields); err != nil {
				t.Errorf("Check() = %v, want nil", err)
			}
		})
	}
}

func TestCheckFindings(t *testing.T) {
	err := privacy.Check(map[string]string{
		"title":         "助学",
		"narrative":     "奶奶电话13907394521。",
		"items[0].note": "邮箱 li@qq.com，微信：zhangli_1988",
	})
	var e *tongban.Error
	if !errors.As(err, &e) {
		t.Fatalf("Check() = %v, want *tongban.Error", err)
	}
	type summary struct {
		Code    string
		Message string
		Fields  []tongban.FieldError
		Details []privacy.FieldFinding
	}
	details, ok := e.Details.([]privacy.FieldFinding)
	if !ok {
		t.Fatalf("Details is %T, want []privacy.FieldFinding", e.Details)
	}
	got := summary{e.Code, e.Message, e.Fields, details}
	want := summary{
		Code: tongban.EUNPROCESSABLE,
		Message: "Personal data found: e-mail address in items[0].note at 3–12; " +
			"WeChat ID in items[0].note at 16–28; mobile number in narrative at 4–15.",
		Fields: []tongban.FieldError{
			{Field: "items[0].note", Reason: "contains personal data: e-mail address at 3–12, WeChat ID at 16–28"},
			{Field: "narrative", Reason: "contains personal data: mobile number at 4–15"},
		},
		Details: []privacy.FieldFinding{
			{Field: "items[0].note", Finding: privacy.Screen("邮箱 li@qq.com，微信：zhangli_1988")[0]},
			{Field: "items[0].note", Finding: privacy.Screen("邮箱 li@qq.com，微信：zhangli_1988")[1]},
			{Field: "narrative", Finding: privacy.Screen("奶奶电话13907394521。")[0]},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Check() mismatch (-want +got):\n%s", diff)
	}
	if code := tongban.ErrorCode(err); code != tongban.EUNPROCESSABLE {
		t.Errorf("ErrorCode = %q, want %q", code, tongban.EUNPROCESSABLE)
	}
}

func TestCheckManyFindings(t *testing.T) {
	var sb strings.Builder
	for i := 0; i < 7; i++ {
		fmt.Fprintf(&sb, "电话1390739452%d。", i)
	}
	err := privacy.Check(map[string]string{"narrative": sb.String()})
	var e *tongban.Error
	if !errors.As(err, &e) {
		t.Fatalf("Check() = %v, want *tongban.Error", err)
	}
	got := []any{len(e.Details.([]privacy.FieldFinding)), strings.Count(e.Message, "mobile number"), strings.HasSuffix(e.Message, "; and 2 more.")}
	want := []any{7, 5, true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Check() mismatch (-want +got):\n%s\nmessage: %s", diff, e.Message)
	}
}
