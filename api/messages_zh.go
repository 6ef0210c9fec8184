package api

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tongban/tongban"
)

// Server messages are written in English in the code. A request whose
// Accept-Language prefers Chinese (the web app sends the interface
// language) gets the problem's title, detail and field reasons in
// Simplified Chinese: whole messages from zhExact, parameterised ones from
// zhPatterns; a message in neither stays English. Field names and codes are
// never translated: clients match on them.

// prefersChinese reports whether the request asks for Chinese first.
func prefersChinese(c *fiber.Ctx) bool {
	if c.Get(fiber.HeaderAcceptLanguage) == "" {
		return false
	}
	return strings.HasPrefix(c.AcceptsLanguages("en", "zh-CN", "zh"), "zh")
}

// localizeZH rewrites p's human texts in Chinese.
func localizeZH(p *Problem) {
	if t, ok := zhTitles[p.Status]; ok {
		p.Title = t
	}
	parts := make([]string, len(p.Errors))
	out := make([]tongban.FieldError, len(p.Errors))
	for i, f := range p.Errors {
		out[i] = tongban.FieldError{Field: f.Field, Reason: translateZH(f.Reason)}
		parts[i] = f.Field + " " + out[i].Reason
	}
	if len(out) > 0 {
		p.Errors = out
	}
	if len(out) > 0 && strings.HasPrefix(p.Detail, "Invalid input:") {
		p.Detail = "输入有误：" + strings.Join(parts, "；") + "。"
		return
	}
	p.Detail = translateZH(p.Detail)
}

// translateZH returns the Chinese of an English server message, or the
// message itself when there is none.
func translateZH(s string) string {
	if zh, ok := zhExact[s]; ok {
		return zh
	}
	for _, p := range zhPatterns {
		if p.re.MatchString(s) {
			return p.re.ReplaceAllString(s, p.zh)
		}
	}
	return s
}

var zhTitles = map[int]string{
	http.StatusBadRequest:            "请求有误",
	http.StatusUnauthorized:          "需要登录",
	http.StatusForbidden:             "没有权限",
	http.StatusNotFound:              "未找到",
	http.StatusMethodNotAllowed:      "不支持的操作",
	http.StatusConflict:              "状态冲突",
	http.StatusPreconditionFailed:    "内容已被修改",
	http.StatusRequestEntityTooLarge: "内容过大",
	http.StatusUnsupportedMediaType:  "不支持的文件类型",
	http.StatusUnprocessableEntity:   "内容未通过检查",
	http.StatusPreconditionRequired:  "缺少版本信息",
	http.StatusTooManyRequests:       "请求过于频繁",
	http.StatusInternalServerError:   "服务器内部错误",
}

var zhExact = map[string]string{
	// Generic.
	"Not found.":                                     "未找到。",
	"Internal error.":                                "服务器内部错误，请稍后再试。",
	"Method not allowed.":                            "不支持的操作。",
	"Request body too large.":                        "提交的内容过大。",
	"No such API route.":                             "没有这个接口。",
	"Please log in.":                                 "请先登录。",
	"Wrong login or password.":                       "账号或密码错误。",
	"Invalid API token.":                             "API 令牌无效。",
	"Administrators only.":                           "仅限管理员。",
	"You are not allowed to do this.":                "你没有执行此操作的权限。",
	"Your session has expired. Please log in again.": "登录已过期，请重新登录。",
	"Too many attempts from your network. Wait a minute and try again.": "你所在网络的尝试次数过多，请一分钟后再试。",
	"You already have 20 API tokens; revoke one first.":                 "你已有 20 个 API 令牌，请先撤销一个。",
	"API token not found.":                                     "未找到该 API 令牌。",
	"Only volunteers can do this.":                             "只有志愿者可以执行此操作。",
	"The account was changed meanwhile; reload and try again.": "账户已被修改，请刷新后重试。",
	"The profile was changed meanwhile; reload and try again.": "资料已被修改，请刷新后重试。",
	// Needs.
	"Need not found.": "未找到该需求。",
	"need not found.": "未找到该需求。",
	"Only a reviewer of the organisation can review its needs.":        "只有本机构的审核员可以审核需求。",
	"The author of a need cannot approve it; another reviewer must.":   "需求的撰写人不能审核通过自己的需求，须由另一位审核员审核。",
	"Only reviewers have a review queue.":                              "只有审核员有待审队列。",
	"Only staff of the organisation can change this need.":             "只有本机构工作人员可以修改此需求。",
	"Only staff of the organisation can draft its needs.":              "只有本机构工作人员可以起草需求。",
	"Only staff of the organisation can edit its needs.":               "只有本机构工作人员可以编辑需求。",
	"Only staff of the organisation can list its needs.":               "只有本机构工作人员可以查看需求列表。",
	"Only staff of the organisation can submit its needs.":             "只有本机构工作人员可以提交需求。",
	"Only staff of the organisation can see candidates for its needs.": "只有本机构工作人员可以查看候选志愿者。",
	"Only published pairing needs take sign-ups.":                      "只有已发布的结对需求可以报名。",
	// Volunteers and pairings.
	"Only volunteers have a volunteer profile.":                                "只有志愿者有志愿者资料。",
	"Only staff can see the verification queue.":                               "只有工作人员可以查看审核队列。",
	"The volunteer has no pairing capacity left.":                              "该志愿者已没有可用的结对名额。",
	"The volunteer has no profile yet.":                                        "该志愿者还没有填写资料。",
	"The volunteer's verification is missing or expired.":                      "该志愿者的资格审核缺失或已过期。",
	"This volunteer is already paired with or proposed for this need.":         "该志愿者已与此需求结对或已被推荐。",
	"Only the volunteer can accept or decline a proposal.":                     "只有志愿者本人可以接受或拒绝推荐。",
	"Only the paired volunteer logs sessions.":                                 "只有结对的志愿者可以记录服务。",
	"Sessions can be logged only on an active pairing.":                        "只有进行中的结对可以记录服务。",
	"You no longer have access to this pairing's logs.":                        "你已无法查看此结对的服务记录。",
	"Volunteers cannot confirm their own sessions.":                            "志愿者不能确认自己的服务记录。",
	"Only staff of the organisation can comment on session logs.":              "只有本机构工作人员可以点评服务记录。",
	"Only staff of the organisation can list its pairings.":                    "只有本机构工作人员可以查看结对列表。",
	"Only staff of the organisation or the volunteer can end a pairing.":       "只有本机构工作人员或志愿者本人可以结束结对。",
	"Only a coordinator or reviewer of the organisation can approve pairings.": "只有本机构的协调员或审核员可以批准结对。",
	"Only a coordinator or reviewer of the organisation can propose pairings.": "只有本机构的协调员或审核员可以推荐结对。",
	"Only a coordinator or reviewer of the organisation can run matching.":     "只有本机构的协调员或审核员可以运行匹配。",
	"Only a coordinator or reviewer of the organisation can record checks.":    "只有本机构的协调员或审核员可以登记审核结果。",
	"Only a coordinator or reviewer of the organisation can confirm sessions.": "只有本机构的协调员或审核员可以确认服务记录。",
	"The schedule is being changed elsewhere; try again.":                      "日程正在别处修改，请重试。",
	"Your schedule is being changed elsewhere; try again.":                     "你的日程正在别处修改，请重试。",
	"The schedule was changed meanwhile.":                                      "日程已被修改。",
	// Activities.
	"Only a coordinator of the organisation can add sessions.":                                  "只有本机构的协调员可以添加场次。",
	"Only a coordinator of the organisation can create its activities.":                         "只有本机构的协调员可以创建活动。",
	"Only a coordinator or reviewer of the organisation can confirm hours.":                     "只有本机构的协调员或审核员可以确认时长。",
	"Only a coordinator or reviewer of the organisation can record attendance.":                 "只有本机构的协调员或审核员可以登记出勤。",
	"Only a coordinator or reviewer of the organisation can show the check-in code.":            "只有本机构的协调员或审核员可以显示签到码。",
	"Only staff of the organisation can list its activities.":                                   "只有本机构工作人员可以查看活动列表。",
	"Only staff of the organisation can see who signed up.":                                     "只有本机构工作人员可以查看报名名单。",
	"Only the volunteer can accept or decline an offered place.":                                "只有志愿者本人可以接受或放弃递补名额。",
	"Only the volunteer or a coordinator or reviewer of the organisation can cancel a sign-up.": "只有志愿者本人或本机构的协调员、审核员可以取消报名。",
	"This activity requires a volunteer profile with verification; complete yours first.":       "此活动要求志愿者通过资格审核，请先完善你的资料。",
	"A sign-up changed meanwhile; confirm again.":                                               "报名状态已变化，请再次确认。",
	"The sign-up changed meanwhile; reload and try again.":                                      "报名状态已变化，请刷新后重试。",
	"Your sign-up changed meanwhile; try again.":                                                "你的报名状态已变化，请重试。",
	"The sign-up is being changed elsewhere; try again.":                                        "报名正在别处修改，请重试。",
	"The sign-up was changed meanwhile; reload and try again.":                                  "报名已被修改，请刷新后重试。",
	"The sign-up is no longer waiting.":                                                         "该报名已不在候补中。",
	"The offer has just expired.":                                                               "递补名额的确认时间刚刚过期。",
	"You are already signed up for this session.":                                               "你已报名此场次。",
	"You have no confirmed place in this session.":                                              "你在此场次没有确认的名额。",
	"You have already checked in.":                                                              "你已签到。",
	"You have already checked out.":                                                             "你已签退。",
	"Check in first.":                                                                           "请先签到。",
	"Check-in opens an hour before the session starts.":                                         "签到在场次开始前一小时开放。",
	"Check-out closed three hours after the session; ask staff to record it.":                   "签退已在场次结束三小时后关闭，请联系工作人员登记。",
	"The session has begun; staff record attendance instead.":                                   "场次已开始，请由工作人员登记出勤。",
	"The session has ended; ask staff to record your attendance.":                               "场次已结束，请联系工作人员登记出勤。",
	"Staff have already recorded your attendance for this session.":                             "工作人员已登记你在此场次的出勤。",
	"Attendance can be recorded from an hour before the session starts.":                        "出勤可在场次开始前一小时起登记。",
	"The hours of this sign-up are already confirmed.":                                          "此报名的时长已确认。",
	"Too many wrong codes: ask staff to record your attendance.":                                "签到码错误次数过多，请联系工作人员登记出勤。",
	"You have no confirmed hours with this organisation in this period.":                        "你在此期间没有该机构确认的服务时长。",
	"certificate not found.":                                                                    "未找到该证明。",
	"calendar not found.":                                                                       "未找到该日历。",
	"sign-up not found.":                                                                        "未找到该报名。",
	"pairing not found.":                                                                        "未找到该结对。",
	"session log not found.":                                                                    "未找到该服务记录。",
	"user not found.":                                                                           "未找到该用户。",
	"pledge not found.":                                                                         "未找到该认捐。",
	// Money.
	"Campaign not found.":                             "未找到该项目。",
	"Donation not found.":                             "未找到该笔捐赠。",
	"Expense not found.":                              "未找到该笔支出。",
	"Ledger entry not found.":                         "未找到该账本记录。",
	"Receipt not found.":                              "未找到该收据。",
	"Receipt thumbnail not found.":                    "未找到该票据缩略图。",
	"The receipt is not published.":                   "该票据尚未公开。",
	"The campaign is not open for gifts.":             "该项目目前不接受捐赠。",
	"Online giving is not configured on this server.": "本服务器未开通在线捐赠。",
	"The paid amount differs from the order.":         "支付金额与订单不符。",
	"You can only trace your own gifts.":              "你只能查看自己捐款的去向。",
	"The ledger is busy; please try again.":           "账本正忙，请稍后重试。",
	"An expense must be approved by a second finance user, not by the one who recorded it.":            "支出须由另一位财务人员审批，登记人不能审批自己登记的支出。",
	"Only a pending expense can be rejected.":                                                          "只有待审批的支出可以驳回。",
	"The expense was rejected.":                                                                        "该支出已被驳回。",
	"The expense was approved meanwhile.":                                                              "该支出已被批准。",
	"The expense is no longer in that status.":                                                         "该支出的状态已变化。",
	"Only receipts of approved expenses can be published.":                                             "只有已批准支出的票据可以公开。",
	"Only administrators and finance staff can verify the ledgers.":                                    "只有管理员和财务人员可以校验账本。",
	"Only finance staff of the organisation can see its balances.":                                     "只有本机构财务人员可以查看余额。",
	"Only staff of the organisation can see its expenses.":                                             "只有本机构工作人员可以查看支出。",
	"Only staff and donors upload receipts.":                                                           "只有工作人员和捐赠人可以上传票据。",
	"Only coordinators or finance staff of every organisation of a campaign can run it.":               "只有项目所属各机构的协调员或财务人员可以管理该项目。",
	"This idempotency key or payment reference was already used for a different request.":              "该幂等键或支付流水号已用于另一笔请求。",
	"This idempotency key or refund reference was already used for a different refund.":                "该幂等键或退款流水号已用于另一笔退款。",
	"This payment reference or idempotency key was already recorded with a different amount or donor.": "该支付流水号或幂等键已以不同的金额或捐赠人登记。",
	"Unsupported image type: only JPEG and PNG images are accepted.":                                   "不支持的图片类型：只接受 JPEG 和 PNG。",
	"Photo uploads are not configured on this server.":                                                 "本服务器未开通照片上传。",
	// Pledges.
	"Only in-kind needs take pledges of goods.":                           "只有物资需求可以认捐物品。",
	"Only donors pledge goods; add the donor role to your account first.": "只有捐赠人可以认捐物品，请先为账户添加捐赠人角色。",
	"The need no longer takes pledges.":                                   "该需求已不再接受认捐。",
	"Not enough left on the need's lines.":                                "该需求的剩余数量不足。",
	"The need's counters do not hold this pledge.":                        "该需求的计数与此认捐不符。",
	"Only staff of the organisation mark pledges received.":               "只有本机构工作人员可以登记收货。",
	"Only staff of the organisation record deliveries.":                   "只有本机构工作人员可以登记发放。",
	"Only staff of the organisation track its pledges.":                   "只有本机构工作人员可以跟踪认捐。",
	"Only staff of the organisation track pledges.":                       "只有本机构工作人员可以跟踪认捐。",
	"The pledge has no delivery photo yet.":                               "该认捐还没有发放照片。",
	// Field reasons.
	"is required":               "必填",
	"must be a date YYYY-MM-DD": "须为日期（YYYY-MM-DD）",
	"must be an e-mail address or a mainland mobile number":              "须为电子邮箱或中国大陆手机号",
	"must be a known county code":                                        "须为已知的县区代码",
	"must be a known 6-digit county code":                                "须为已知的 6 位县区代码",
	"must be 1 fen to 1,000,000,000 yuan":                                "须为 0.01 元至 10 亿元",
	"must be 1 (low) to 5 (urgent)":                                      "须为 1（低）至 5（紧急）",
	"must be an integer from 1 to 100":                                   "须为 1 至 100 的整数",
	"must be the lowercase hex SHA-256 of the file":                      "须为文件的小写十六进制 SHA-256",
	"must be image/jpeg or image/png":                                    "须为 JPEG 或 PNG 图片",
	"must be bank_transfer or cash":                                      "须为银行转账或现金",
	"must be a campaign ID or general":                                   "须为项目编号或 general（综合基金）",
	"must not be in the future":                                          "不能晚于今天",
	"must not be before start":                                           "不能早于开始时间",
	"must be a file you uploaded":                                        "须为你本人上传的文件",
	"must name 1 to 10 organisations":                                    "须选择 1 至 10 个机构",
	"must list 1 to 200 needs":                                           "须列出 1 至 200 个需求",
	"must list 1 to 50 lines":                                            "须列出 1 至 50 行",
	"must name at least one subject for tutoring":                        "课业辅导须至少选择一个科目",
	"must be within grades 1 to 12":                                      "须在 1 至 12 年级之间",
	"must be tutor, companion or logistics":                              "须为辅导、陪伴或后勤",
	"must be empty for a no-show":                                        "缺席时须留空",
	"is required for a PDF receipt: upload a redacted JPEG or PNG of it": "PDF 票据须上传一张已遮挡个人信息的 JPEG 或 PNG 图片",
	"is not an uploaded file":                                            "不是已上传的文件",
	"does not match the stored file":                                     "与已存储的文件不符",

	// Donor look-up for offline gifts.
	"Only finance staff of the organisation can look up donors.": "只有本机构财务人员可以查找捐赠人。",
	"Too many donor look-ups. Wait a minute and try again.":      "查找捐赠人过于频繁，请一分钟后再试。",
	"Give an e-mail address or a mobile number, not both.":       "请填写电子邮箱或手机号其中一项，不要同时填写。",
	"Give the donor's e-mail address or mobile number.":          "请填写捐赠人的电子邮箱或手机号。",
	"No account has this e-mail address.":                        "没有使用此电子邮箱的账户。",
	"No account has this mobile number.":                         "没有使用此手机号的账户。",
	"must be given alone":                                        "须单独填写",
	"or phone is required":                                       "须填写电子邮箱或手机号",
	"must be a whole e-mail address":                             "须为完整的电子邮箱地址",
	"must be a whole mainland mobile number (11 digits)":         "须为完整的中国大陆手机号（11 位）",
	"matches no account":                                         "没有对应的账户",

	// Bank slips of offline gifts.
	"Only finance staff of the organisation can see bank slips.": "只有本机构财务人员可以查看银行回单。",
	"This gift has no slip: it was not recorded offline.":        "这笔捐赠没有回单：它不是线下登记的。",
	"The stored file does not match the slip's SHA-256.":         "存储的文件与回单的 SHA-256 不符。",
	"must be a donation ID (ledger-seq)":                         "须为捐赠编号（账本-序号）",

	// Applying the pledge suggestion.
	"Only staff of the organisation apply the pledge suggestion.":                           "只有本机构工作人员可以执行认捐建议。",
	"The suggestion changed meanwhile; show it again and check it before applying.":         "认捐建议已有变化，请重新生成并核对后再执行。",
	"The pledges changed meanwhile; show the suggestion again.":                             "认捐已有变化，请重新生成建议。",
	"A need line has no room left for the moved items any more; show the suggestion again.": "需求的某一行已没有足够的剩余数量，请重新生成建议。",
	"is required: the assignments of the suggestion shown":                                  "必填：所显示建议中的分配",
	"differ from the current suggestion":                                                    "与当前的建议不一致",
	"must be 0 or more":                                                                     "须为 0 或以上",
	"must be 1 or more":                                                                     "须为 1 或以上",
	"must list at most 1000 assignments":                                                    "最多 1000 条分配",
}

var zhPatterns = []struct {
	re *regexp.Regexp
	zh string
}{
	{regexp.MustCompile(`^must be (\d+) to (\d+) characters$`), "须为 $1 至 $2 个字符"},
	{regexp.MustCompile(`^Personal data found: (.+)\.$`), "发现个人信息，请删除后再提交：$1。"},
	{regexp.MustCompile(`^contains personal data: (.+)$`), "含有个人信息：$1"},
	{regexp.MustCompile(`^must be at most (\d+) characters$`), "最多 $1 个字符"},
	{regexp.MustCompile(`^must be (\d+) to (\d+)$`), "须为 $1 至 $2"},
	{regexp.MustCompile(`^must be one of (.+)$`), "须为以下之一：$1"},
	{regexp.MustCompile(`^must list (\d+) to (\d+) files$`), "须提供 $1 至 $2 个文件"},
	{regexp.MustCompile(`^is listed twice$`), "重复列出"},
	{regexp.MustCompile(`^(.+) not found\.$`), "未找到：$1。"},
	{regexp.MustCompile(`^The (.+) was changed meanwhile; reload and try again\.$`), "内容（$1）已被修改，请刷新后重试。"},
	{regexp.MustCompile(`^Too many failed logins\. Try again after (.+)\.$`), "登录失败次数过多，请在 $1 之后再试。"},
	{regexp.MustCompile(`^The image is larger than (\d+) MiB\.$`), "图片超过 $1 MiB。"},
	{regexp.MustCompile(`^No (\w+) place is left in this session\.$`), "此场次的 $1 名额已满。"},
	{regexp.MustCompile(`^Sign-ups for this session closed at (.+)\.$`), "此场次已于 $1 截止报名。"},
	{regexp.MustCompile(`^Hours are confirmed after the session ends \((.+)\)\.$`), "时长在场次结束（$1）后确认。"},
	{regexp.MustCompile(`^Only (.+) of this gift is not yet spent or refunded; at most that can be refunded\.$`), "这笔捐赠尚未支出或退款的部分只有 $1，最多只能退这么多。"},
	{regexp.MustCompile(`^Not enough money in (.+): the balance is (.+), (.+) more would be needed\.$`), "$1 余额不足：当前余额 $2，还差 $3。"},
	{regexp.MustCompile(`^Only finance staff of the organisation can (.+)\.$`), "只有本机构财务人员可以执行此操作（$1）。"},
	{regexp.MustCompile(`^A need in status (\w+) cannot be (\w+)\.$`), "状态为 $1 的需求不能执行 $2。"},
	{regexp.MustCompile(`^Only drafts can be edited; this need is (\w+)\.$`), "只有草稿可以编辑，此需求的状态为 $1。"},
	{regexp.MustCompile(`^This (pairing|sign-up) is already (\w+)\.$`), "已是 $2 状态。"},
	{regexp.MustCompile(`^You are already signed up for this session \((.+)\)\.$`), "你已报名此场次（$1）。"},
	{regexp.MustCompile(`^You still have (\d+) active pairing\(s\): ask your coordinator to end them before deleting your account\.$`), "你还有 $1 个进行中的结对：请先请协调员结束后再删除账户。"},
	{regexp.MustCompile(`^This activity requires the qualification "(.+)"\.$`), "此活动要求具备资质：$1。"},
	{regexp.MustCompile(`^The expense has no receipt (\w+)\.$`), "该支出没有票据 $1。"},
}
