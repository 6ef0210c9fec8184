package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/accounts"
	"github.com/tongban/tongban/internal/auth"
)

// DemoPassword is the password of every demo account. Demo data is
// fictional; never seed it into a production database.
const DemoPassword = "Tongban-Demo-2026"

// DemoSeed fixes the demo generator, so every seeded city is the same.
const DemoSeed = 20261129

type demoAccount struct {
	Login, Name string
	Roles       []string
	Org         string // organisation name for staff
	OrgRole     string
	What        string
}

var demoOrgs = []accounts.OrgInput{
	{Name: "共青团隆安县委员会", Type: "youth_league", CountyCode: "439921"},
	{Name: "隆安县妇女联合会", Type: "womens_federation", CountyCode: "439921"},
	{Name: "隆安县民政局", Type: "civil_affairs", CountyCode: "439921"},
	{Name: "隆安县教育局", Type: "education", CountyCode: "439921"},
	{Name: "隆安县石门镇中心小学", Type: "school", CountyCode: "439921"},
	{Name: "共青团溪口县委员会", Type: "youth_league", CountyCode: "439922"},
	{Name: "溪口县妇女联合会", Type: "womens_federation", CountyCode: "439922"},
	{Name: "白石县民政局", Type: "civil_affairs", CountyCode: "439923"},
	{Name: "白石县新田镇初级中学", Type: "school", CountyCode: "439923"},
	{Name: "云岭县教育局", Type: "education", CountyCode: "439924"},
	{Name: "云溪市青禾公益服务中心", Type: "ngo", CountyCode: "439902"},
	{Name: "云溪市童心社会工作服务社", Type: "ngo", CountyCode: "439902"},
}

var demoAccounts = []demoAccount{
	{Login: "admin@tongban.example", Name: "系统管理员", Roles: []string{accounts.RoleAdmin}, What: "administrator"},
	{Login: "coordinator@tongban.example", Name: "林晓岚", Org: "共青团隆安县委员会", OrgRole: accounts.OrgCoordinator, What: "staff: coordinator, 共青团隆安县委员会"},
	{Login: "reviewer@tongban.example", Name: "周文博", Org: "共青团隆安县委员会", OrgRole: accounts.OrgReviewer, What: "staff: reviewer, 共青团隆安县委员会"},
	{Login: "finance@tongban.example", Name: "陈静怡", Org: "共青团隆安县委员会", OrgRole: accounts.OrgFinance, What: "staff: finance, 共青团隆安县委员会"},
	{Login: "finance2@tongban.example", Name: "黄志强", Org: "共青团隆安县委员会", OrgRole: accounts.OrgFinance, What: "staff: finance (second approver), 共青团隆安县委员会"},
	{Login: "fulian@tongban.example", Name: "吴秀英", Org: "隆安县妇女联合会", OrgRole: accounts.OrgCoordinator, What: "staff: coordinator, 隆安县妇女联合会"},
	{Login: "volunteer@tongban.example", Name: "张雨桐", Roles: []string{accounts.RoleVolunteer}, What: "volunteer"},
	{Login: "donor@tongban.example", Name: "刘建华", Roles: []string{accounts.RoleDonor}, What: "donor"},
	{Login: "both@tongban.example", Name: "王思远", Roles: []string{accounts.RoleVolunteer, accounts.RoleDonor}, What: "volunteer and donor"},
}

var (
	demoSurnames   = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱覃武戴孔汤庞樊兰殷施陈")
	demoGivenChars = []rune("子涵欣怡梓轩浩宇雨桐思远一诺佳怡明哲俊杰嘉怡晨曦若曦诗琪宇航博文静怡志强秀英建华丽娟海燕伟强晓东文杰慧敏")
)

func demoName(r *rand.Rand) string {
	n := string(demoSurnames[r.IntN(len(demoSurnames))])
	for range 1 + r.IntN(2) {
		n += string(demoGivenChars[r.IntN(len(demoGivenChars))])
	}
	return n
}

// SeedDemo seeds the fictional demo city into an empty database and reports
// whether it did. size multiplies the generated volunteers and donors.
func SeedDemo(ctx context.Context, m *Main, size int) (bool, error) {
	n, err := m.DB.Collection("users").CountDocuments(ctx, map[string]any{})
	if err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	r := rand.New(rand.NewPCG(DemoSeed, uint64(size)))
	orgIDs := map[string]string{}
	for _, o := range demoOrgs {
		org, err := m.Accounts.CreateOrgUnchecked(ctx, o)
		if err != nil {
			return false, fmt.Errorf("organisation %s: %w", o.Name, err)
		}
		orgIDs[o.Name] = org.ID
	}
	// All demo accounts share one password, so one hash serves them all.
	hash, err := auth.HashPassword(DemoPassword)
	if err != nil {
		return false, err
	}
	now := time.Now().UTC()
	var generated []*accounts.User
	newUser := func(login, name string, roles []string) (*accounts.User, error) {
		l, kind, ok := accounts.NormalizeLogin(login)
		if !ok {
			return nil, fmt.Errorf("bad demo login %q", login)
		}
		if roles == nil {
			roles = []string{}
		}
		u := &accounts.User{ID: tongban.NewID(), Login: l, DisplayName: name, PasswordHash: hash, Roles: roles,
			Memberships: []accounts.Membership{}, CreatedAt: now, UpdatedAt: now, Version: 1}
		if kind == "email" {
			u.Email = l
		} else {
			u.Phone = l
		}
		return u, nil
	}
	create := func(login, name string, roles []string) (*accounts.User, error) {
		u, err := newUser(login, name, roles)
		if err != nil {
			return nil, err
		}
		return u, m.Store.CreateUser(ctx, u)
	}
	queue := func(login, name string, roles []string) error {
		u, err := newUser(login, name, roles)
		generated = append(generated, u)
		return err
	}
	ids := map[string]string{}
	var volunteers []*accounts.User
	for _, a := range demoAccounts {
		u, err := create(a.Login, a.Name, a.Roles)
		if err != nil {
			return false, fmt.Errorf("account %s: %w", a.Login, err)
		}
		ids[a.Login] = u.ID
		volunteers = append(volunteers, u)
		if a.Org != "" {
			if _, err := m.Accounts.AddMemberUnchecked(ctx, orgIDs[a.Org], u.ID, a.OrgRole); err != nil {
				return false, err
			}
		}
	}
	for i := range 24 * size {
		roles := []string{accounts.RoleVolunteer}
		if r.IntN(5) == 0 {
			roles = append(roles, accounts.RoleDonor)
		}
		login := fmt.Sprintf("volunteer%04d@tongban.example", i+1)
		if i%3 == 0 {
			// Phone logins in the reserved-looking 199 0000 range.
			login = fmt.Sprintf("1990000%04d", i+1)
		}
		if err := queue(login, demoName(r), roles); err != nil {
			return false, err
		}
	}
	for i := range 12 * size {
		if err := queue(fmt.Sprintf("donor%04d@tongban.example", i+1), demoName(r), []string{accounts.RoleDonor}); err != nil {
			return false, err
		}
	}
	if err := m.Store.CreateUsers(ctx, generated); err != nil {
		return false, err
	}
	volunteers = append(volunteers, generated...)
	if err := seedVolunteerProfiles(ctx, m, r, volunteers, orgIDs["共青团隆安县委员会"], ids["reviewer@tongban.example"]); err != nil {
		return false, err
	}
	if err := seedNeeds(ctx, m, r, size, orgIDs, ids["coordinator@tongban.example"], ids["reviewer@tongban.example"]); err != nil {
		return false, err
	}
	if err := seedActivities(ctx, m, orgIDs["共青团隆安县委员会"], ids["coordinator@tongban.example"], volunteers); err != nil {
		return false, fmt.Errorf("demo activities: %w", describe(err))
	}
	if err := seedCampaigns(ctx, m, r, volunteers, orgIDs["共青团隆安县委员会"], ids["finance@tongban.example"]); err != nil {
		return false, err
	}
	if err := seedExpenses(ctx, m, orgIDs["共青团隆安县委员会"], ids["finance@tongban.example"], ids["finance2@tongban.example"]); err != nil {
		return false, fmt.Errorf("demo expenses: %w", describe(err))
	}
	if err := seedPledges(ctx, m, orgIDs, ids); err != nil {
		return false, err
	}
	m.Worker.Notify()
	return true, nil
}

// describe turns an application error into a CLI message with its fields.
func describe(err error) error {
	var te *tongban.Error
	if errors.As(err, &te) {
		msg := te.Message
		for _, f := range te.Fields {
			msg += fmt.Sprintf("\n  %s: %s", f.Field, f.Reason)
		}
		return errors.New(msg)
	}
	return err
}
