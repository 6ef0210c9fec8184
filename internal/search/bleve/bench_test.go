package bleve_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tongban/tongban/internal/search"
	"github.com/tongban/tongban/internal/search/bleve"
)

// benchSchema is the schema of the public needs index.
var benchSchema = search.Schema{
	Name:       "needs",
	Searchable: []string{"title", "narrative"},
	Filterable: []string{"kind", "county", "age_band", "status", "created_at"},
	Numeric:    []string{"urgency"},
	Sortable:   []string{"created_at", "urgency"},
	Facets:     []string{"kind", "county", "age_band", "status"},
}

// needDocs generates n need-like documents, deterministically.
func needDocs(n int) []search.Document {
	r := rand.New(rand.NewPCG(1, 2))
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	places := []string{"凉山州", "毕节市", "黔东南州", "怒江州", "甘南州", "临夏州", "昭通市", "六盘水市", "湘西州", "恩施州"}
	subjects := []string{"周末课业辅导", "心理辅导与陪伴", "亲子阅读陪伴", "冬季棉衣捐赠", "文具与书包捐赠", "班级图书角建设",
		"营养午餐补助", "编程兴趣小组", "防溺水安全教育", "亲情视频通话", "英语口语练习", "美术兴趣课"}
	grades := []string{"一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "初一", "初二"}
	sentences := []string{"父母常年在外务工，孩子由祖辈照看。", "学校距离县城较远，课外资源有限。", "孩子数学基础薄弱，需要耐心讲解。",
		"冬季气温低，保暖衣物不足。", "希望志愿者每周固定时间线上陪伴。", "需要 20 件 130 码棉衣。", "孩子性格内向，需要定期谈心。",
		"村小图书较少，绘本需求大。", "Volunteers can join online on weekends.", "Tutoring in math and English is welcome."}
	kinds := []string{"tutoring", "counseling", "goods", "activity", "health"}
	ages := []string{"3-5", "6-8", "9-11", "12-14", "15-17"}
	statuses := []string{"published", "published", "published", "published", "draft", "closed"}
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	docs := make([]search.Document, n)
	for i := range docs {
		var narrative strings.Builder
		for range 3 {
			narrative.WriteString(pick(sentences))
		}
		docs[i] = search.Document{
			"id":         fmt.Sprintf("need-%05d", i),
			"title":      pick(places) + pick(subjects) + "，" + pick(grades),
			"narrative":  narrative.String(),
			"kind":       pick(kinds),
			"county":     fmt.Sprintf("5%05d", 1000+r.IntN(40)),
			"age_band":   pick(ages),
			"status":     pick(statuses),
			"urgency":    1 + r.IntN(5),
			"created_at": start.Add(time.Duration(r.IntN(2*365*24)) * time.Hour).Format(time.RFC3339),
		}
	}
	return docs
}

// BenchmarkSearch searches 10,000 needs with text, two filters and three
// facets, as the public needs page does.
func BenchmarkSearch(b *testing.B) {
	ix := MustOpenIndex(b, filepath.Join(b.TempDir(), "index"), benchSchema)
	ctx := context.Background()
	if err := ix.Upsert(ctx, needDocs(10000)); err != nil {
		b.Fatal(err)
	}
	three := 3.0
	q := search.Query{
		Text: "辅导",
		Filters: []search.Filter{
			{Field: "status", Values: []string{"published"}},
			{Field: "urgency", Min: &three},
		},
		Facets: []string{"kind", "county", "age_band"},
		Limit:  20,
	}
	res, err := ix.Search(ctx, q)
	if err != nil {
		b.Fatal(err)
	}
	if res.Total == 0 || len(res.Hits) != 20 || len(res.Facets["county"]) == 0 {
		b.Fatalf("unexpected result: total %d, %d hits, facets %v", res.Total, len(res.Hits), res.Facets)
	}
	for b.Loop() {
		if _, err := ix.Search(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(res.Total), "matches")
}

// BenchmarkUpsert10000 indexes 10,000 needs in one batch into a new index.
func BenchmarkUpsert10000(b *testing.B) {
	docs := needDocs(10000)
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		ix, err := bleve.Open(filepath.Join(b.TempDir(), "index"), benchSchema)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := ix.Upsert(ctx, docs); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if n, err := ix.Count(ctx); err != nil || n != len(docs) {
			b.Fatalf("Count = %d, %v; want %d", n, err, len(docs))
		}
		if err := ix.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(len(docs)), "docs/op")
}
