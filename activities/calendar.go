package activities

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/internal/auth"
)

// CalendarPath is the address of a volunteer's private calendar feed.
func CalendarPath(token string) string { return "/api/v1/calendar/" + token + ".ics" }

// CalendarToken is a newly made calendar feed address; the token is shown
// once and only its hash is stored.
type CalendarToken struct {
	Token string `json:"token"`
	URL   string `json:"url"`
}

// NewCalendarToken makes (or remakes, invalidating the old one) the calling
// volunteer's private calendar feed token. requestBase is the site URL as
// the request reached it (used when PublicURL is not configured).
func (s *Service) NewCalendarToken(ctx context.Context, requestBase string) (*CalendarToken, error) {
	me, err := requireVolunteer(ctx)
	if err != nil {
		return nil, err
	}
	tok := auth.NewSecret("cal_")
	if err := s.Store.SetCalendarToken(ctx, me.UserID, auth.HashSecret(tok), s.now()); err != nil {
		return nil, err
	}
	return &CalendarToken{Token: tok, URL: s.baseURL(requestBase) + CalendarPath(tok)}, nil
}

// RevokeCalendarToken stops the calling volunteer's calendar feed.
func (s *Service) RevokeCalendarToken(ctx context.Context) error {
	me, err := requireVolunteer(ctx)
	if err != nil {
		return err
	}
	return s.Store.DeleteCalendarToken(ctx, me.UserID)
}

// CalendarHistory is how far back a calendar feed lists sessions.
const CalendarHistory = 180 * 24 * time.Hour

// CalendarFeed returns the iCalendar feed of the confirmed sessions of the
// volunteer owning token; ENOTFOUND for an unknown or revoked token.
func (s *Service) CalendarFeed(ctx context.Context, token string) ([]byte, error) {
	if !strings.HasPrefix(token, "cal_") || len(token) > 100 {
		return nil, tongban.Errorf(tongban.ENOTFOUND, "calendar not found.")
	}
	vol, err := s.Store.FindCalendarToken(ctx, auth.HashSecret(token))
	if err != nil {
		return nil, err
	}
	list, err := s.Store.FindSignups(ctx, SignupFilter{VolunteerID: vol, Status: []string{SignupConfirmed}})
	if err != nil {
		return nil, err
	}
	now := s.now()
	var keep []*Signup
	for _, su := range list {
		if su.End.After(now.Add(-CalendarHistory)) {
			keep = append(keep, su)
		}
	}
	return ICS(keep, now), nil
}

// roleNames are the Chinese names of the roles, for calendars and PDFs.
var roleNames = map[string]string{RoleTutor: "课业辅导", RoleCompanion: "陪伴", RoleLogistics: "后勤"}

// ICS renders confirmed sign-ups as an iCalendar (RFC 5545) feed with UTC
// times, CRLF line ends and lines folded at 75 octets.
func ICS(list []*Signup, now time.Time) []byte {
	var b strings.Builder
	line := func(s string) { foldLine(&b, s) }
	stamp := func(t time.Time) string { return t.UTC().Format("20060102T150405Z") }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//Tongban//Volunteer activities//ZH")
	line("CALSCALE:GREGORIAN")
	line("METHOD:PUBLISH")
	line("X-WR-CALNAME:" + escapeText("童伴志愿活动"))
	line("X-WR-TIMEZONE:" + TimeZone)
	for _, su := range list {
		line("BEGIN:VEVENT")
		line("UID:" + su.ID + "@tongban")
		line("DTSTAMP:" + stamp(now))
		line("DTSTART:" + stamp(su.Start))
		line("DTEND:" + stamp(su.End))
		line("SUMMARY:" + escapeText(su.Title))
		line("LOCATION:" + escapeText(su.VenueName+"，"+su.CountyName))
		line("DESCRIPTION:" + escapeText("岗位："+roleNames[su.Role]+"（"+su.Role+"）"))
		line("STATUS:CONFIRMED")
		line("END:VEVENT")
	}
	line("END:VCALENDAR")
	return []byte(b.String())
}

// escapeText escapes an iCalendar TEXT value.
func escapeText(s string) string {
	r := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)
	return r.Replace(s)
}

// foldLine writes s with CRLF, folding at 75 octets without splitting a
// UTF-8 character.
func foldLine(b *strings.Builder, s string) {
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // continuation lines start with a space
	}
	b.WriteString(s)
	b.WriteString("\r\n")
}
