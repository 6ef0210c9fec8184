package privacy

import "strings"

// singleSurnames are the common single-character surnames (百家姓, ordered
// roughly by frequency). Surnames that are mostly used as function words in
// running text (和, 于, 由, 都, 来, 那, 应, 时, 全, 平, 明, 国, 海 ...) are left
// out: a name with one of them is still found when it carries a compound
// given name, but not at the cost of flagging ordinary sentences.
const singleSurnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂佟臧闵苟邬边卞姬仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩佘池查麻苑迟邝官封谈匡鞠惠荆冀郁胥班储栗燕楚鄢劳谌奚皮粟冼蔺楼阚权帅屠豆朴盖练廉禹祖漆丰卿狄晁芮扈鹿邸雍辜羊裘亓邰赫杭况逯茹慕嵇湛戎茅揭尉檀"

// compoundSurnames are the common two-character surnames.
var compoundSurnames = []string{
	"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯",
	"轩辕", "令狐", "端木", "独孤", "南宫", "西门", "百里", "呼延", "申屠", "万俟", "闻人", "澹台", "公冶",
	"太史", "濮阳", "钟离", "宗政", "赫连", "第五", "司空", "东郭", "左丘", "拓跋",
}

// labelWords introduce a person (kinship, child or school word) when a name
// follows them: "孩子王某某", "其父李建国", "学生刘洋", "孙女陈思".
var labelWords = []string{
	"孩子", "小孩", "儿童", "学生", "同学", "小朋友", "患儿", "受助人", "受助儿童", "留守儿童", "女孩", "男孩",
	"女生", "男生", "孙子", "孙女", "外孙", "外孙女", "儿子", "女儿", "其父", "其母", "其子", "其女", "之子", "之女",
	"父亲", "母亲", "爸爸", "妈妈", "爷爷", "奶奶", "外公", "外婆", "姥姥", "姥爷", "祖父", "祖母", "外祖父",
	"外祖母", "哥哥", "姐姐", "弟弟", "妹妹", "叔叔", "伯伯", "舅舅", "姑姑", "婶婶", "监护人", "家长",
	"养父", "养母", "继父", "继母", "丈夫", "妻子", "姓名", "名叫", "名字叫", "取名", "学员", "幼儿",
}

// kinWords follow a name joined by 的: "张小明的妈妈".
var kinWords = []string{
	"孩子", "儿子", "女儿", "孙子", "孙女", "外孙", "外孙女", "父亲", "母亲", "爸爸", "妈妈", "爷爷", "奶奶",
	"外公", "外婆", "姥姥", "姥爷", "祖父", "祖母", "哥哥", "姐姐", "弟弟", "妹妹", "叔叔", "伯伯", "舅舅",
	"姑姑", "婶婶", "阿姨", "监护人", "家长", "父母", "养父", "养母", "继父", "继母", "同学", "班主任", "家人",
	"家里", "家庭", "小名",
}

// suffixWords follow a name directly: "张小明妈妈", "刘洋同学".
var suffixWords = []string{
	"同学", "小朋友", "妈妈", "爸爸", "奶奶", "爷爷", "外婆", "外公", "姥姥", "姥爷", "母亲", "父亲", "家长",
}

// nonGiven are characters that do not occur in given names but often follow
// a surname character in ordinary text: function words, units, kinship and
// title words.
const nonGiven = "的了是在和与也都就很不没有要会能说去来上下们这那个把被给让对从到由为以及或而但又还已将可每各自其该等" +
	"年月日岁时里外后前地得着过吗呢吧啊呀么什怎果因所之乎者啦哦嗯才刚再更最太非次号元块位名周点分钟班级校" +
	"村镇县市省区组边面亲爸妈爷奶婆姥叔伯舅姑姨婶哥姐弟妹师医任孩童父母儿孙们些样种件条只双套份场" +
	"例即便使较用当做作写看听读习课题考试绩几两第零二三四五六七八九十百亿"

// stopWords are ordinary words that start with a surname character; a name
// candidate that starts with one of them is not a name.
var stopWords = []string{
	"马上", "高兴", "高中", "高考", "高度", "高低", "方面", "方式", "方法", "方便", "方向", "方案", "成绩", "成长",
	"成为", "成功", "成年", "成人", "成员", "成本", "成效", "安全", "安排", "安静", "安心", "安置", "安慰", "常常",
	"常年", "常用", "常规", "常见", "向上", "向往", "周末", "周围", "周边", "周六", "周日", "周一", "周二", "周三",
	"周四", "周五", "周岁", "周期", "周到", "文化", "文具", "文字", "文章", "文静", "文明", "文艺", "文件", "白天",
	"白色", "石头", "金钱", "金额", "钱财", "钱包", "江西", "江苏", "江边", "毛衣", "毛病", "毛巾", "车费", "车上",
	"车程", "车辆", "车票", "包括", "包裹", "包含", "包子", "程度", "程序", "关心", "关爱", "关系", "关注", "关于",
	"关键", "关怀", "解决", "解释", "解答", "解题", "宁愿", "管理", "管教", "管护", "连续", "连忙", "单亲", "单独",
	"单元", "单词", "任何", "任务", "任课", "陆续", "曾经", "万一", "万元", "严重", "严格", "严厉", "牛奶", "齐全",
	"许多", "许可", "余下", "余额", "康复", "房子", "房间", "房屋", "房租", "费用", "卫生", "米饭", "舒服", "舒适",
	"党员", "游戏", "游泳", "辛苦", "符合", "尚未", "师生", "董事", "甘肃", "夏天", "夏季", "夏令", "付出", "付款",
	"田地", "谈话", "谈心", "季度", "纪律", "纪念", "凌晨", "毕业", "童年", "童书", "童伴", "童心", "童话", "武汉",
	"武术", "戴着", "钟头", "左右", "左边", "祝福", "祝愿", "蓝色", "贺卡", "顾问", "庞大", "阳光", "项目", "官方",
	"沙发", "荣誉", "查看", "查询", "麻烦", "迟到", "郁闷", "班级", "劳动", "劳务", "皮肤", "皮鞋", "楼上", "楼下",
	"黄色", "黄金", "林业", "罗列", "郑重", "梁上", "宋体", "唐诗", "韩国", "彭湃", "田野",
	"叶子", "苏醒", "丁点", "沈阳", "姜汤", "陆地",
	"汪汪", "范围", "金色", "石家", "白菜", "熊猫",
	"江河", "段落", "雷雨", "龙舟", "史书", "陶瓷", "黎明", "顾及", "顾虑", "毛笔",
	"邵阳", "万分", "严寒", "武器", "戴上", "莫名", "汤圆", "常识", "温暖",
	"温度", "温和", "温柔", "温馨", "施工", "牛仔", "安徽", "齐心", "易于", "乔迁",
	"颜色", "庄稼", "章节", "鲁莽", "岳父", "岳母", "申请", "申报", "欧洲", "耿直", "关门",
	"兰花", "焦虑", "焦急", "左手", "柳树", "甘蔗", "祝贺", "包装", "包容", "宁静", "尚且", "符号", "舒展", "纪录",
	"梅花", "童装", "凌乱", "毕竟", "单位", "单身", "季节", "成熟", "成立", "苗条", "谷物", "盛大", "曲线",
	"冉冉", "骆驼", "蓝天", "游玩", "游览", "辛勤", "管道", "柴火", "蒙古", "华丽", "华人", "房东", "屈服",
	"饶恕", "解放", "艾滋", "尤其", "阳台", "穆斯", "农村", "农民", "农业", "农忙", "司机", "卓越", "古代", "古诗",
	"吉祥", "吉他", "简单", "简直", "车站", "项链", "连接", "连衣", "麦田", "景色", "景点", "党建",
	"宫殿", "费心", "冷静", "冷水", "冷天", "席位", "卫衣", "米粉", "柏油", "宗教", "桂林", "边上",
	"边远", "商量", "商店", "商场", "沙子", "荣获", "桑葚", "甄别", "仲夏", "池塘", "查找", "麻将", "迟迟", "官员",
	"封面", "谈论", "惠及", "鞠躬", "郁郁", "班会", "燕子", "楚雄", "劳累", "皮球", "楼梯", "权利", "帅气", "豆腐",
	"豆浆", "盖章", "练习", "廉价", "祖国", "漆黑", "丰富", "丰收", "鹿茸", "茅草", "揭阳", "檀香", "华为",
	"高铁", "马路", "黄冈", "江南", "林子", "罗盘", "胡乱", "胡同", "何时", "何况", "孙子", "孙女", "朱红",
	"徐徐", "杨梅", "杨树",
	"史上", "向来", "向前", "何必", "何处", "何为", "林林", "石板", "钟声", "毛毛", "东方", "上官", "司马", "欧阳",
	"胡思", "胡萝", "宋词", "宋朝", "唐朝", "陆陆", "杜绝", "陶醉", "施展", "易怒", "易哭", "易错", "耿耿",
	"甘心", "甘愿", "宁可", "涂鸦", "涂色", "仇恨", "巩固", "奚落", "朴实", "辜负", "况且", "慕名", "王者",
	"张开", "张口", "张望", "张贴", "张扬", "张罗", "刘海", "陈旧", "陈述", "陈列", "黄昏", "黄瓜", "黄豆",
	"周全", "周折", "周游", "马虎", "马桶", "马铃", "谢谢", "谢绝", "谢意", "许愿", "韩语", "任性", "任意",
	"任凭", "钟爱", "钟情", "范文", "白白", "毛线", "顾不", "温习", "齐声", "殷切", "戴眼", "戴帽", "戴口",
	"戴手", "李子", "林间", "龙虾", "金鱼", "石子", "高烧", "牛肉", "柳絮", "梅雨", "雷声", "江水", "汤药",
	"高血", "高龄", "高原", "高温", "高处", "高大", "高矮", "高个", "高山", "高级", "高分", "高热",
	"朴素", "盖子", "练字", "邢台", "鲁迅", "聂耳", "柯南", "阮籍", "苟且", "孟子", "孔子", "庄子", "老子", "韩信",
}

// suspectSurnames are surname characters that begin so many ordinary words
// that a two-character candidate made with them ("马X") needs a compound given
// name or an explicit name label.
var suspectSurnames = "曾马高方成安常向文白石金钱江毛车包程关解宁管连单任万严牛齐许余康房费卫米舒游辛符尚甘夏付田谈季纪凌毕童武戴钟左祝蓝贺顾庞阳项官沙荣查麻迟郁班劳皮楼权帅豆盖练廉祖漆丰简景党宫冷席柏宗边商桑池封惠鞠燕楚华"

// followRunes may directly follow a name that follows a label word:
// "学生刘洋在…", "孩子王小明今年…".
const followRunes = "今现是在的和与跟同从家目正就读已也说住自被由每因一患出性等、随平于"

var (
	surnameSet  = runeSet(singleSurnames)
	nonGivenSet = runeSet(nonGiven)
	suspectSet  = runeSet(suspectSurnames)
	followSet   = runeSet(followRunes)
	stopSet     = pairSet(stopWords)
	compoundSet = pairSet(compoundSurnames)
	// givenStop are two-character given-name candidates that are titles or
	// kinship terms: "王老师", "李阿姨".
	givenStop = pairSet([]string{
		"老师", "医生", "主任", "书记", "阿姨", "叔叔", "校长", "同学", "大姐", "大哥", "大爷", "大妈", "师傅",
		"先生", "女士", "小姐", "老板", "经理", "干部", "村长", "支书", "队长", "站长", "所长", "局长", "社工",
		"姐姐", "哥哥", "奶奶", "爷爷", "妈妈", "爸爸", "老人", "大伯", "大叔", "大娘", "婆婆", "爹爹",
	})
	labelIndex  = wordIndex(labelWords)
	kinIndex    = wordIndex(kinWords)
	suffixIndex = wordIndex(suffixWords)
)

func runeSet(s string) map[rune]bool {
	m := make(map[rune]bool)
	for _, r := range s {
		m[r] = true
	}
	return m
}

// pair is a two-rune word used as a map key without allocating.
type pair [2]rune

// pairSet indexes two-rune words; the word lists above hold only such words.
func pairSet(words []string) map[pair]bool {
	m := make(map[pair]bool, len(words))
	for _, w := range words {
		rs := []rune(w)
		if len(rs) != 2 {
			panic("privacy: word list entry is not two runes: " + w)
		}
		m[pair{rs[0], rs[1]}] = true
	}
	return m
}

func pairAt(rs []rune, i int) pair { return pair{rs[i], rs[i+1]} }

// wordIndex maps the first rune of each word to the words starting with
// it, longest first.
func wordIndex(words []string) map[rune][][]rune {
	m := make(map[rune][][]rune)
	for _, w := range words {
		rs := []rune(w)
		m[rs[0]] = append(m[rs[0]], rs)
	}
	for _, ws := range m {
		for i := 1; i < len(ws); i++ {
			for j := i; j > 0 && len(ws[j]) > len(ws[j-1]); j-- {
				ws[j], ws[j-1] = ws[j-1], ws[j]
			}
		}
	}
	return m
}

// wordAt returns the length of the longest word of idx starting at i, or 0.
func (t *text) wordAt(idx map[rune][][]rune, i int) int {
	for _, w := range idx[t.runes[i]] {
		if i+len(w) <= len(t.runes) && equalRunes(t.runes[i:i+len(w)], w) {
			return len(w)
		}
	}
	return 0
}

func equalRunes(a, b []rune) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// scanNames finds Chinese full names next to a label, kinship or suffix
// word. Each position is looked at a bounded number of times.
func (t *text) scanNames(add func(kind string, start, end int)) {
	rs := t.runes
	for i := 0; i < len(rs); i++ {
		if !isHan(rs[i]) {
			continue
		}
		if l := t.wordAt(labelIndex, i); l > 0 {
			if s, e := t.nameAfter(i + l); e > s {
				add(KindNameKinship, s, e)
			}
		}
		if rs[i] == '的' && i+1 < len(rs) && t.wordAt(kinIndex, i+1) > 0 {
			if s := t.nameBefore(i, false); s >= 0 {
				add(KindNameKinship, s, i)
			}
		}
		if l := t.wordAt(suffixIndex, i); l > 0 {
			short := l == 2 && rs[i] == '同' || l == 3
			if s := t.nameBefore(i, !short); s >= 0 {
				add(KindNameKinship, s, i)
			}
		}
	}
}

// nameAfter returns the span of a full name starting at i (after optional
// blanks, a colon or 叫) that is followed by a plausible next rune.
func (t *text) nameAfter(i int) (int, int) {
	rs := t.runes
	for i < len(rs) && (rs[i] == ' ' || rs[i] == ':') {
		i++
	}
	if i < len(rs) && rs[i] == '叫' {
		i++
	}
	for _, sl := range []int{2, 1} {
		for _, gl := range []int{2, 1} {
			e := i + sl + gl
			if e > len(rs) || !t.validName(i, sl, gl) {
				continue
			}
			if sl == 1 && (gl == 1 && suspectSet[rs[i]] || rs[i] == '曾') && !t.strongLabelBefore(i) {
				// "孩子马上", "孩子曾休学": adverbs, not names
				continue
			}
			// a three-rune name with a common surname stands on its own;
			// shorter or doubtful ones need a plausible next rune
			loose := sl+gl >= 3 && !(sl == 1 && suspectSet[rs[i]])
			if e == len(rs) || !isHan(rs[e]) || followSet[rs[e]] || loose {
				return i, e
			}
		}
	}
	return 0, 0
}

// strongLabelBefore reports whether the name at i follows a label that only
// ever introduces a name (姓名, 名叫, 其父 …), with an optional colon.
func (t *text) strongLabelBefore(i int) bool {
	j := i
	for j > 0 && (t.runes[j-1] == ' ' || t.runes[j-1] == ':') {
		j--
	}
	if j != i {
		return true // a colon or blank after the label sets the name apart
	}
	if j >= 2 {
		w := string(t.runes[j-2 : j])
		return w == "姓名" || w == "名叫" || w == "其父" || w == "其母" || w == "其子" || w == "其女" || w == "取名"
	}
	return false
}

// nameBefore returns the start of a full name ending just before k, or -1.
// long demands a three-rune name (surname and two-character given name).
func (t *text) nameBefore(k int, long bool) int {
	rs := t.runes
	// candidates: compound+2, single+2 or compound+1, single+1
	type cand struct{ start, sl, gl int }
	cands := []cand{{k - 4, 2, 2}, {k - 3, 1, 2}, {k - 3, 2, 1}}
	if !long {
		cands = append(cands, cand{k - 2, 1, 1})
	}
	for _, c := range cands {
		if c.start < 0 || !t.validName(c.start, c.sl, c.gl) {
			continue
		}
		if c.sl+c.gl == 2 {
			if suspectSet[rs[c.start]] {
				continue
			}
			// a two-rune name must stand apart from the word before it
			if c.start > 0 && isHan(rs[c.start-1]) && !strings.ContainsRune("和与跟给帮对向被让同及、是为找问把说叫", rs[c.start-1]) {
				continue
			}
		}
		return c.start
	}
	return -1
}

// validName checks a surname of sl runes at i followed by a given name of gl
// runes.
func (t *text) validName(i, sl, gl int) bool {
	rs := t.runes
	if i+sl+gl > len(rs) {
		return false
	}
	if sl == 2 {
		if !compoundSet[pairAt(rs, i)] {
			return false
		}
	} else if !surnameSet[rs[i]] {
		return false
	}
	for _, r := range rs[i+sl : i+sl+gl] {
		if !isHan(r) || nonGivenSet[r] {
			return false
		}
	}
	if gl == 1 && rs[i+sl] == '家' {
		return false // "李家" is the Li family
	}
	if stopSet[pairAt(rs, i)] && sl == 1 {
		return false
	}
	if gl == 2 && givenStop[pairAt(rs, i+sl)] {
		return false
	}
	if t.wordAt(labelIndex, i) > 0 || t.wordAt(kinIndex, i) > 0 {
		return false
	}
	return true
}
