package main

import (
	"context"
	"io"
	"log/slog"
	"sort"
	"testing"
	"time"

	"github.com/tongban/tongban/api"
	"github.com/tongban/tongban/internal/config"
	"github.com/tongban/tongban/internal/search"
	"github.com/tongban/tongban/matching"
)

// BenchmarkNeedSearch measures a public need search with text, two filters
// and facets over the demo city at size 313 (10,016 published needs) on the
// embedded stack, and reports p50/p99 latency.
func BenchmarkNeedSearch(b *testing.B) {
	ctx := context.Background()
	m := &Main{Config: config.Config{DataDir: b.TempDir(), S3Bucket: "tongban", MongoDatabase: "tongban"}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := m.Open(ctx); err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	if _, err := SeedDemo(ctx, m, 313); err != nil {
		b.Fatal(err)
	}
	if _, err := m.Worker.Drain(ctx); err != nil {
		b.Fatal(err)
	}
	ix := m.Sources[matching.NeedIndex].Index
	n, _ := ix.Count(ctx)
	b.ReportMetric(float64(n), "published_needs")
	queries := []search.Query{
		{Text: "辅导", Filters: []search.Filter{{Field: "county_code", Values: []string{"439921"}}, {Field: "kind", Values: []string{"pairing"}}}, Facets: api.NeedSchema.Facets},
		{Text: "棉衣", Filters: []search.Filter{{Field: "county_code", Values: []string{"439922"}}, {Field: "status", Values: []string{"published"}}}, Facets: api.NeedSchema.Facets},
		{Text: "tutoring", Filters: []search.Filter{{Field: "online", Values: []string{"yes"}}, {Field: "age_band", Values: []string{"9-11"}}}, Facets: api.NeedSchema.Facets},
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if _, err := ix.Search(ctx, queries[i%len(queries)]); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99_ms")
}
