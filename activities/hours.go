package activities

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"regexp"
	"sort"
	"sync"
	"time"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/accounts"
)

// Kinds of hours entries.
const (
	KindActivity = "activity"
	KindPairing  = "pairing"
)

// HoursEntry is one piece of confirmed volunteer work: an activity session
// whose hours staff confirmed, or a confirmed pairing session log.
type HoursEntry struct {
	Kind     string `json:"kind"`
	SourceID string `json:"source_id"`
	OrgID    string `json:"org_id"`
	OrgName  string `json:"org_name"`
	Title    string `json:"title"`
	// Date is the day of the work (YYYY-MM-DD, Asia/Shanghai).
	Date    string `json:"date"`
	Minutes int    `json:"minutes"`
}

// OrgHours sums a volunteer's confirmed minutes with one organisation.
type OrgHours struct {
	OrgID   string  `json:"org_id"`
	OrgName string  `json:"org_name"`
	Minutes int     `json:"minutes"`
	Hours   float64 `json:"hours"`
}

// HoursRecord is a volunteer's confirmed hours.
type HoursRecord struct {
	TotalMinutes int          `json:"total_minutes"`
	TotalHours   float64      `json:"total_hours"`
	ByOrg        []OrgHours   `json:"by_org"`
	Items        []HoursEntry `json:"items"`
}

// Hours converts minutes to hours rounded to one decimal.
func Hours(minutes int) float64 { return math.Round(float64(minutes)/6) / 10 }

// MyHours returns the calling volunteer's confirmed hours, oldest first.
func (s *Service) MyHours(ctx context.Context) (*HoursRecord, error) {
	me, err := requireVolunteer(ctx)
	if err != nil {
		return nil, err
	}
	items, err := s.hours(ctx, me.UserID)
	if err != nil {
		return nil, err
	}
	rec := &HoursRecord{Items: items, ByOrg: []OrgHours{}}
	by := map[string]int{}
	for _, it := range items {
		rec.TotalMinutes += it.Minutes
		i, ok := by[it.OrgID]
		if !ok {
			i = len(rec.ByOrg)
			by[it.OrgID] = i
			rec.ByOrg = append(rec.ByOrg, OrgHours{OrgID: it.OrgID, OrgName: it.OrgName})
		}
		rec.ByOrg[i].Minutes += it.Minutes
		rec.ByOrg[i].Hours = Hours(rec.ByOrg[i].Minutes)
	}
	rec.TotalHours = Hours(rec.TotalMinutes)
	return rec, nil
}

// hours collects a volunteer's confirmed entries, oldest first.
func (s *Service) hours(ctx context.Context, volunteerID string) ([]HoursEntry, error) {
	sus, err := s.Store.FindSignups(ctx, SignupFilter{VolunteerID: volunteerID, HoursConfirmed: true})
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	orgName := func(id string) (string, error) {
		if n, ok := names[id]; ok {
			return n, nil
		}
		n, err := s.OrgName(ctx, id)
		if err != nil {
			return "", err
		}
		names[id] = n
		return n, nil
	}
	items := []HoursEntry{}
	for _, su := range sus {
		if su.Minutes <= 0 {
			continue
		}
		n, err := orgName(su.OrgID)
		if err != nil {
			return nil, err
		}
		items = append(items, HoursEntry{Kind: KindActivity, SourceID: su.ID, OrgID: su.OrgID, OrgName: n, Title: su.Title,
			Date: su.Start.In(Shanghai).Format("2006-01-02"), Minutes: su.Minutes})
	}
	if s.PairingLogs != nil {
		logs, err := s.PairingLogs(ctx, volunteerID)
		if err != nil {
			return nil, err
		}
		for _, l := range logs {
			if l.Minutes <= 0 {
				continue
			}
			n, err := orgName(l.OrgID)
			if err != nil {
				return nil, err
			}
			items = append(items, HoursEntry{Kind: KindPairing, SourceID: l.ID, OrgID: l.OrgID, OrgName: n, Title: l.Title, Date: l.Date, Minutes: l.Minutes})
		}
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].Date < items[j].Date })
	return items, nil
}

// Certificate statuses.
const (
	CertificateValid      = "valid"
	CertificateSuperseded = "superseded"
)

// CertificateLine is one activity (or pairing) on a certificate.
type CertificateLine struct {
	Kind     string `bson:"kind" json:"kind"`
	Title    string `bson:"title" json:"title"`
	Sessions int    `bson:"sessions" json:"sessions"`
	Minutes  int    `bson:"minutes" json:"minutes"`
	From     string `bson:"from" json:"from"`
	To       string `bson:"to" json:"to"`
}

// CertificateContent is everything a certificate states, fixed at issue.
// Its SHA-256 (over this JSON encoding) is recorded and printed.
type CertificateContent struct {
	Serial        string            `bson:"serial" json:"serial"`
	VolunteerName string            `bson:"volunteer_name" json:"volunteer_name"`
	OrgID         string            `bson:"org_id" json:"org_id"`
	OrgName       string            `bson:"org_name" json:"org_name"`
	PeriodFrom    string            `bson:"period_from" json:"period_from"`
	PeriodTo      string            `bson:"period_to" json:"period_to"`
	TotalMinutes  int               `bson:"total_minutes" json:"total_minutes"`
	Lines         []CertificateLine `bson:"activities" json:"activities"`
	// IssuedAt is RFC 3339 in Asia/Shanghai.
	IssuedAt  string `bson:"issued_at" json:"issued_at"`
	VerifyURL string `bson:"verify_url" json:"verify_url"`
}

// Hash returns the hex SHA-256 of the content's JSON encoding.
func (c *CertificateContent) Hash() string {
	b, err := json.Marshal(c)
	if err != nil {
		panic(err) // strings and integers only: cannot fail
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Certificate is an issued volunteer-service certificate (志愿服务证明).
type Certificate struct {
	Serial        string             `bson:"_id" json:"serial"`
	VolunteerID   string             `bson:"volunteer_id" json:"-"`
	OrgID         string             `bson:"org_id" json:"org_id"`
	Content       CertificateContent `bson:"content" json:"content"`
	ContentSHA256 string             `bson:"content_sha256" json:"content_sha256"`
	Status        string             `bson:"status" json:"status"`
	SupersededBy  string             `bson:"superseded_by,omitempty" json:"superseded_by,omitempty"`
	IssuedAt      time.Time          `bson:"issued_at" json:"issued_at"`
}

// CertificateInput asks for a certificate of the hours with one
// organisation, optionally within a period (dates YYYY-MM-DD, inclusive).
type CertificateInput struct {
	OrgID string `json:"org_id"`
	From  string `json:"from"`
	To    string `json:"to"`
}

var serialRE = regexp.MustCompile(`^TB-[0-9]{4}-[0-9A-HJKMNP-TV-Z]{10}$`)

func newSerial(now time.Time) string { return tongban.Serial("TB", now.In(Shanghai).Year()) }

// VerifyPath is the public web page that verifies a certificate (its QR
// code's payload); the page reads GET /api/v1/certificates/{serial}.
func VerifyPath(serial string) string { return "/certificates/" + serial }

// IssueCertificate issues the calling volunteer a certificate of their
// confirmed hours with one organisation. Its content is fixed now; issuing
// again makes a new serial and supersedes the earlier certificate.
// requestBase is the site URL as the request reached it (used when
// PublicURL is not configured).
func (s *Service) IssueCertificate(ctx context.Context, in CertificateInput, requestBase string) (*Certificate, error) {
	me, err := requireVolunteer(ctx)
	if err != nil {
		return nil, err
	}
	var v tongban.Validation
	v.Check(in.OrgID != "", "org_id", "is required")
	if in.From != "" {
		_, err := time.Parse("2006-01-02", in.From)
		v.Check(err == nil, "from", "must be a date YYYY-MM-DD")
	}
	if in.To != "" {
		_, err := time.Parse("2006-01-02", in.To)
		v.Check(err == nil && (in.From == "" || in.To >= in.From), "to", "must be a date YYYY-MM-DD not before from")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	all, err := s.hours(ctx, me.UserID)
	if err != nil {
		return nil, err
	}
	var items []HoursEntry
	for _, it := range all {
		if it.OrgID == in.OrgID && (in.From == "" || it.Date >= in.From) && (in.To == "" || it.Date <= in.To) {
			items = append(items, it)
		}
	}
	if len(items) == 0 {
		return nil, tongban.Errorf(tongban.ECONFLICT, "You have no confirmed hours with this organisation in this period.")
	}
	name, err := s.DisplayName(ctx, me.UserID)
	if err != nil {
		return nil, err
	}
	now := s.now().Truncate(time.Second)
	serial := newSerial(now)
	c := CertificateContent{Serial: serial, VolunteerName: name, OrgID: in.OrgID, OrgName: items[0].OrgName,
		PeriodFrom: items[0].Date, PeriodTo: items[len(items)-1].Date, Lines: []CertificateLine{},
		IssuedAt: now.In(Shanghai).Format(time.RFC3339), VerifyURL: s.baseURL(requestBase) + VerifyPath(serial)}
	if in.From != "" {
		c.PeriodFrom = in.From
	}
	if in.To != "" {
		c.PeriodTo = in.To
	}
	at := map[string]int{}
	for _, it := range items {
		c.TotalMinutes += it.Minutes
		key := it.Kind + "\x00" + it.Title
		i, ok := at[key]
		if !ok {
			i = len(c.Lines)
			at[key] = i
			c.Lines = append(c.Lines, CertificateLine{Kind: it.Kind, Title: it.Title, From: it.Date})
		}
		c.Lines[i].Sessions++
		c.Lines[i].Minutes += it.Minutes
		c.Lines[i].To = it.Date
	}
	cert := &Certificate{Serial: serial, VolunteerID: me.UserID, OrgID: in.OrgID, Content: c, ContentSHA256: c.Hash(), Status: CertificateValid, IssuedAt: now}
	if err := s.Store.CreateCertificate(ctx, cert); err != nil {
		return nil, err
	}
	if err := s.Store.SupersedeCertificates(ctx, me.UserID, in.OrgID, serial); err != nil {
		return nil, err
	}
	return cert, nil
}

// MyCertificates lists the calling volunteer's certificates, newest first.
func (s *Service) MyCertificates(ctx context.Context) ([]*Certificate, error) {
	me, err := requireVolunteer(ctx)
	if err != nil {
		return nil, err
	}
	return s.Store.FindCertificates(ctx, me.UserID)
}

// CertificatePDF renders a certificate for its volunteer, staff of its
// organisation or an administrator.
func (s *Service) CertificatePDF(ctx context.Context, serial string) ([]byte, *Certificate, error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, nil, err
	}
	if !serialRE.MatchString(serial) {
		return nil, nil, tongban.Errorf(tongban.ENOTFOUND, "certificate not found.")
	}
	c, err := s.Store.FindCertificate(ctx, serial)
	if err != nil {
		return nil, nil, err
	}
	if c.VolunteerID != me.UserID && !canView(me, c.OrgID) {
		return nil, nil, tongban.Errorf(tongban.ENOTFOUND, "certificate not found.")
	}
	pdf, err := s.pdfs.get(c, RenderCertificate)
	if err != nil {
		return nil, nil, err
	}
	return pdf, c, nil
}

// pdfCacheSize bounds the rendered certificates kept in memory.
const pdfCacheSize = 128

// pdfCache keeps recently rendered certificates: content is fixed at issue
// and rendering is deterministic, so a cached PDF never goes stale, and
// repeated downloads do not re-parse the font.
type pdfCache struct {
	mu    sync.Mutex
	pdfs  map[string][]byte
	order []string
}

func (pc *pdfCache) get(c *Certificate, render func(*CertificateContent, string) ([]byte, error)) ([]byte, error) {
	key := c.Serial + "/" + c.ContentSHA256
	pc.mu.Lock()
	b, ok := pc.pdfs[key]
	pc.mu.Unlock()
	if ok {
		return b, nil
	}
	b, err := render(&c.Content, c.ContentSHA256)
	if err != nil {
		return nil, err
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.pdfs == nil {
		pc.pdfs = map[string][]byte{}
	}
	if _, ok := pc.pdfs[key]; !ok {
		if len(pc.order) >= pdfCacheSize {
			delete(pc.pdfs, pc.order[0])
			pc.order = pc.order[1:]
		}
		pc.pdfs[key] = b
		pc.order = append(pc.order, key)
	}
	return b, nil
}

// PublicCertificate is what anyone holding a serial sees: the facts with
// the name masked, and whether the certificate is valid.
type PublicCertificate struct {
	Serial        string            `json:"serial"`
	VolunteerName string            `json:"volunteer_name_masked"`
	OrgName       string            `json:"org_name"`
	PeriodFrom    string            `json:"period_from"`
	PeriodTo      string            `json:"period_to"`
	TotalMinutes  int               `json:"total_minutes"`
	TotalHours    float64           `json:"total_hours"`
	Activities    []CertificateLine `json:"activities"`
	IssuedAt      string            `json:"issued_at"`
	Status        string            `json:"status"`
	// Valid: not superseded, and the stored content still has its hash.
	Valid         bool   `json:"valid"`
	ContentSHA256 string `json:"content_sha256"`
	SupersededBy  string `json:"superseded_by,omitempty"`
}

// MaskName keeps the first character of a name and masks the rest.
func MaskName(name string) string { return accounts.MaskName(name) }

// VerifyCertificate returns a certificate's public facts to anyone.
func (s *Service) VerifyCertificate(ctx context.Context, serial string) (*PublicCertificate, error) {
	if !serialRE.MatchString(serial) {
		return nil, tongban.Errorf(tongban.ENOTFOUND, "certificate not found.")
	}
	c, err := s.Store.FindCertificate(ctx, serial)
	if err != nil {
		return nil, err
	}
	ct := c.Content
	return &PublicCertificate{Serial: c.Serial, VolunteerName: MaskName(ct.VolunteerName), OrgName: ct.OrgName, PeriodFrom: ct.PeriodFrom,
		PeriodTo: ct.PeriodTo, TotalMinutes: ct.TotalMinutes, TotalHours: Hours(ct.TotalMinutes), Activities: ct.Lines, IssuedAt: ct.IssuedAt,
		Status: c.Status, Valid: c.Status == CertificateValid && ct.Hash() == c.ContentSHA256, ContentSHA256: c.ContentSHA256, SupersededBy: c.SupersededBy}, nil
}
