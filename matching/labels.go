package matching

// Labels are the Chinese and English names of kinds, categories, subjects
// and item types, used for bilingual search and displays.
var Labels = map[string][2]string{
	KindPairing: {"结对", "pairing"}, KindInKind: {"物资", "in-kind goods"}, KindFunding: {"资助", "funding"},
	"tutoring": {"课业辅导", "tutoring homework help"}, "companionship": {"亲情陪护", "companionship"},
	"psychological":   {"心理辅导", "psychological support counselling"},
	"winter_clothing": {"冬衣 棉衣", "winter clothing"}, "shoes": {"鞋子", "shoes"}, "school_supplies": {"学习用品 文具", "school supplies"},
	"books": {"图书", "books"}, "other_goods": {"其他物资", "other goods"},
	"scholarship": {"助学金 圆梦大学", "scholarship"}, "living_allowance": {"生活补助", "living allowance"},
	"medical": {"医疗救助", "medical"}, "general": {"综合资助", "general support"},
	"chinese": {"语文", "Chinese"}, "math": {"数学", "math mathematics"}, "english": {"英语", "English"},
	"physics": {"物理", "physics"}, "chemistry": {"化学", "chemistry"}, "biology": {"生物", "biology"},
	"history": {"历史", "history"}, "geography": {"地理", "geography"}, "politics": {"道德与法治", "civics"},
	"science": {"科学", "science"}, "art": {"美术", "art"}, "music": {"音乐", "music"}, "pe": {"体育", "sports PE"}, "it": {"信息技术", "computing IT"},
	"winter_coat": {"棉衣", "winter coat"}, "school_bag": {"书包", "school bag"}, "stationery": {"文具", "stationery"},
	"quilt": {"棉被", "quilt"}, "sportswear": {"运动服", "sportswear"}, "other": {"其他", "other"},
	ModeOnline: {"线上", "online"}, ModeInPerson: {"线下", "in person"}, ModeEither: {"线上或线下", "online or in person"},
}

// Tags returns the bilingual labels of a need's kind, category, subjects,
// item types and mode, for full-text search.
func (n *Need) Tags() []string {
	keys := []string{n.Kind, n.Category, n.Mode}
	keys = append(keys, n.Subjects...)
	for _, it := range n.Items {
		keys = append(keys, it.Type)
	}
	var out []string
	seen := map[string]bool{}
	for _, k := range keys {
		if l, ok := Labels[k]; ok && !seen[k] {
			seen[k] = true
			out = append(out, l[0], l[1])
		}
	}
	return out
}
