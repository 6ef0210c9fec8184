package mongodb_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tongban/tongban"
	"github.com/tongban/tongban/accounts"
	"github.com/tongban/tongban/internal/mongodb"
)

var testDB *mongodb.DB

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tongban-mongodb-test")
	if err != nil {
		panic(err)
	}
	testDB, err = mongodb.Open(context.Background(), mongodb.Config{URI: os.Getenv("TONGBAN_MONGODB_URI"), DataDir: dir, Database: "test_" + tongban.NewID()})
	if err != nil {
		panic(err)
	}
	code := m.Run()
	if !testDB.Embedded {
		_ = testDB.DB.Drop(context.Background())
	}
	_ = testDB.Close(context.Background())
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// TestGuardedDecrementsAreExact proves the embedded stack loses no update
// when 50 clients race to take from one counter that allows only 30.
func TestGuardedDecrementsAreExact(t *testing.T) {
	ctx := context.Background()
	c := testDB.Collection("counters_" + tongban.NewID())
	if _, err := c.InsertOne(ctx, bson.D{{Key: "_id", Value: "places"}, {Key: "left", Value: 30}}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := c.FindOneAndUpdate(ctx,
				bson.D{{Key: "_id", Value: "places"}, {Key: "left", Value: bson.D{{Key: "$gt", Value: 0}}}},
				bson.D{{Key: "$inc", Value: bson.D{{Key: "left", Value: -1}}}},
				options.FindOneAndUpdate().SetReturnDocument(options.After)).Err()
			if err == nil {
				mu.Lock()
				won++
				mu.Unlock()
			} else if err != mongo.ErrNoDocuments {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	var doc struct {
		Left int `bson:"left"`
	}
	if err := c.FindOne(ctx, bson.D{{Key: "_id", Value: "places"}}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if got, want := [2]int{won, doc.Left}, [2]int{30, 0}; got != want {
		t.Errorf("won, left = %v, want %v", got, want)
	}
}

func TestReopenKeepsDataAndIndexesAreIdempotent(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := mongodb.Open(ctx, mongodb.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	s := mongodb.NewAccountStore(db)
	u := &accounts.User{ID: tongban.NewID(), Login: "a@example.com", Email: "a@example.com", DisplayName: "A", Roles: []string{"donor"}, Memberships: []accounts.Membership{}, Version: 1, CreatedAt: time.Now().UTC().Truncate(time.Millisecond)}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(ctx); err != nil {
		t.Fatal(err)
	}
	db, err = mongodb.Open(ctx, mongodb.Config{DataDir: dir})
	if err != nil {
		t.Fatalf("second open (indexes again): %v", err)
	}
	defer db.Close(ctx)
	got, err := mongodb.NewAccountStore(db).FindUserByLogin(ctx, "a@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(u, got); diff != "" {
		t.Errorf("user after reopen (-want +got):\n%s", diff)
	}
}

func TestUserStore(t *testing.T) {
	ctx := context.Background()
	s := mongodb.NewAccountStore(testDB)
	login := fmt.Sprintf("u%s@example.com", tongban.NewID())
	u := &accounts.User{ID: tongban.NewID(), Login: login, Email: login, DisplayName: "U", Roles: []string{"volunteer"}, Memberships: []accounts.Membership{}, Version: 1}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	dup := *u
	dup.ID = tongban.NewID()
	name := "新名字"
	tests := []struct {
		name string
		do   func() error
		want string
	}{
		{"duplicate login", func() error { return s.CreateUser(ctx, &dup) }, tongban.ECONFLICT},
		{"missing user", func() error { _, err := s.FindUserByID(ctx, "nope"); return err }, tongban.ENOTFOUND},
		{"update current version", func() error {
			_, err := s.UpdateUser(ctx, u.ID, 1, accounts.UserUpdate{DisplayName: &name})
			return err
		}, ""},
		{"update stale version", func() error {
			_, err := s.UpdateUser(ctx, u.ID, 1, accounts.UserUpdate{DisplayName: &name})
			return err
		}, tongban.EPRECONDITION},
		{"update missing user", func() error { _, err := s.UpdateUser(ctx, "nope", 1, accounts.UserUpdate{}); return err }, tongban.ENOTFOUND},
		{"delete other's token", func() error { return s.DeleteToken(ctx, u.ID, "nope") }, tongban.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tongban.ErrorCode(tt.do()); got != tt.want {
				t.Errorf("code = %q, want %q", got, tt.want)
			}
		})
	}
	for range 5 {
		if err := s.RecordLoginFailure(ctx, u.ID, 5, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.FindUserByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.LockedUntil.After(time.Now()) || got.FailedLogins != 0 {
		t.Errorf("after 5 failures locked_until=%v failed=%d, want locked and reset", got.LockedUntil, got.FailedLogins)
	}
}

func TestFindPageCursor(t *testing.T) {
	ctx := context.Background()
	s := mongodb.NewAccountStore(testDB)
	var all []string
	cursor := ""
	for i := 0; i < 100; i++ {
		page, next, err := s.FindUsers(ctx, accounts.Page{Limit: 1, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range page {
			all = append(all, u.ID)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	n, err := testDB.Collection("users").CountDocuments(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(all), int(n); got != want {
		t.Errorf("paged %d users, collection has %d", got, want)
	}
	if _, _, err := s.FindUsers(ctx, accounts.Page{Cursor: "!!!"}); tongban.ErrorCode(err) != tongban.EINVALID {
		t.Errorf("bad cursor: got %v, want EINVALID", err)
	}
}
