package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/geo"
	"github.com/tongban/tongban/internal/mongodb"
	"github.com/tongban/tongban/internal/outbox"
	"github.com/tongban/tongban/internal/privacy"
	"github.com/tongban/tongban/matching"
)

type needTemplate struct {
	kind, category string
	titles         []string
	narratives     []string
}

var needTemplates = []needTemplate{
	{matching.KindPairing, "tutoring",
		[]string{"周末%s课业辅导", "%s基础薄弱，希望有人辅导", "留守儿童%s线上辅导", "寒假%s学习陪伴"},
		[]string{
			"孩子父母在外务工，由祖辈照顾，%s基础薄弱，作业常常没人辅导。希望志愿者每周固定时间陪伴学习，帮助养成学习习惯。",
			"%d名孩子在同一个童伴之家活动，%s成绩跟不上，希望有耐心的志愿者每周辅导一到两次，可以线上进行。",
			"孩子性格内向，%s作业遇到困难时不敢问老师。希望志愿者以鼓励为主，陪孩子一起完成作业。",
		}},
	{matching.KindPairing, "companionship",
		[]string{"亲情陪护：每周通话陪伴", "周末陪伴阅读与游戏", "童伴之家周末陪伴"},
		[]string{
			"孩子长期与奶奶生活，父母一年回家一次。希望志愿者每周陪孩子聊天、读书，做一个可以信任的大朋友。",
			"%d名孩子周末在村童伴之家活动，缺少陪伴和引导，希望志愿者组织阅读、手工和户外游戏。",
		}},
	{matching.KindPairing, "psychological",
		[]string{"心理辅导：情绪疏导陪伴", "青春期心理支持", "心理陪伴：适应新学校"},
		[]string{
			"孩子近期情绪低落、不愿与人交流，学校老师建议寻求专业心理支持。需要具备心理咨询资质的志愿者，在公共场所或线上进行。",
			"孩子刚转学，适应困难，经常失眠。希望有心理辅导经验的志愿者每两周陪伴一次，并与社工保持沟通。",
		}},
	{matching.KindInKind, "winter_clothing",
		[]string{"寒冬送温暖：棉衣%d件", "山区孩子冬衣需求", "冬季棉衣棉鞋"},
		[]string{
			"山区冬季气温低，%d名孩子缺少合身的棉衣，按尺码统计如下，欢迎认捐。物资由组织统一验收并发放。",
			"村小学部分孩子冬天只穿单衣，学校统计了孩子们的尺码，希望爱心人士认捐棉衣和棉鞋。",
		}},
	{matching.KindInKind, "school_supplies",
		[]string{"新学期文具书包", "图书角建设：课外读物", "学习用品认捐"},
		[]string{
			"新学期开学，%d名孩子需要书包和文具，按年级统计如下。",
			"童伴之家计划建设图书角，需要适合小学中高年级的课外读物。",
		}},
	{matching.KindFunding, "scholarship",
		[]string{"圆梦大学：%d名新生助学", "困境学生助学金"},
		[]string{
			"今年有%d名困境家庭学生考入大学，每人资助入学费用，款项直接拨付学校或经核实后发放，并公开票据。",
			"高中在读的困境学生面临辍学风险，希望筹集助学金，按学期发放并公示使用情况。",
		}},
	{matching.KindFunding, "living_allowance",
		[]string{"困境儿童生活补助", "冬季取暖补助"},
		[]string{
			"%d名困境儿童家庭收入不稳定，希望筹集生活补助，按月发放，财务公开。",
		}},
}

var subjectCN = map[string]string{"chinese": "语文", "math": "数学", "english": "英语", "physics": "物理", "science": "科学"}

// seedNeeds adds 40×size needs spread over the demo organisations.
func seedNeeds(ctx context.Context, m *Main, r *rand.Rand, size int, orgIDs map[string]string, authorID, reviewerID string) error {
	store := mongodb.NewNeedStore(m.DB)
	var all []*matching.Need
	orgs := []string{"共青团隆安县委员会", "隆安县妇女联合会", "共青团溪口县委员会", "溪口县妇女联合会", "云溪市青禾公益服务中心", "白石县新田镇初级中学"}
	counties := geo.SortedCounties()
	base := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	for i := range 40 * size {
		tpl := needTemplates[r.IntN(len(needTemplates))]
		orgName := orgs[r.IntN(len(orgs))]
		county := counties[r.IntN(len(counties))]
		subj := []string{"math", "chinese", "english", "physics", "science"}[r.IntN(5)]
		children := 1 + r.IntN(6)
		fill := func(s string) string {
			switch {
			case strings.Contains(s, "%s") && strings.Contains(s, "%d"):
				return fmt.Sprintf(s, children, subjectCN[subj])
			case strings.Contains(s, "%s"):
				return fmt.Sprintf(s, subjectCN[subj])
			case strings.Contains(s, "%d"):
				return fmt.Sprintf(s, children)
			}
			return s
		}
		age := 6 + r.IntN(9)
		created := base.Add(time.Duration(i) * 37 * time.Minute)
		n := &matching.Need{ID: tongban.NewID(), OrgID: orgIDs[orgName], OrgName: orgName, Kind: tpl.kind, Category: tpl.category,
			Title: fill(tpl.titles[r.IntN(len(tpl.titles))]), Narrative: fill(tpl.narratives[r.IntN(len(tpl.narratives))]),
			CountyCode: county.Code, CountyName: county.Name, TownshipCode: county.Townships[r.IntN(len(county.Townships))].Code,
			AgeBand: matching.Band{Min: age, Max: age + 2}, Children: children, Subjects: []string{}, Schedule: []matching.Slot{},
			Languages: []string{"zh"}, Items: []matching.Item{}, Mode: []string{matching.ModeOnline, matching.ModeInPerson, matching.ModeEither}[r.IntN(3)],
			Urgency: 1 + r.IntN(5), CaseRef: fmt.Sprintf("YX-%s-%04d", county.Code[4:], i+1), InternalNotes: "台账编号见本单位系统",
			CreatedBy: authorID, CreatedAt: created, UpdatedAt: created, Version: 1}
		if n.Kind == matching.KindPairing {
			n.VolunteersWanted = 1 + r.IntN(2)
			n.Schedule = []matching.Slot{{Day: 6, Start: "09:00", End: "11:00"}, {Day: 3, Start: "19:00", End: "20:30"}}[:1+r.IntN(2)]
			if n.Category == "tutoring" {
				n.Subjects = []string{subj}
				g := min(max(age-6, 1), 10)
				n.GradeBand = &matching.Band{Min: g, Max: g + 2}
			}
			if n.Category == "psychological" {
				n.Safeguarding.PublicVenueOnly = true
			}
			if r.IntN(3) == 0 {
				n.Safeguarding.FemaleVolunteer = true
			}
		}
		if n.Kind == matching.KindInKind {
			typ := "winter_coat"
			if n.Category == "school_supplies" {
				typ = []string{"school_bag", "stationery", "books"}[r.IntN(3)]
			}
			for _, size := range []string{"110", "120", "130", "140", "150", "160", "170"}[r.IntN(3) : 3+r.IntN(5)] {
				sz := size
				if typ != "winter_coat" {
					sz = ""
				}
				n.Items = append(n.Items, matching.Item{Type: typ, Size: sz, Count: 1 + r.IntN(12)})
				if sz == "" {
					break
				}
			}
		}
		if n.Kind == matching.KindFunding {
			n.PerBeneficiaryFen = int64(2000+r.IntN(4)*1000) * 100
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
	ownFunding(all, orgIDs["共青团隆安县委员会"], "共青团隆安县委员会", "439921", 2)
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

// ownFunding makes sure the organisation has at least want published
// funding needs in its county (the demo campaigns of 共青团隆安县委员会 fund
// its own needs), taking over other organisations' published funding needs
// when the random draw gave it fewer.
func ownFunding(all []*matching.Need, orgID, orgName, countyCode string, want int) {
	county := geo.Counties[countyCode]
	have := 0
	for _, n := range all {
		if n.OrgID == orgID && n.Kind == matching.KindFunding && n.Status == matching.StatusPublished {
			have++
		}
	}
	for _, n := range all {
		if have >= want {
			return
		}
		if n.OrgID != orgID && n.Kind == matching.KindFunding && n.Status == matching.StatusPublished {
			n.OrgID, n.OrgName = orgID, orgName
			n.CountyCode, n.CountyName, n.TownshipCode = county.Code, county.Name, county.Townships[have%len(county.Townships)].Code
			have++
		}
	}
}
