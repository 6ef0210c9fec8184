package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/tongban/tongban/accounts"
	"github.com/tongban/tongban/activities"
	"github.com/tongban/tongban/api"
	"github.com/tongban/tongban/donations"
	"github.com/tongban/tongban/geo"
	"github.com/tongban/tongban/internal/blob"
	"github.com/tongban/tongban/internal/mongodb"
	"github.com/tongban/tongban/internal/outbox"
	"github.com/tongban/tongban/internal/payment"
	"github.com/tongban/tongban/internal/privacy"
	"github.com/tongban/tongban/internal/search"
	"github.com/tongban/tongban/internal/search/bleve"
	"github.com/tongban/tongban/matching"
)

var env struct {
	db      *mongodb.DB
	svc     *accounts.Service
	store   *mongodb.AccountStore
	worker  *outbox.Worker
	orgIdx  search.Index
	needIdx search.Index
	needs   *matching.NeedService
	vols    *matching.VolunteerService
	pairs   *matching.PairingService
	money   *api.Money
	acts    *activities.Service
	pledges *donations.PledgeService
	router  routers.Router
	checked sync.Map // "METHOD path status" -> true, responses validated
}

var orgSchema = search.Schema{
	Name: accounts.OrgIndex, Searchable: []string{"name", "county_name", "type_name"},
	Filterable: []string{"type", "county_code"}, Sortable: []string{"county_code"}, Facets: []string{"type", "county_code"},
}

type notifier struct {
	*mongodb.OutboxStore
	w *outbox.Worker
}

func (n notifier) Notify() { n.w.Notify() }

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tongban-api-test")
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	env.db, err = mongodb.Open(ctx, mongodb.Config{DataDir: dir})
	if err != nil {
		panic(err)
	}
	env.orgIdx, err = bleve.Open(filepath.Join(dir, "orgs"), orgSchema)
	if err != nil {
		panic(err)
	}
	rawNeeds, err := bleve.Open(filepath.Join(dir, "needs"), api.NeedSchema)
	if err != nil {
		panic(err)
	}
	// As in production: results and encoded responses are cached per index
	// generation, so the lifecycle tests also prove withdrawals bypass them.
	env.needIdx = search.Cached(rawNeeds, 1000)
	env.store = mongodb.NewAccountStore(env.db)
	ob := mongodb.NewOutboxStore(env.db)
	env.worker = &outbox.Worker{Store: ob, Sources: map[string]outbox.Source{
		accounts.OrgIndex:  {Index: env.orgIdx, Projector: mongodb.NewOrgProjector(env.db)},
		matching.NeedIndex: {Index: env.needIdx, Projector: mongodb.NewNeedProjector(env.db)},
	}}
	env.svc = &accounts.Service{Users: env.store, Orgs: env.store, Sessions: env.store, Audit: env.store, Counties: geo.LookupCounty, Outbox: notifier{ob, env.worker}}
	env.needs = &matching.NeedService{Store: mongodb.NewNeedStore(env.db), Screen: privacy.Check, County: geo.LookupCounty,
		TownshipOK: geo.TownshipInCounty, OrgName: func(ctx context.Context, id string) (string, error) {
			o, err := env.store.FindOrgByID(ctx, id)
			if err != nil {
				return "", err
			}
			return o.Name, nil
		}, Outbox: notifier{ob, env.worker}, Unindex: env.needIdx.Delete}
	env.vols = &matching.VolunteerService{Store: mongodb.NewVolunteerStore(env.db), Needs: env.needs.Store, TownshipOK: geo.TownshipInCounty,
		DisplayName: func(ctx context.Context, id string) (string, error) {
			u, err := env.store.FindUserByID(ctx, id)
			if err != nil {
				return "", err
			}
			return u.DisplayName, nil
		},
		Scorer: &matching.Scorer{Weights: matching.DefaultWeights, Place: geo.Centroid, Distance: geo.DistanceKm}}
	env.pairs = &matching.PairingService{Store: mongodb.NewPairingStore(env.db), Needs: env.needs.Store, Volunteers: env.vols.Store,
		Scorer: env.vols.Scorer, Screen: privacy.Check}
	env.acts = newActivityService()
	env.svc.Erasure = append(env.svc.Erasure, env.vols.Erase)
	env.svc.Exporters = map[string]func(context.Context, string) (any, error){
		"volunteer": func(ctx context.Context, id string) (any, error) { return env.vols.Export(ctx, id, env.pairs.Store) },
	}
	s3, err := blob.StartEmbedded(filepath.Join(dir, "s3"))
	if err != nil {
		panic(err)
	}
	store, err := blob.Open(ctx, s3.Config("tongban"))
	if err != nil {
		panic(err)
	}
	sandbox, err := payment.NewSandbox()
	if err != nil {
		panic(err)
	}
	env.money = &api.Money{Donations: &donations.Service{Ledger: mongodb.NewLedgerStore(env.db), Campaigns: mongodb.NewCampaignStore(env.db),
		Expenses: mongodb.NewExpenseStore(env.db), Needs: env.needs.Store, Progress: mongodb.NewNeedProgressStore(env.db), Screen: privacy.Check},
		Orders: mongodb.NewOrderStore(env.db), Blob: store, Sandbox: sandbox, Verifier: sandbox.Verifier(), MaxUpload: api.UploadLimit}
	env.money.Receipts = &donations.Receipts{Money: env.money.Donations, Store: mongodb.NewReceiptStore(env.db), Users: env.store, Orgs: env.store}
	env.money.Thumbnails = &donations.Thumbnails{Money: env.money.Donations, Store: mongodb.NewThumbnailStore(env.db), Blobs: api.BlobBytes(store), MaxSource: api.UploadLimit}
	env.pledges = &donations.PledgeService{Store: mongodb.NewPledgeStore(env.db), Needs: env.needs.Store, Screen: privacy.Check,
		Photo: func(ctx context.Context, key string) (donations.PhotoInfo, error) {
			info, err := store.Stat(ctx, key)
			return donations.PhotoInfo{SHA256: info.SHA256, ContentType: info.ContentType}, err
		}}
	env.pledges.DonorName = env.vols.DisplayName
	env.svc.Erasure = append(env.svc.Erasure, env.pledges.Erase)
	env.svc.Exporters["pledges"] = env.pledges.Export
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPISpec)
	if err != nil {
		panic(err)
	}
	if err := doc.Validate(ctx); err != nil {
		panic(fmt.Sprintf("openapi.yaml is invalid: %v", err))
	}
	doc.Servers = openapi3.Servers{{URL: "http://example.com"}}
	env.router, err = gorillamux.NewRouter(doc)
	if err != nil {
		panic(err)
	}
	code := m.Run()
	_ = env.orgIdx.Close()
	_ = env.needIdx.Close()
	_ = env.db.Close(ctx)
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// newServer builds an API server over the shared test database.
func newServer(t testing.TB, cfg api.Config) *testServer {
	t.Helper()
	srv := api.New(cfg, api.Deps{Accounts: env.svc, Stats: env.store, OrgIndex: env.orgIdx, Needs: env.needs, NeedIndex: env.needIdx, Volunteers: env.vols, Pairings: env.pairs, Money: env.money, Activities: env.acts,
		Pledges: env.pledges,
		Checks:  []api.Check{{Name: "database", Fn: env.db.Ping}}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.App.Listener(ln) }()
	t.Cleanup(func() { _ = srv.App.Shutdown() })
	return &testServer{Server: srv, base: "http://" + ln.Addr().String()}
}

// testServer is an API server listening on loopback.
type testServer struct {
	*api.Server
	base string
}

// client is a cookie-keeping test client that validates every response
// against the OpenAPI spec.
type client struct {
	t       testing.TB
	srv     *testServer
	mu      sync.Mutex // guards cookies: tests share clients across goroutines
	cookies map[string]string
	bearer  string
}

func newClient(t testing.TB, srv *testServer) *client {
	return &client{t: t, srv: srv, cookies: map[string]string{}}
}

type resp struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r resp) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body %q: %v", r.Body, err)
	}
	return m
}

// do sends a request; body may be a string (sent raw) or a value (JSON).
func (c *client) do(method, path string, body any, headers ...string) resp {
	c.t.Helper()
	var rd io.Reader
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			c.t.Fatal(err)
		}
	}
	if raw != nil {
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.srv.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("X-Forwarded-For", "192.0.2.1")
	c.mu.Lock()
	if csrf, ok := c.cookies[api.CSRFCookie]; ok {
		req.Header.Set(api.CSRFHeader, csrf)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "Host" {
			req.Host = headers[i+1]
		} else if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	for k, v := range c.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	c.mu.Unlock()
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	c.mu.Lock()
	for _, ck := range res.Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck.Value
		}
	}
	c.mu.Unlock()
	validate(c.t, req, raw, res, out)
	return resp{Status: res.StatusCode, Header: res.Header, Body: out}
}

// validate checks a response against the spec: the route and the status
// must be documented and the body must match the schema.
func validate(t testing.TB, req *http.Request, reqBody []byte, res *http.Response, body []byte) {
	t.Helper()
	if res.StatusCode >= 500 {
		t.Errorf("%s %s: status %d, body %s", req.Method, req.URL.Path, res.StatusCode, body)
	}
	if !strings.HasPrefix(req.URL.Path, "/api/") && req.URL.Path != "/healthz" && req.URL.Path != "/readyz" {
		return
	}
	r2 := req.Clone(context.Background())
	r2.URL.Scheme, r2.URL.Host, r2.Host = "http", "example.com", "example.com"
	r2.Body = io.NopCloser(bytes.NewReader(reqBody))
	route, params, err := env.router.FindRoute(r2)
	if err != nil {
		if res.StatusCode == http.StatusNotFound || res.StatusCode == http.StatusMethodNotAllowed {
			return // unknown routes are answered with a problem, not in the spec
		}
		t.Errorf("%s %s: not in openapi.yaml: %v", req.Method, req.URL.Path, err)
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r2, PathParams: params, Route: route},
		Status:                 res.StatusCode,
		Header:                 res.Header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if ct := res.Header.Get("Content-Type"); !strings.Contains(ct, "json") {
		in.Options.ExcludeResponseBody = true
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s -> %d does not match openapi.yaml: %v\nbody: %s", req.Method, req.URL.Path, res.StatusCode, err, body)
	}
	env.checked.Store(fmt.Sprintf("%s %s", req.Method, route.Path), true)
}

// csrfReady fetches a page so the client holds a CSRF cookie.
func (c *client) csrfReady() *client {
	c.t.Helper()
	c.do("GET", "/healthz", nil)
	if c.cookies[api.CSRFCookie] == "" {
		c.t.Fatal("no CSRF cookie set")
	}
	return c
}

var userSeq struct {
	sync.Mutex
	n int
}

// signup registers a fresh account and returns a logged-in client.
func signup(t testing.TB, srv *testServer, roles ...string) (*client, string) {
	t.Helper()
	userSeq.Lock()
	userSeq.n++
	login := fmt.Sprintf("user%d-%s@example.com", userSeq.n, strings.ToLower(t.Name()[:min(8, len(t.Name()))]))
	userSeq.Unlock()
	c := newClient(t, srv).csrfReady()
	r := c.do("POST", "/api/v1/auth/signup", map[string]any{"login": login, "password": "correct horse battery", "display_name": "测试用户", "roles": roles})
	if r.Status != 201 {
		t.Fatalf("signup: %d %s", r.Status, r.Body)
	}
	return c, login
}

// makeAdmin creates an admin account directly and logs it in.
func makeAdmin(t testing.TB, srv *testServer) *client {
	t.Helper()
	userSeq.Lock()
	userSeq.n++
	login := fmt.Sprintf("admin%d@example.com", userSeq.n)
	userSeq.Unlock()
	if _, err := env.svc.CreateUser(context.Background(), login, "admin password 1", "管理员", []string{accounts.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, srv).csrfReady()
	if r := c.do("POST", "/api/v1/auth/login", map[string]any{"login": login, "password": "admin password 1"}); r.Status != 200 {
		t.Fatalf("admin login: %d %s", r.Status, r.Body)
	}
	return c
}
