package api

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

type metrics struct {
	reg           *prometheus.Registry
	latency       *prometheus.HistogramVec
	backendErrors *prometheus.CounterVec
}

func newMetrics(outboxLag func(ctx context.Context) (time.Duration, error)) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "tongban_http_request_duration_seconds", Help: "HTTP request latency by method, route and status.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"method", "route", "status"})
	m.backendErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tongban_backend_errors_total", Help: "Errors by backend (database, search, blob, outbox, internal).",
	}, []string{"backend"})
	m.reg.MustRegister(m.latency, m.backendErrors, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if outboxLag != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "tongban_outbox_lag_seconds", Help: "Age of the oldest search outbox entry not yet applied (0 when empty).",
		}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			d, err := outboxLag(ctx)
			if err != nil {
				m.backendErrors.WithLabelValues("outbox").Inc()
				return -1
			}
			return d.Seconds()
		}))
	}
	return m
}

// BackendError counts an error of a backend (for callers outside HTTP, such
// as the outbox worker).
func (s *Server) BackendError(backend string) { s.metrics.backendErrors.WithLabelValues(backend).Inc() }

func (s *Server) metricsHandler() fiber.Handler {
	return adaptor.HTTPHandler(promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}))
}
