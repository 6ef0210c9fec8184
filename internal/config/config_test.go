package config_test

import (
	"flag"
	"io"
	"strings"
	"testing"

	"github.com/tongban/tongban/internal/config"
)

func TestEnvAndFlags(t *testing.T) {
	t.Setenv("TONGBAN_ADDR", "0.0.0.0:9000")
	t.Setenv("TONGBAN_DEMO", "true")
	t.Setenv("TONGBAN_S3_TLS", "false")
	var c config.Config
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if err := c.Bind(fs); err != nil {
		t.Fatal(err)
	}
	if err := fs.Parse([]string{"--data-dir", "/srv/tongban"}); err != nil {
		t.Fatal(err)
	}
	if c.Addr != "0.0.0.0:9000" || !c.Demo || c.S3TLS || c.DataDir != "/srv/tongban" || c.S3Bucket != "tongban" || c.CookieSecure != "auto" {
		t.Errorf("config %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("valid config refused: %v", err)
	}
}

func TestValidate(t *testing.T) {
	base := func() config.Config {
		var c config.Config
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		_ = c.Bind(fs)
		_ = fs.Parse(nil)
		return c
	}
	tests := []struct {
		name string
		mod  func(*config.Config)
		want string
	}{
		{"tls cert without key", func(c *config.Config) { c.TLSCert = "c.pem" }, "TONGBAN_TLS_KEY"},
		{"s3 without secret", func(c *config.Config) { c.S3Endpoint, c.S3AccessKey = "s3:9000", "k" }, "TONGBAN_S3_SECRET_KEY"},
		{"cookie mode", func(c *config.Config) { c.CookieSecure = "sometimes" }, "TONGBAN_COOKIE_SECURE"},
		{"log level", func(c *config.Config) { c.LogLevel = "loud" }, "TONGBAN_LOG_LEVEL"},
		{"demo size", func(c *config.Config) { c.DemoSize = 0 }, "TONGBAN_DEMO_SIZE"},
		{"body limit", func(c *config.Config) { c.BodyLimit = 10 }, "TONGBAN_BODY_LIMIT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base()
			tt.mod(&c)
			if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v, want mention of %s", err, tt.want)
			}
		})
	}
	t.Setenv("TONGBAN_DEMO_SIZE", "many")
	var c config.Config
	if err := c.Bind(flag.NewFlagSet("t", flag.ContinueOnError)); err == nil || !strings.Contains(err.Error(), "TONGBAN_DEMO_SIZE") {
		t.Errorf("malformed env accepted: %v", err)
	}
}
