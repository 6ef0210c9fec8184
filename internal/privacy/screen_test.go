package privacy_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tongban/tongban/internal/privacy"
)

// hit is the part of a Finding that the table tests compare: the kind and
// the original text it covers.
type hit struct {
	Kind string
	Text string
}

func hits(text string, fs []privacy.Finding) []hit {
	var out []hit
	for _, f := range fs {
		out = append(out, hit{f.Kind, text[f.StartByte:f.EndByte]})
	}
	return out
}

func TestScreenKinds(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []hit
	}{
		{"id 18 digits", "身份证号 430524201503121234。", []hit{{"id_number", "430524201503121234"}}},
		{"id check character X", "证件号50023020110928136X，", []hit{{"id_number", "50023020110928136X"}}},
		{"id lower-case x", "ID 15042919720623358x.", []hit{{"id_number", "15042919720623358x"}}},
		{"id grouped", "身份证 522422 19881013 0502", []hit{{"id_number", "522422 19881013 0502"}}},
		{"id legacy 15 digits", "老身份证150429700323879", []hit{{"id_number", "150429700323879"}}},
		{"id wrong check digit", "编号 430524201503121235", nil},
		{"id impossible date", "编号 430524201502301234", nil},
		{"id unknown province", "编号 990524201503121234", nil},
		{"mobile plain", "电话13907394521。", []hit{{"mobile", "13907394521"}}},
		{"mobile 3-4-4 dashes", "手机：186-9203-7751", []hit{{"mobile", "186-9203-7751"}}},
		{"mobile +86", "call +86 177 0739 1234 now", []hit{{"mobile", "+86 177 0739 1234"}}},
		{"mobile 0086", "0086 13517394488", []hit{{"mobile", "0086 13517394488"}}},
		{"mobile after count", "共 3 13907394521", []hit{{"mobile", "13907394521"}}},
		{"mobile second digit 2", "12907394521", nil},
		{"mobile ten digits", "1390739452", nil},
		{"mobile twelve digits", "139073945210", nil},
		{"mobile odd grouping", "1390 7394 521", nil},
		{"landline dash", "座机0739-5523186", []hit{{"landline", "0739-5523186"}}},
		{"landline parentheses", "电话（0739）8231456", []hit{{"landline", "（0739）8231456"}}},
		{"landline Beijing", "010-62751234", []hit{{"landline", "010-62751234"}}},
		{"landline contiguous", "07395521864", []hit{{"landline", "07395521864"}}},
		{"landline local with keyword", "座机 5523186", []hit{{"landline", "5523186"}}},
		{"local number without keyword", "编号 5523186", nil},
		{"landline bad area code", "0139-5523186", nil},
		{"email", "邮箱 zhangli88@163.com。", []hit{{"email", "zhangli88@163.com"}}},
		{"email full-width", "ｌｉ＠ｑｑ．ｃｏｍ", []hit{{"email", "ｌｉ＠ｑｑ．ｃｏｍ"}}},
		{"at sign without domain", "12 @ 3 元", nil},
		{"wechat", "微信：zhangli_1988，", []hit{{"wechat", "zhangli_1988"}}},
		{"wechat vx", "加vx xiaomei2015", []hit{{"wechat", "xiaomei2015"}}},
		{"wechat wxid", "wxid_k3j9s8d7f6", []hit{{"wechat", "wxid_k3j9s8d7f6"}}},
		{"wechat letters need separator", "We use WeChat groups.", nil},
		{"wechat word inside word", "box xiaomei2015", nil},
		{"qq", "QQ 987654321", []hit{{"qq", "987654321"}}},
		{"qq 扣扣", "扣扣：3344556677", []hit{{"qq", "3344556677"}}},
		{"qq music", "QQ音乐会员", nil},
		{"bank card grouped", "卡号 6222 0217 6031 3721 597", []hit{{"bank_card", "6222 0217 6031 3721 597"}}},
		{"bank card 16", "4367424852538884", []hit{{"bank_card", "4367424852538884"}}},
		{"bank card fails Luhn", "订单号 6222021760313721598", nil},
		{"bank card inside code", "SN4367424852538884", nil},
		{"address road", "家住人民路18号。", []hit{{"address", "人民路18号"}}},
		{"address village group", "石门村3组", []hit{{"address", "石门村3组"}}},
		{"address village Chinese numerals", "红旗村五组12号", []hit{{"address", "红旗村五组12号"}}},
		{"address building", "5栋2单元301室", []hit{{"address", "5栋2单元301室"}}},
		{"address estate", "幸福小区3号楼", []hit{{"address", "幸福小区3号楼"}}},
		{"address English", "at 18 Renmin Road.", []hit{{"address", "18 Renmin Road"}}},
		{"county is public", "湖南省邵阳市隆回县", nil},
		{"bus route", "坐18路公交", nil},
		{"metro line", "换乘地铁路2号线", nil},
		{"date with 号", "11月3号出发", nil},
		{"school class", "在石门小学三年级二班。", []hit{{"school_class", "石门小学三年级二班"}}},
		{"school class parentheses", "隆回二中初二(3)班", []hit{{"school_class", "隆回二中初二(3)班"}}},
		{"school without class", "在石门小学读三年级", nil},
		{"class without school", "三年级二班", nil},
		{"unnamed school", "就读于当地小学三年级二班", nil},
		{"name before kinship", "张小明的妈妈", []hit{{"name_kinship", "张小明"}}},
		{"name after child word", "孩子王某某，9岁", []hit{{"name_kinship", "王某某"}}},
		{"name after 其父", "其父李建国常年在外", []hit{{"name_kinship", "李建国"}}},
		{"name two runes", "学生刘洋在读书", []hit{{"name_kinship", "刘洋"}}},
		{"name compound surname", "患儿欧阳明轩", []hit{{"name_kinship", "欧阳明轩"}}},
		{"name with 同学", "李思琪同学", []hit{{"name_kinship", "李思琪"}}},
		{"name English", "my son John Smith", []hit{{"name_kinship", "John Smith"}}},
		{"name English possessive", "Mary Johnson's mother", []hit{{"name_kinship", "Mary Johnson"}}},
		{"kinship without name", "孩子的妈妈在外打工", nil},
		{"adverb after child word", "孩子马上就要升初中了", nil},
		{"surname and title", "王老师的孩子", nil},
		{"amount", "共 12000 元", nil},
		{"date", "2026年11月29日", nil},
		{"time range", "9:00-12:00", nil},
		{"age band", "9-11 岁", nil},
		{"size", "130 码", nil},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := hits(tt.text, privacy.Screen(tt.text))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Screen(%q) mismatch (-want +got):\n%s", tt.text, diff)
			}
		})
	}
}

func TestScreenFinding(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []privacy.Finding
	}{
		{
			name: "ascii context",
			text: "奶奶电话13907394521。",
			want: []privacy.Finding{{
				Kind: "mobile", Start: 4, End: 15, StartByte: 12, EndByte: 23, StartU16: 4, EndU16: 15,
				Excerpt:   "奶奶电话***********。",
				MessageEN: "Possible mobile number at characters 4–15; remove it before publishing.",
				MessageZH: "第 4–15 个字符处疑似手机号码，请删除后再发布。",
			}},
		},
		{
			// the emoji is one rune, four bytes and two UTF-16 units; each
			// full-width digit is one rune, three bytes and one unit
			name: "astral rune and full-width digits",
			text: "😀电话１３９０７３９４５２１",
			want: []privacy.Finding{{
				Kind: "mobile", Start: 3, End: 14, StartByte: 10, EndByte: 43, StartU16: 4, EndU16: 15,
				Excerpt:   "😀电话***********",
				MessageEN: "Possible mobile number at characters 3–14; remove it before publishing.",
				MessageZH: "第 3–14 个字符处疑似手机号码，请删除后再发布。",
			}},
		},
		{
			// the number is both a WeChat handle and a mobile number: the
			// more specific kind is kept
			name: "same span reported once",
			text: "微信 13907394521",
			want: []privacy.Finding{{
				Kind: "mobile", Start: 3, End: 14, StartByte: 7, EndByte: 18, StartU16: 3, EndU16: 14,
				Excerpt:   "微信 ***********",
				MessageEN: "Possible mobile number at characters 3–14; remove it before publishing.",
				MessageZH: "第 3–14 个字符处疑似手机号码，请删除后再发布。",
			}},
		},
		{
			// each excerpt masks every finding in its window, not only its own
			name: "excerpts mask neighbours",
			text: "孩子王小明的妈妈电话 158 7392 0416。",
			want: []privacy.Finding{
				{
					Kind: "name_kinship", Start: 2, End: 5, StartByte: 6, EndByte: 15, StartU16: 2, EndU16: 5,
					Excerpt:   "孩子***的妈妈电话 *** **…",
					MessageEN: "Possible personal name at characters 2–5; remove it before publishing.",
					MessageZH: "第 2–5 个字符处疑似与亲属或学生称谓相邻的姓名，请删除后再发布。",
				},
				{
					Kind: "mobile", Start: 11, End: 24, StartByte: 31, EndByte: 44, StartU16: 11, EndU16: 24,
					Excerpt:   "孩子***的妈妈电话 *** **** ****。",
					MessageEN: "Possible mobile number at characters 11–24; remove it before publishing.",
					MessageZH: "第 11–24 个字符处疑似手机号码，请删除后再发布。",
				},
			},
		},
		{
			name: "long context is cut with an ellipsis",
			text: "这是一段很长的说明文字在前面，联系邮箱 li@qq.com 之后还有很长很长的一段文字",
			want: []privacy.Finding{{
				Kind: "email", Start: 20, End: 29, StartByte: 58, EndByte: 67, StartU16: 20, EndU16: 29,
				Excerpt:   "…明文字在前面，联系邮箱 **@**.*** 之后还有很长很长的一段…",
				MessageEN: "Possible e-mail address at characters 20–29; remove it before publishing.",
				MessageZH: "第 20–29 个字符处疑似电子邮箱，请删除后再发布。",
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := privacy.Screen(tt.text)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Screen(%q) mismatch (-want +got):\n%s", tt.text, diff)
			}
		})
	}
}

func TestFindingJSON(t *testing.T) {
	f := privacy.Finding{Kind: "email", Start: 1, End: 2, StartByte: 3, EndByte: 4, StartU16: 5, EndU16: 6,
		Excerpt: "e", MessageEN: "en", MessageZH: "zh"}
	b, err := json.Marshal(privacy.FieldFinding{Field: "narrative", Finding: f})
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	want := `{"field":"narrative","kind":"email","start":1,"end":2,"start_byte":3,"end_byte":4,` +
		`"start_u16":5,"end_u16":6,"excerpt":"e","message_en":"en","message_zh":"zh"}`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("JSON mismatch (-want +got):\n%s", diff)
	}
}

func TestKindNames(t *testing.T) {
	tests := []struct {
		kind, en, zh string
	}{
		{privacy.KindIDNumber, "ID number", "身份证号码"},
		{privacy.KindBankCard, "bank card number", "银行卡号"},
		{"other", "other", "other"},
	}
	for _, tt := range tests {
		got := [2]string{privacy.KindName(tt.kind), privacy.KindNameZH(tt.kind)}
		want := [2]string{tt.en, tt.zh}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("names of %q mismatch (-want +got):\n%s", tt.kind, diff)
		}
	}
}

// TestScreenLongInput moves a sample across the boundaries of the windows
// that long inputs are scanned in: every hit must be found exactly once at
// every position.
func TestScreenLongInput(t *testing.T) {
	const sample = "奶奶电话13907394521，邮箱 grandma.liu@example.com，家住人民路18号，孩子王小明的妈妈在石门小学三年级二班开家长会。"
	want := hits(sample, privacy.Screen(sample))
	if len(want) != 5 {
		t.Fatalf("sample has %d hits, want 5: %v", len(want), want)
	}
	for _, pad := range []int{0, 4000, 4050, 4080, 4090, 4095, 4096, 4097, 4100, 4110, 4150, 8180, 8192, 12300} {
		for _, shift := range []int{0, 1, 2} {
			prefix := strings.Repeat("，", pad/3) + strings.Repeat(" ", shift)
			text := prefix + sample + strings.Repeat("。", 2000)
			var got []hit
			for _, f := range privacy.Screen(text) {
				got = append(got, hit{f.Kind, text[f.StartByte:f.EndByte]})
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("sample at byte %d mismatch (-want +got):\n%s", len(prefix), diff)
			}
		}
	}
}
