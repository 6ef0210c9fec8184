package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/geo"
	"github.com/tongban/tongban/internal/mongodb"
	"github.com/tongban/tongban/internal/outbox"
	"github.com/tongban/tongban/internal/privacy"
	"github.com/tongban/tongban/matching"
)

// Demo organisations that post needs.
const (
	orgLonganYL     = "共青团隆安县委员会"
	orgLonganWF     = "隆安县妇女联合会"
	orgXikouYL      = "共青团溪口县委员会"
	orgXikouWF      = "溪口县妇女联合会"
	orgBaishiCA     = "白石县民政局"
	orgXintianMS    = "白石县新田镇初级中学"
	orgYunlingEdu   = "云岭县教育局"
	orgQingheNGO    = "云溪市青禾公益服务中心"
	orgTongxinSWork = "云溪市童心社会工作服务社"
)

// demoOrgTownship pins the needs of an organisation that sits in one
// township (a school) to that township.
var demoOrgTownship = map[string]string{orgXintianMS: "439923101"}

var (
	slotSatMorning = matching.Slot{Day: 6, Start: "09:00", End: "11:00"}
	slotSunAfter   = matching.Slot{Day: 7, Start: "14:30", End: "16:30"}
	slotWedEvening = matching.Slot{Day: 3, Start: "19:00", End: "20:30"}
	slotFriAfter   = matching.Slot{Day: 5, Start: "16:30", End: "18:00"}
)

// needTemplate is one kind of need a coordinator writes: who posts it, how
// it is met (mode, schedule, items), for which ages, and its texts. Texts
// take {n} (children), {town}, {county}, {ages}, {grades}, {subject} and
// {per} (yuan per child); they never name or locate a child. A text may
// offer variants separated by |; urgency is urgencyLow or one more.
type needTemplate struct {
	kind, category, mode string
	orgs                 []string
	ageLow, ageHigh      int // lowest and highest first year of the 3-year age band
	childLow, childHigh  int
	subjects             []string // tutoring: one is chosen, fitting the grades
	wanted               int      // volunteers wanted (pairing)
	schedule             []matching.Slot
	female, publicVenue  bool
	items                func(r *rand.Rand, age, children int) []matching.Item
	perYuan              []int // funding: per beneficiary, in yuan
	urgencyLow           int
	title, narrative     string
}

var needTemplates = []needTemplate{
	// 0-2: homework help.
	{kind: matching.KindPairing, category: "tutoring", mode: matching.ModeInPerson, orgs: []string{orgLonganYL, orgLonganYL, orgLonganWF, orgLonganWF, orgXikouYL, orgXikouWF},
		ageLow: 7, ageHigh: 9, childLow: 3, childHigh: 8, subjects: []string{"math", "chinese", "english"}, wanted: 2, schedule: []matching.Slot{slotSatMorning}, urgencyLow: 2,
		title:     "{town}童伴之家周末{subject}辅导|{town}童伴之家{subject}作业辅导|周六上午{subject}作业陪伴（{grades}）",
		narrative: "{town}童伴之家有{n}名{grades}的孩子，父母在外务工，平时由祖辈照顾，{subject}作业常常没人辅导。希望志愿者每周六上午到童伴之家陪孩子完成作业、讲解错题，帮助养成学习习惯。"},
	{kind: matching.KindPairing, category: "tutoring", mode: matching.ModeOnline, orgs: []string{orgLonganYL, orgLonganYL, orgLonganWF, orgXikouYL, orgQingheNGO},
		ageLow: 8, ageHigh: 11, childLow: 1, childHigh: 1, subjects: []string{"math", "english", "chinese"}, wanted: 1, schedule: []matching.Slot{slotWedEvening}, urgencyLow: 2,
		title: "{grades}{subject}线上辅导|留守儿童{subject}线上辅导",
		narrative: "孩子父母在外务工，家里有平板可以上网课，{subject}基础薄弱，作业遇到难题没人可问。希望志愿者每周三晚上通过视频辅导一次，讲解错题、检查作业，以鼓励为主。|" +
			"孩子父母在外务工，由祖辈照顾，{subject}成绩下滑明显。家里可以用手机视频，希望志愿者每周三晚上线上辅导一次，帮孩子查漏补缺、养成按时完成作业的习惯。"},
	{kind: matching.KindPairing, category: "tutoring", mode: matching.ModeEither, orgs: []string{orgXintianMS, orgXintianMS, orgLonganYL, orgLonganYL, orgXikouYL},
		ageLow: 12, ageHigh: 12, childLow: 4, childHigh: 12, subjects: []string{"math", "english", "physics"}, wanted: 2, schedule: []matching.Slot{slotFriAfter, slotWedEvening}, urgencyLow: 2,
		title:     "初中{subject}晚自习答疑|住校生{subject}答疑辅导",
		narrative: "{n}名住校的初中学生{subject}成绩跟不上，晚自习遇到问题没人答疑。希望志愿者每周辅导一到两次，可以到校在教室辅导，也可以线上进行。"},
	// 3-4: companionship, always in person in the county.
	{kind: matching.KindPairing, category: "companionship", mode: matching.ModeInPerson, orgs: []string{orgLonganYL, orgLonganYL, orgLonganWF, orgLonganWF, orgXikouWF, orgXikouYL},
		ageLow: 6, ageHigh: 9, childLow: 8, childHigh: 20, wanted: 2, schedule: []matching.Slot{slotSatMorning}, urgencyLow: 2,
		title:     "{town}童伴之家周末陪伴|周末陪伴：阅读、手工与户外游戏",
		narrative: "{town}童伴之家每周末有{n}名孩子参加活动，大多由祖辈照顾，缺少陪伴和引导。希望志愿者每周六上午来组织阅读、手工和户外游戏，做孩子信任的大朋友。"},
	{kind: matching.KindPairing, category: "companionship", mode: matching.ModeInPerson, orgs: []string{orgLonganWF, orgLonganWF, orgXikouWF, orgLonganYL},
		ageLow: 7, ageHigh: 10, childLow: 1, childHigh: 1, wanted: 1, schedule: []matching.Slot{slotSunAfter}, female: true, urgencyLow: 3,
		title:     "亲情陪护：每周陪伴一名女孩|亲情陪护：周日下午陪伴聊天读书",
		narrative: "孩子长期跟祖辈生活，父母一年回家一次，性格内向。希望住在{county}、能长期坚持的女性志愿者每周日下午在童伴之家陪孩子聊天、读书，至少坚持一个学期。"},
	// 5-7: psychological support, public venues only.
	{kind: matching.KindPairing, category: "psychological", mode: matching.ModeEither, orgs: []string{orgQingheNGO, orgTongxinSWork, orgLonganWF, orgLonganWF, orgXikouWF},
		ageLow: 9, ageHigh: 12, childLow: 1, childHigh: 1, wanted: 1, schedule: []matching.Slot{slotSunAfter}, publicVenue: true, urgencyLow: 3,
		title:     "心理辅导：情绪疏导陪伴|心理支持：帮助孩子走出低落情绪",
		narrative: "孩子近期情绪低落、不愿与人交流，老师建议寻求专业心理支持。需要具备心理咨询资质或相关培训经历的志愿者，每两周一次，在学校心理辅导室或线上进行，并与社工保持沟通。"},
	{kind: matching.KindPairing, category: "psychological", mode: matching.ModeInPerson, orgs: []string{orgXintianMS, orgLonganWF, orgLonganWF, orgXikouWF},
		ageLow: 12, ageHigh: 13, childLow: 6, childHigh: 10, wanted: 1, schedule: []matching.Slot{slotFriAfter}, female: true, publicVenue: true, urgencyLow: 3,
		title:     "青春期女生小组心理辅导|青春期心理支持小组（女生）",
		narrative: "{n}名初中女生进入青春期，有心事不知道向谁倾诉。希望有心理辅导经验的女性志愿者每两周的周五下午在学校心理辅导室开展一次小组谈心。"},
	{kind: matching.KindPairing, category: "psychological", mode: matching.ModeOnline, orgs: []string{orgQingheNGO, orgTongxinSWork, orgLonganYL, orgLonganWF},
		ageLow: 10, ageHigh: 13, childLow: 1, childHigh: 1, wanted: 1, schedule: []matching.Slot{slotWedEvening}, publicVenue: true, urgencyLow: 3,
		title: "心理陪伴：帮助孩子适应寄宿生活|寄宿新生心理陪伴",
		narrative: "孩子刚升入寄宿制学校，离开祖辈后适应困难、经常失眠。希望有心理辅导经验的志愿者每周三晚上视频陪伴一次，倾听和鼓励孩子，并与驻校社工保持沟通。|" +
			"孩子今年开始住校，每周只回家一次，常常想家、夜里睡不好。希望有心理辅导经验的志愿者每周三晚上视频陪伴，倾听孩子的烦恼，并与学校社工沟通孩子的情况。"},
	// 8-11: goods, by size where sizes matter.
	{kind: matching.KindInKind, category: "winter_clothing", mode: matching.ModeInPerson, orgs: []string{orgLonganYL, orgLonganWF, orgXikouYL, orgXikouWF, orgBaishiCA},
		ageLow: 6, ageHigh: 10, childLow: 8, childHigh: 30, items: coatItems(false), urgencyLow: 4,
		title:     "寒冬送温暖：{town}{n}件棉衣",
		narrative: "山区冬季气温低，{town}有{n}名{ages}岁的孩子缺少合身的棉衣。社工已按身高统计尺码，欢迎按尺码认捐；物资统一验收后发放到孩子手中，发放时拍照留档。"},
	{kind: matching.KindInKind, category: "winter_clothing", mode: matching.ModeInPerson, orgs: []string{orgXintianMS, orgXintianMS, orgLonganYL, orgXikouYL},
		ageLow: 12, ageHigh: 13, childLow: 6, childHigh: 24, items: coatItems(true), urgencyLow: 4,
		title:     "住校学生冬季棉衣棉鞋",
		narrative: "{town}一所初中有{n}名住校学生冬天只有单衣和布鞋，班主任按尺码统计如下，希望爱心人士认捐棉衣和棉鞋，由学校统一验收、登记后发放。"},
	{kind: matching.KindInKind, category: "school_supplies", mode: matching.ModeInPerson, orgs: []string{orgLonganYL, orgXikouYL, orgYunlingEdu, orgLonganWF},
		ageLow: 6, ageHigh: 9, childLow: 10, childHigh: 40, items: schoolItems, urgencyLow: 2,
		title:     "新学期书包文具认捐",
		narrative: "{town}有{n}名{ages}岁的孩子新学期需要书包和文具，按人数统计如下，欢迎认捐；物资统一验收后在开学时发放。"},
	{kind: matching.KindInKind, category: "books", mode: matching.ModeInPerson, orgs: []string{orgLonganYL, orgXikouWF, orgYunlingEdu, orgQingheNGO},
		ageLow: 6, ageHigh: 9, childLow: 15, childHigh: 40, items: bookItems, urgencyLow: 1,
		title:     "{town}童伴之家图书角",
		narrative: "{town}童伴之家计划建设图书角，供{n}名孩子借阅，需要适合{ages}岁孩子的课外读物，绘本、科普和儿童文学均可，请勿捐赠教辅和破损图书。"},
	// 12-15: money.
	{kind: matching.KindFunding, category: "scholarship", mode: matching.ModeInPerson, orgs: []string{orgLonganYL, orgYunlingEdu, orgXikouYL},
		ageLow: 16, ageHigh: 16, childLow: 2, childHigh: 6, perYuan: []int{5000, 6000}, urgencyLow: 3,
		title:     "圆梦大学：{n}名新生助学|{county}圆梦大学助学：{n}名新生",
		narrative: "今年{county}有{n}名困境家庭学生考入大学，每人资助入学费用{per}元，款项直接拨付学校或经核实后发放，并公开票据。"},
	{kind: matching.KindFunding, category: "scholarship", mode: matching.ModeInPerson, orgs: []string{orgBaishiCA, orgLonganYL, orgXikouWF, orgYunlingEdu},
		ageLow: 15, ageHigh: 15, childLow: 3, childHigh: 10, perYuan: []int{1500, 2000}, urgencyLow: 3,
		title:     "高中困境学生助学金",
		narrative: "{county}有{n}名高中在读的困境学生面临辍学风险，希望筹集助学金，每人每学期{per}元，按学期发放并公示使用情况。"},
	{kind: matching.KindFunding, category: "living_allowance", mode: matching.ModeInPerson, orgs: []string{orgLonganWF, orgXikouWF, orgBaishiCA, orgQingheNGO},
		ageLow: 6, ageHigh: 10, childLow: 3, childHigh: 12, perYuan: []int{1200, 1800, 2400}, urgencyLow: 2,
		title:     "困境儿童生活补助",
		narrative: "{n}名困境儿童家庭收入不稳定，希望筹集生活补助，每人{per}元，分月发放，财务公开。"},
	{kind: matching.KindFunding, category: "living_allowance", mode: matching.ModeInPerson, orgs: []string{orgBaishiCA, orgXikouWF, orgLonganWF},
		ageLow: 6, ageHigh: 10, childLow: 5, childHigh: 15, perYuan: []int{600, 800, 1000}, urgencyLow: 4,
		title:     "冬季取暖补助",
		narrative: "山区冬季寒冷，{n}名困境儿童家中缺少取暖设备，每名孩子补助{per}元，统一采购取暖器和电热毯并公开票据。"},
}

// demoNeedMix is the mix of templates in every 40 needs: pairings (the
// heart of the service) three times each, goods and money twice each.
var demoNeedMix = []int{0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6, 7, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15}

// demoScholarship is the template every twentieth need uses for
// 共青团隆安县委员会: its demo campaign 圆梦大学 2026 funds its own needs.
const demoScholarship = 12

// coatSize is the usual children's coat size (height in cm) at an age.
func coatSize(age int) int { return (90 + 5*age) / 10 * 10 }

// coatItems lists winter coats (and shoes) by size for the age band,
// counting every child once.
func coatItems(shoes bool) func(r *rand.Rand, age, children int) []matching.Item {
	return func(r *rand.Rand, age, children int) []matching.Item {
		var sizes []string
		for s := coatSize(age); s <= coatSize(age+2)+10; s += 10 {
			sizes = append(sizes, fmt.Sprint(s))
		}
		items := spread(r, "winter_coat", sizes, children)
		if shoes {
			var ss []string
			for s := 24 + age; s <= 27+age; s++ {
				ss = append(ss, fmt.Sprint(s))
			}
			items = append(items, spread(r, "shoes", ss, children)...)
		}
		return items
	}
}

// spread shares children over the sizes: at least one each where there
// are enough children, most in the middle sizes.
func spread(r *rand.Rand, typ string, sizes []string, children int) []matching.Item {
	counts := make([]int, len(sizes))
	left := children
	for i := range counts {
		if left > 0 {
			counts[i]++
			left--
		}
	}
	for ; left > 0; left-- {
		i := r.IntN(len(sizes))
		if i == 0 || i == len(sizes)-1 {
			i = r.IntN(len(sizes))
		}
		counts[i]++
	}
	var items []matching.Item
	for i, c := range counts {
		if c > 0 {
			items = append(items, matching.Item{Type: typ, Size: sizes[i], Count: c})
		}
	}
	return items
}

func schoolItems(_ *rand.Rand, _, children int) []matching.Item {
	return []matching.Item{{Type: "school_bag", Count: children}, {Type: "stationery", Count: children, Note: "每套含铅笔、橡皮、尺子和作业本"}}
}

func bookItems(r *rand.Rand, _, children int) []matching.Item {
	return []matching.Item{{Type: "books", Count: children*4 + 10*r.IntN(5), Note: "绘本、科普、儿童文学"}}
}

var subjectCN = map[string]string{"chinese": "语文", "math": "数学", "english": "英语", "physics": "物理", "science": "科学"}

// gradesCN names a grade band as a coordinator would: 小学三至五年级,
// 初一至初三, 五年级至初一.
func gradesCN(b matching.Band) string {
	digits := []string{"", "一", "二", "三", "四", "五", "六"}
	name := func(g int) string {
		switch {
		case g <= 6:
			return digits[g] + "年级"
		case g <= 9:
			return "初" + digits[g-6]
		}
		return "高" + digits[g-9]
	}
	if b.Max <= 6 {
		return "小学" + digits[b.Min] + "至" + digits[b.Max] + "年级"
	}
	return name(b.Min) + "至" + name(b.Max)
}

// fitsGrades tells whether a subject is taught in the grade band: English
// from grade 3, physics from grade 8.
func fitsGrades(subject string, b matching.Band) bool {
	switch subject {
	case "english":
		return b.Min >= 3
	case "physics":
		return b.Max >= 8
	}
	return true
}

// seedNeeds adds 40×size needs spread over the demo organisations. Each
// need comes from a template that fits its organisation: the county is the
// organisation's county, and mode, ages, grades, subjects, items and texts
// fit together.
func seedNeeds(ctx context.Context, m *Main, r *rand.Rand, size int, orgIDs map[string]string, authorID, reviewerID string) error {
	store := mongodb.NewNeedStore(m.DB)
	var all []*matching.Need
	orgCounty := map[string]string{}
	for _, o := range demoOrgs {
		orgCounty[o.Name] = o.CountyCode
	}
	base := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	var order []int
	for i := range 40 * size {
		if i%len(demoNeedMix) == 0 {
			order = r.Perm(len(demoNeedMix)) // every 40 needs hold the mix exactly
		}
		tpl := needTemplates[demoNeedMix[order[i%len(demoNeedMix)]]]
		orgName := tpl.orgs[r.IntN(len(tpl.orgs))]
		if i%20 == 2 {
			tpl, orgName = needTemplates[demoScholarship], orgLonganYL
		}
		county := geo.Counties[orgCounty[orgName]]
		town := county.Townships[r.IntN(len(county.Townships))]
		if code, ok := demoOrgTownship[orgName]; ok {
			for _, t := range county.Townships {
				if t.Code == code {
					town = t
				}
			}
		}
		age := tpl.ageLow + r.IntN(tpl.ageHigh-tpl.ageLow+1)
		band := matching.Band{Min: age, Max: age + 2}
		grades := matching.Band{Min: max(age-5, 1), Max: min(age-3, 12)} // grade 1 at six
		children := tpl.childLow + r.IntN(tpl.childHigh-tpl.childLow+1)
		subj := ""
		if len(tpl.subjects) > 0 {
			var fit []string
			for _, s := range tpl.subjects {
				if fitsGrades(s, grades) {
					fit = append(fit, s)
				}
			}
			subj = fit[r.IntN(len(fit))]
		}
		per := 0
		if len(tpl.perYuan) > 0 {
			per = tpl.perYuan[r.IntN(len(tpl.perYuan))]
		}
		pick := func(s string) string { // texts may offer variants, split by |
			v := strings.Split(s, "|")
			return v[r.IntN(len(v))]
		}
		fill := strings.NewReplacer("{n}", fmt.Sprint(children), "{town}", town.Name, "{county}", county.Name,
			"{ages}", fmt.Sprintf("%d–%d", band.Min, band.Max), "{grades}", gradesCN(grades), "{subject}", subjectCN[subj], "{per}", fmt.Sprint(per)).Replace
		created := base.Add(time.Duration(i) * 37 * time.Minute)
		n := &matching.Need{ID: tongban.NewID(), OrgID: orgIDs[orgName], OrgName: orgName, Kind: tpl.kind, Category: tpl.category,
			Title: fill(pick(tpl.title)), Narrative: fill(pick(tpl.narrative)),
			CountyCode: county.Code, CountyName: county.Name, TownshipCode: town.Code,
			AgeBand: band, Children: children, Subjects: []string{}, Schedule: []matching.Slot{},
			Languages: []string{"zh"}, Items: []matching.Item{}, Mode: tpl.mode,
			Urgency: tpl.urgencyLow + r.IntN(2), CaseRef: fmt.Sprintf("YX-%s-%04d", county.Code[4:], i+1), InternalNotes: "台账编号见本单位系统",
			CreatedBy: authorID, CreatedAt: created, UpdatedAt: created, Version: 1}
		switch n.Kind {
		case matching.KindPairing:
			n.VolunteersWanted = tpl.wanted
			n.Schedule = slices.Clone(tpl.schedule)
			if n.Category == "tutoring" {
				n.Subjects = []string{subj}
				g := grades
				n.GradeBand = &g
			}
			n.Safeguarding.FemaleVolunteer = tpl.female
			n.Safeguarding.PublicVenueOnly = tpl.publicVenue
		case matching.KindInKind:
			n.Items = tpl.items(r, age, children)
		case matching.KindFunding:
			n.PerBeneficiaryFen = int64(per) * 100
			n.TargetFen = n.PerBeneficiaryFen * int64(children)
		}
		if err := n.Validate(geo.LookupCounty, geo.TownshipInCounty); err != nil {
			return fmt.Errorf("demo need %d invalid: %w", i, describe(err))
		}
		if err := privacy.Check(n.PublicTexts()); err != nil {
			return fmt.Errorf("demo need %d fails the PII screen: %w", i, describe(err))
		}
		n.History = []matching.Transition{{To: matching.StatusDraft, By: authorID, At: created}}
		switch k := i % 10; {
		case k == 0:
			n.Status = matching.StatusDraft
		case k == 1:
			n.Status = matching.StatusInReview
			n.History = append(n.History, matching.Transition{From: matching.StatusDraft, To: matching.StatusInReview, By: authorID, At: created.Add(time.Hour)})
		default:
			n.Status = matching.StatusPublished
			pub := created.Add(26 * time.Hour)
			n.PublishedAt = &pub
			n.History = append(n.History,
				matching.Transition{From: matching.StatusDraft, To: matching.StatusInReview, By: authorID, At: created.Add(time.Hour)},
				matching.Transition{From: matching.StatusInReview, To: matching.StatusPublished, By: reviewerID, At: pub})
		}
		all = append(all, n)
	}
	if err := store.CreateNeeds(ctx, all); err != nil {
		return err
	}
	// The index is derived data: rebuild it in one pass rather than through
	// thousands of outbox entries.
	if _, err := outbox.Reindex(ctx, m.Sources[matching.NeedIndex], nil); err != nil {
		return err
	}
	return nil
}
