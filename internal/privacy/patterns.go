package privacy

import (
	"regexp"
	"strings"
)

// Building blocks of the patterns. All patterns run on the normalized text
// and are bounded in length (see chunkOverlap).
const (
	cnNum  = `[一二三四五六七八九十百零〇两]{1,4}`                     // a number in Chinese numerals
	anyNum = `(?:[0-9]{1,5}|` + cnNum + `)`              // a house, group or building number
	sp     = `[ \t]*`                                    // optional blanks
	capW   = `[A-Z][a-z]+`                               // a capitalized word
	fullEN = `(` + capW + `(?:[ \t]+` + capW + `){1,2})` // two or three capitalized words
	kinEN  = `son|daughter|child|kid|student|pupil|grandson|granddaughter|grandchild|` +
		`mother|father|mom|mum|dad|grandmother|grandfather|grandma|grandpa|` +
		`brother|sister|guardian|boy|girl|nephew|niece|stepson|stepdaughter`
)

// rule is a regular expression for one kind with an optional check that
// refines the span or rejects the match. The check receives the submatch
// offsets in bytes of the normalized text and returns a rune span. The
// expression only runs on segments that contain one of the trigger runes
// and one of the also runes: every match of it contains both.
type rule struct {
	kind    string
	trigger string // the segment must contain one of these runes
	also    string // and, unless empty, one of these
	re      *regexp.Regexp
	check   func(t *text, m []int) (start, end int, ok bool)
}

// Trigger rune sets shared by several rules.
const (
	upper    = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	trigRoad = "街道路巷弄胡"
	trigVill = "村屯寨"
	trigBldg = "栋幢楼座单"
	trigEst  = "区园寓院村舍苑点"
	trigSchl = "学中小校"
	trigWe   = "信xXwW"
	trigQQ   = "qQ扣企"
	digits   = "0123456789"
)

var rules = []rule{
	// WeChat: keyword, optional "号/ID/账号" and separator, then the handle.
	{KindWeChat, trigWe, "", regexp.MustCompile(
		`(?i:(微信|威信|薇信|v信|\bvx|\bwx|\bweixin|\bwechat))((?:` + sp + `(?:号码|账号|号|名|id|ID)?` + sp + `(?:[:=]|是|为)?` + sp + `)?)` +
			`([A-Za-z][A-Za-z0-9_-]{5,19}|[0-9]{5,11})`),
		checkHandle},
	{KindWeChat, trigWe, "", regexp.MustCompile(`\b(wxid_[A-Za-z0-9_]{4,30})`), group(1)},
	// QQ: keyword, optional "号/群" and separator, then the number.
	{KindQQ, trigQQ, digits, regexp.MustCompile(
		`(?i:(\bqq|扣扣|企鹅号))((?:` + sp + `(?:号码|号|群)?` + sp + `(?:[:=]|是|为)?` + sp + `)?)([1-9][0-9]{4,11})`),
		checkHandle},
	// Road or street with a house number: 人民路18号, 建设街12-3号.
	{KindAddress, trigRoad, "号", regexp.MustCompile(
		`(大街|大道|街道|路|街|巷|弄|胡同|道)` + sp + anyNum + `(?:` + sp + `-` + sp + `[0-9]{1,5})?` + sp + `号`),
		checkRoad},
	// Village (or hamlet) with a group or house number: 石门村3组, 红旗村五组12号.
	{KindAddress, trigVill, "组社队号", regexp.MustCompile(
		`(村|屯|寨)` + sp + anyNum + sp + `(?:组|社|队|号)(?:` + sp + `[0-9]{1,5}` + sp + `号)?`),
		checkVillage},
	// Building, unit and room: 5栋2单元301室, 3号楼1202, 2单元501室.
	{KindAddress, trigBldg, "", regexp.MustCompile(
		`(?:` + anyNum + sp + `(?:栋|幢|号楼|座)` + sp + `(?:` + anyNum + sp + `(?:单元|室|号|户)(?:` + sp + `[0-9]{2,4}` + sp + `(?:室|号)?)?|[0-9]{3,4}` + sp + `室?)` +
			`|[0-9]{1,3}` + sp + `单元` + sp + `[0-9]{2,4}` + sp + `(?:室|号)?)`),
		checkBuilding},
	// Housing estate with a building or house number: 幸福小区3栋, 阳光花园12号.
	{KindAddress, trigEst, "栋幢楼单号室排", regexp.MustCompile(
		`(小区|花园|公寓|家园|新村|宿舍|大院|家属院|安置点|安置区|苑)` + sp + anyNum + sp + `(?:栋|幢|号楼|单元|号|室|排)`),
		checkEstate},
	{KindAddress, "牌", "", regexp.MustCompile(`门牌(?:号码|号)?` + sp + `:?` + sp + `(?:是|为)?` + sp + `[0-9]{1,5}`), nil},
	// English addresses.
	{KindAddress, upper, digits, regexp.MustCompile(
		`\b(?:No\.?` + sp + `)?[0-9]{1,5}[A-Za-z]?,?[ \t]+(?:` + capW + `[ \t]+){1,3}(?:Road|Rd|Street|St|Lane|Ln|Avenue|Ave|Alley|Boulevard|Blvd|Hutong)\b`),
		nil},
	{KindAddress, upper, digits, regexp.MustCompile(
		`\b(?:(?:Room|Rm|Apt|Apartment|Flat|Unit)\.?` + sp + `[0-9]{1,4}[A-Za-z]?,?` + sp + `(?:Building|Bldg|Block)\.?` + sp + `[0-9]{1,3}` +
			`|(?:Building|Bldg|Block)\.?` + sp + `[0-9]{1,3},?` + sp + `(?:Unit|Room|Rm|Apt|Flat)\.?` + sp + `[0-9]{1,4})\b`),
		nil},
	{KindAddress, upper, digits, regexp.MustCompile(
		`\b(?:(?:Group|Team)[ \t]+[0-9]{1,2},?[ \t]+` + capW + `[ \t]+Village|` + capW + `[ \t]+Village,?[ \t]+(?:Group|Team)[ \t]+[0-9]{1,2})\b`),
		nil},
	// A named school with grade and class: 石门小学三年级二班, 隆回二中初二(3)班.
	{KindSchoolClass, "班", trigSchl, regexp.MustCompile(
		`(小学|中学|初级中学|高级中学|初中|高中|完小|中心校|学校|附小|附中|[一二三四五六七八九十]中)` + sp +
			`(?:(?:[一二三四五六七八九]|[1-9])` + sp + `年级|初[一二三1-3]|高[一二三1-3]|(?:19|20)?[0-9]{2}` + sp + `级|[一二三四五六1-6])` + sp +
			`\(?` + sp + `(?:[0-9]{1,2}|[一二三四五六七八九十]{1,3})` + sp + `\)?` + sp + `班`),
		checkSchool},
	{KindSchoolClass, upper, digits, regexp.MustCompile(
		`\b(?:` + capW + `[ \t]+){1,3}(?:Primary|Middle|High|Elementary|Junior[ \t]+High)[ \t]+School,?[ \t]+(?:(?:Grade|Year)[ \t]+[0-9]{1,2},?[ \t]+)?Class[ \t]+[0-9]{1,2}\b` +
			`|\bClass[ \t]+[0-9]{1,2},?[ \t]+(?:(?:of[ \t]+)?(?:Grade|Year)[ \t]+[0-9]{1,2},?[ \t]+)?(?:at|of|in)[ \t]+(?:the[ \t]+)?(?:` + capW + `[ \t]+){1,3}(?:Primary|Middle|High|Elementary)[ \t]+School\b`),
		nil},
	// English names next to a kinship or child word.
	{KindNameKinship, upper, "", regexp.MustCompile(
		`(?i:\b(?:` + kinEN + `))(?:'s)?,?[ \t]+(?:(?:is|was)[ \t]+)?(?:(?:named|called)[ \t]+)?` + fullEN),
		checkEnglishName},
	{KindNameKinship, upper, "", regexp.MustCompile(
		fullEN + `'s[ \t]+(?i:(?:` + kinEN + `|parents|family|teacher|classmates?)\b)`),
		checkEnglishName},
	{KindNameKinship, upper, "", regexp.MustCompile(`\b(?:Name|NAME|name)` + sp + `:` + sp + fullEN), checkEnglishName},
}

// triggers and alsoTriggers map a rune to the set of rules (bit i for
// rules[i]) whose trigger or also set holds it; alwaysAlso has the bits of
// the rules without an also set.
var triggers, alsoTriggers, alwaysAlso = func() (map[rune]uint64, map[rune]uint64, uint64) {
	if len(rules) > 64 {
		panic("privacy: too many rules for a trigger mask")
	}
	t, a := make(map[rune]uint64), make(map[rune]uint64)
	var always uint64
	for i, r := range rules {
		for _, c := range r.trigger {
			t[c] |= 1 << i
		}
		for _, c := range r.also {
			a[c] |= 1 << i
		}
		if r.also == "" {
			always |= 1 << i
		}
	}
	return t, a, always
}()

// scanPatterns runs, on each segment of the text, the rules that the
// segment's runes trigger.
func (t *text) scanPatterns(add func(kind string, start, end int)) {
	t.eachSegment(func(s, e int) {
		var mask, also uint64
		for _, c := range t.norm[s:e] {
			mask |= triggers[c]
			also |= alsoTriggers[c]
		}
		mask &= also | alwaysAlso
		for i, r := range rules {
			if mask&(1<<i) == 0 {
				continue
			}
			t.eachMatch(r.re, s, e, func(m []int) {
				start, end, ok := t.runeAt(m[0]), t.runeAt(m[1]), true
				if r.check != nil {
					start, end, ok = r.check(t, m)
				}
				if ok {
					add(r.kind, start, end)
				}
			})
		}
	})
}

// group returns a check that reports the span of submatch i.
func group(i int) func(t *text, m []int) (int, int, bool) {
	return func(t *text, m []int) (int, int, bool) {
		return t.runeAt(m[2*i]), t.runeAt(m[2*i+1]), true
	}
}

// checkHandle accepts a WeChat or QQ handle (submatch 3) that is not cut
// from a longer word. A handle of letters only needs an explicit separator
// (号, ID, colon, 是, 为): "WeChat: lily_chen" but not "WeChat groups".
func checkHandle(t *text, m []int) (int, int, bool) {
	hs, he := t.runeAt(m[6]), t.runeAt(m[7])
	if he < len(t.runes) {
		if r := t.runes[he]; isAlnum(r) || r == '_' || r == '-' || r == '@' {
			return 0, 0, false
		}
	}
	handle := t.norm[m[6]:m[7]]
	if strings.IndexFunc(handle, func(r rune) bool { return !isASCIILetter(r) }) < 0 {
		sep := strings.TrimSpace(t.norm[m[4]:m[5]])
		if sep == "" {
			return 0, 0, false
		}
	}
	return hs, he, true
}

// checkRoad rejects bus routes and numbered roads ("18路", "一路") and metro
// lines ("2号线"), and adds the road name before the keyword (submatch 1).
func checkRoad(t *text, m []int) (int, int, bool) {
	kw := t.runeAt(m[2])
	end := t.runeAt(m[1])
	if end < len(t.runes) && t.runes[end] == '线' {
		return 0, 0, false
	}
	return t.placeName(kw, end, maxPlaceName, 1, false)
}

// checkVillage adds the village name before the keyword; it rejects
// "三村5组" style counts.
func checkVillage(t *text, m []int) (int, int, bool) {
	return t.placeName(t.runeAt(m[2]), t.runeAt(m[1]), maxPlaceName, 1, false)
}

// checkBuilding rejects rooms of public buildings: "3号楼201教室".
func checkBuilding(t *text, m []int) (int, int, bool) {
	end := t.runeAt(m[1])
	if end < len(t.runes) && strings.ContainsRune("教会办活阅多功实医病诊", t.runes[end]) {
		return 0, 0, false
	}
	return t.runeAt(m[0]), end, true
}

// checkEstate adds the estate name before the keyword.
func checkEstate(t *text, m []int) (int, int, bool) {
	return t.placeName(t.runeAt(m[2]), t.runeAt(m[1]), maxPlaceName, 1, true)
}

// checkSchool adds the school name before the keyword (submatch 1) and
// rejects unnamed schools ("当地小学", "村里的小学").
func checkSchool(t *text, m []int) (int, int, bool) {
	kw := t.runeAt(m[2])
	start, end, ok := t.placeName(kw, t.runeAt(m[1]), maxSchoolName, 2, true)
	if !ok || genericPlace(string(t.runes[start:kw])) {
		return 0, 0, false
	}
	return start, end, true
}

// Longest place and school names taken before a keyword, in runes.
const (
	maxPlaceName  = 6
	maxSchoolName = 8
)

// placeName extends a match that starts at the keyword kw backwards over
// the name before it: up to max Han runes or ASCII letters, past the last
// word that cannot be part of a name. It fails when fewer than min runes
// name the place, or, unless numeralOK, when the name ends in a numeral
// ("18路", "三村"; but "第六中学" is a school).
func (t *text) placeName(kw, end, max, min int, numeralOK bool) (int, int, bool) {
	start := kw
	for start > 0 && kw-start < max && (isHan(t.runes[start-1]) || isASCIILetter(t.runes[start-1])) {
		start--
	}
	if kw-start < min || !numeralOK && isNumeral(t.runes[kw-1]) {
		return 0, 0, false
	}
	start = t.trimStart(start, kw)
	if kw-start < min {
		return 0, 0, false
	}
	return start, end, true
}

// trimStart moves the start of a place name past the last word that cannot
// be part of a name ("家住在人民路" → "人民路").
func (t *text) trimStart(start, kw int) int {
	for i := kw - 1; i >= start; i-- {
		if strings.ContainsRune("在于读是到的和与从就念进入住址为往去", t.runes[i]) {
			return i + 1
		}
	}
	return start
}

func isNumeral(r rune) bool {
	return isDigit(r) || strings.ContainsRune("一二三四五六七八九十百零〇两", r)
}

// genericWords do not name a school: "当地小学", "镇中心小学", "某中学".
var genericWords = []string{
	"当地", "本地", "附近", "村里", "村上", "镇上", "镇里", "乡里", "县里", "县城", "城里", "市里", "区里",
	"所在", "一所", "这所", "那所", "该", "同一", "就近", "中心", "完全", "某", "农村", "乡村", "乡镇",
	"寄宿制", "寄宿", "公办", "民办", "私立", "普通", "重点", "他们", "她们", "我们", "他", "她", "我", "你",
	"孩子", "原来", "以前", "现在", "目前", "新", "老", "村", "镇", "乡", "县", "市", "区", "本", "其", "一个",
	"一家", "同", "周边", "片区", "的", "个", "所",
}

// genericPlace reports whether s consists only of generic words.
func genericPlace(s string) bool {
	for s != "" {
		matched := false
		for _, w := range genericWords {
			if strings.HasPrefix(s, w) {
				s = s[len(w):]
				matched = true
				break
			}
		}
		if !matched {
			return false
		}
	}
	return true
}

// englishStop are capitalized words that are not parts of a personal name.
var englishStop = map[string]bool{
	"The": true, "A": true, "An": true, "And": true, "Or": true, "But": true, "In": true, "On": true,
	"At": true, "To": true, "From": true, "With": true, "For": true, "Of": true, "Is": true, "Was": true,
	"He": true, "She": true, "They": true, "His": true, "Her": true, "Their": true, "This": true, "That": true,
	"Monday": true, "Tuesday": true, "Wednesday": true, "Thursday": true, "Friday": true, "Saturday": true,
	"Sunday": true, "January": true, "February": true, "March": true, "April": true, "May": true,
	"June": true, "July": true, "August": true, "September": true, "October": true, "November": true,
	"December": true, "Grade": true, "Class": true, "School": true, "Primary": true, "Middle": true,
	"High": true, "English": true, "Chinese": true, "Math": true, "Maths": true, "Science": true,
	"Art": true, "Music": true, "Reading": true, "Program": true, "Programme": true, "Day": true,
	"Province": true, "County": true, "City": true, "Village": true, "Town": true, "Team": true,
	"Union": true, "Council": true, "Festival": true, "New": true, "Year": true, "Spring": true,
	"Mid": true, "Autumn": true, "Winter": true, "Summer": true, "Warmth": true, "Dream": true,
	"University": true, "College": true, "Project": true, "Campaign": true, "Hunan": true, "Guizhou": true,
	"Sichuan": true, "Yunnan": true, "Gansu": true, "Jiangxi": true, "Henan": true, "Hubei": true,
	"Anhui": true, "Guangxi": true, "Shaanxi": true, "Shanxi": true, "Beijing": true, "Shanghai": true,
	"Shenzhen": true, "Guangzhou": true, "Tongban": true, "Youth": true, "League": true, "Federation": true,
	"Women": true, "Civil": true, "Affairs": true, "Bureau": true, "Teacher": true, "Doctor": true,
	"Volunteer": true, "Volunteers": true, "Mr": true, "Mrs": true, "Ms": true, "Miss": true, "Dr": true,
	"Care": true, "Support": true, "Home": true, "Zoom": true, "Tencent": true, "Meeting": true, "Club": true,
	"Library": true, "Centre": true, "Center": true, "Road": true, "Street": true, "Lane": true,
}

// checkEnglishName accepts a name (submatch 1) of at least two words that
// are not common capitalized words; trailing common words are cut off.
func checkEnglishName(t *text, m []int) (int, int, bool) {
	name := t.norm[m[2]:m[3]]
	words, end := 0, 0
	for pos := 0; pos < len(name); {
		for pos < len(name) && (name[pos] == ' ' || name[pos] == '\t') {
			pos++
		}
		e := pos
		for e < len(name) && name[e] != ' ' && name[e] != '\t' {
			e++
		}
		if englishStop[name[pos:e]] {
			break
		}
		words, end, pos = words+1, e, e
	}
	if words < 2 {
		return 0, 0, false
	}
	return t.runeAt(m[2]), t.runeAt(m[2] + end), true
}

// Bounds of an e-mail address, in runes.
const (
	maxEmailLocal  = 64
	maxEmailDomain = 253
	maxEmailLabel  = 63
)

func isEmailLocal(r rune) bool {
	return isAlnum(r) || strings.ContainsRune("._%+-", r)
}

func isEmailDomain(r rune) bool { return isAlnum(r) || r == '-' || r == '.' }

// scanEmails finds e-mail addresses around each '@': a local part of up to
// 64 runes starting with a letter or digit, and a domain of labels joined by
// dots ending in a top-level domain of 2-24 letters. Each rune is looked at
// a bounded number of times.
func (t *text) scanEmails(add func(kind string, start, end int)) {
	rs := t.runes
	last := 0 // end of the previous address; addresses do not overlap
	for at, r := range rs {
		if r != '@' || at < last {
			continue
		}
		start := at
		for start > last && at-start < maxEmailLocal && isEmailLocal(rs[start-1]) {
			start--
		}
		for start < at && !isAlnum(rs[start]) {
			start++
		}
		if start == at {
			continue
		}
		end := at + 1
		for end < len(rs) && end-at <= maxEmailDomain && isEmailDomain(rs[end]) {
			end++
		}
		// cut back to the end of the last label that is a valid top-level domain
		for end > at+1 && !isAlnum(rs[end-1]) {
			end--
		}
		if end, ok := emailDomainEnd(rs[at+1 : end]); ok {
			add(KindEmail, start, at+1+end)
			last = at + 1 + end
		}
	}
}

// emailDomainEnd checks a domain of labels joined by dots and returns its
// length: at least two labels of 1-63 letters, digits or dashes, not
// starting with a dash, the last of 2-24 letters.
func emailDomainEnd(d []rune) (int, bool) {
	labels, labelStart, tld := 0, 0, []rune(nil)
	for i := 0; i <= len(d); i++ {
		if i < len(d) && d[i] != '.' {
			continue
		}
		label := d[labelStart:i]
		if len(label) == 0 || len(label) > maxEmailLabel || label[0] == '-' {
			return 0, false
		}
		labels++
		labelStart, tld = i+1, label
	}
	if labels < 2 {
		return 0, false
	}
	if len(tld) < 2 || len(tld) > 24 {
		return 0, false
	}
	for _, r := range tld {
		if !isASCIILetter(r) {
			return 0, false
		}
	}
	return len(d), true
}
