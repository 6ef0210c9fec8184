package main

import (
	"context"
	"fmt"
	"time"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/accounts"
	"github.com/tongban/tongban/activities"
	"github.com/tongban/tongban/internal/auth"
	"github.com/tongban/tongban/internal/mongodb"
)

// demoActivity is one seeded activity: its sessions are held on weekday
// (Asia/Shanghai) at `hour`, in the weeks listed (0 is the first such day at
// least three days from now, so sign-up deadlines are never close), and
// last two and a half hours.
type demoActivity struct {
	title, description, venue, county string
	qualification                     string
	weekday                           time.Weekday
	weeks                             []int
	hour                              int
	capacity                          map[string]int
	children                          int
}

// The demo activities of 共青团隆安县委员会, all in 隆安县.
var demoActivities = []demoActivity{
	{title: "童伴之家周末课业辅导", description: "每周六上午在童伴之家为留守儿童辅导作业、讲解数学和语文，志愿者请提前十分钟到场签到。",
		venue: "石门镇童伴之家", county: "439921", weekday: time.Saturday, weeks: []int{0, 1, 2}, hour: 9, capacity: map[string]int{"tutor": 4, "companion": 2, "logistics": 1}, children: 15},
	{title: "周末心理陪伴小组", description: "周日下午开展团体游戏、绘画和谈心活动，帮助孩子表达情绪、结交朋友；需具备心理咨询或陪伴相关培训经历。",
		venue: "隆安县青少年活动中心", county: "439921", qualification: "counselling", weekday: time.Sunday, weeks: []int{1}, hour: 14, capacity: map[string]int{"companion": 3, "logistics": 2}, children: 30},
	{title: "乡村小学阅读角开放日", description: "整理图书角、带领孩子分组共读绘本，并协助学校完成借阅登记。",
		venue: "桃花乡中心小学图书室", county: "439921", weekday: time.Saturday, weeks: []int{1, 3}, hour: 15, capacity: map[string]int{"tutor": 2, "companion": 2}, children: 20},
}

// seedActivities creates the demo activities of the organisation orgID as
// its coordinator, signs the first verified volunteers up (filling one role
// so the waitlist shows), and records one past session with confirmed
// hours for the first volunteer so that hours and certificates have data.
func seedActivities(ctx context.Context, m *Main, orgID, coordinatorID string, volunteers []*accounts.User) error {
	coord := auth.NewContext(ctx, &auth.Identity{UserID: coordinatorID, Roles: []string{}, Orgs: map[string]string{orgID: accounts.OrgCoordinator}, Via: "session"})
	now := time.Now().In(activities.Shanghai)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, activities.Shanghai)
	var first []string // the first session of each activity
	for _, d := range demoActivities {
		in := activities.ActivityInput{Title: d.title, Description: d.description, Qualification: d.qualification}
		offset := (int(d.weekday) - int(today.Weekday()) + 7) % 7
		if offset < 3 {
			offset += 7
		}
		for _, w := range d.weeks {
			start := today.AddDate(0, 0, offset+7*w).Add(time.Duration(d.hour) * time.Hour)
			in.Sessions = append(in.Sessions, activities.SessionInput{Start: start.Format(time.RFC3339), End: start.Add(150 * time.Minute).Format(time.RFC3339),
				VenueName: d.venue, CountyCode: d.county, Capacity: d.capacity, SignupDeadline: start.Add(-12 * time.Hour).Format(time.RFC3339), ChildrenExpected: d.children})
		}
		a, err := m.Activities.CreateActivity(coord, orgID, in)
		if err != nil {
			return fmt.Errorf("demo activity %s: %w", d.title, describe(err))
		}
		first = append(first, a.Sessions[0].ID)
	}
	// Fill the companion places of the first session and queue two more.
	joined := 0
	for _, u := range volunteers {
		if !u.HasRole(accounts.RoleVolunteer) || joined >= 4 {
			continue
		}
		vctx := auth.NewContext(ctx, &auth.Identity{UserID: u.ID, Roles: u.Roles, Orgs: map[string]string{}, Via: "session"})
		_, err := m.Activities.SignUp(vctx, first[0], activities.RoleCompanion)
		if tongban.ErrorCode(err) == tongban.ECONFLICT {
			continue // unverified demo volunteers wait in the verification queue
		} else if err != nil {
			return fmt.Errorf("demo sign-up: %w", describe(err))
		}
		joined++
	}
	for _, u := range volunteers {
		if u.HasRole(accounts.RoleVolunteer) {
			return seedPastSession(ctx, m, orgID, coordinatorID, u)
		}
	}
	return nil
}

// seedPastSession writes an activity held last week with the volunteer's
// confirmed attendance (the service only creates future sessions).
func seedPastSession(ctx context.Context, m *Main, orgID, coordinatorID string, u *accounts.User) error {
	store := mongodb.NewActivityStore(m.DB)
	orgName, err := m.Activities.OrgName(ctx, orgID)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	start := time.Date(now.Year(), now.Month(), now.Day(), 1, 0, 0, 0, time.UTC).AddDate(0, 0, -7)
	end := start.Add(3 * time.Hour)
	county, _ := m.Activities.County("439921")
	a := &activities.Activity{ID: tongban.NewID(), OrgID: orgID, OrgName: orgName, Title: "童伴之家开放日", RequireVerified: true,
		Description: "童伴之家开放日：布置活动室、组织游戏和手工活动。", Status: activities.ActivityOpen, CreatedBy: coordinatorID, CreatedAt: start.AddDate(0, 0, -14), UpdatedAt: start.AddDate(0, 0, -14)}
	served := 18
	s := &activities.Session{ID: tongban.NewID(), ActivityID: a.ID, OrgID: orgID, OrgName: orgName, Title: a.Title, RequireVerified: true,
		Start: start, End: end, VenueName: "石门镇童伴之家", CountyCode: "439921", CountyName: county,
		Capacity: map[string]int{"tutor": 0, "companion": 3, "logistics": 0}, PlacesLeft: map[string]int{"tutor": 0, "companion": 2, "logistics": 0},
		Waitlist: map[string][]string{"tutor": {}, "companion": {}, "logistics": {}}, Offers: map[string]activities.Offer{}, SignupDeadline: start, ChildrenExpected: 20,
		ChildrenServed: &served, Seq: 1, HoursConfirmedAt: &end, CreatedAt: a.CreatedAt}
	in, out := start.Add(-10*time.Minute), end.Add(5*time.Minute)
	su := &activities.Signup{ID: activities.SignupID(s.ID, u.ID), SessionID: s.ID, ActivityID: a.ID, OrgID: orgID, VolunteerID: u.ID, VolunteerName: u.DisplayName,
		Role: activities.RoleCompanion, Status: activities.SignupConfirmed, Seq: 1, Key: s.ID + "/" + u.ID, Title: a.Title, VenueName: s.VenueName,
		CountyName: county, Start: start, End: end, CheckIn: &in, CheckOut: &out, Attendance: activities.AttendanceAttended, AttendanceBy: "code",
		Minutes: activities.AttendedMinutes(start, end, in, out), HoursConfirmed: true, HoursConfirmedBy: coordinatorID, HoursConfirmedAt: &end,
		History: []activities.Transition{{To: activities.SignupConfirmed, By: u.ID, At: a.CreatedAt}}, CreatedAt: a.CreatedAt, UpdatedAt: end, Version: 1}
	if err := store.CreateActivity(ctx, a); err != nil {
		return err
	}
	if err := store.CreateSessions(ctx, []*activities.Session{s}); err != nil {
		return err
	}
	return store.CreateSignup(ctx, su)
}
