// Package config reads the service settings. Every setting has an
// environment variable (TONGBAN_*) and a command-line flag; flags win.
package config

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Config holds every setting of `tongban serve` and the other commands.
type Config struct {
	Addr         string
	DataDir      string
	Demo         bool
	DemoSize     int
	LogLevel     string
	CookieSecure string
	TLSCert      string
	TLSKey       string
	BodyLimit    int

	MongoURI      string
	MongoDatabase string

	MeiliURL string
	MeiliKey string

	S3Endpoint  string
	S3AccessKey string
	S3SecretKey string
	S3Bucket    string
	S3Region    string
	S3TLS       bool

	PaymentSandbox  bool
	GeneralFundOrgs string

	CheckinSecret string
	PublicURL     string
}

// Setting documents one setting (used for flags and the README table).
type Setting struct {
	Env, Flag, Default, Help string
	str                      *string
	boolean                  *bool
	integer                  *int
}

// Settings returns the settings bound to c's fields.
func (c *Config) Settings() []Setting {
	return []Setting{
		{Env: "TONGBAN_ADDR", Flag: "addr", Default: "127.0.0.1:8080", Help: "HTTP listen address", str: &c.Addr},
		{Env: "TONGBAN_DATA_DIR", Flag: "data-dir", Default: "./data", Help: "directory of the embedded database, object store and search index", str: &c.DataDir},
		{Env: "TONGBAN_DEMO", Flag: "demo", Default: "false", Help: "seed the demo city into an empty database at start", boolean: &c.Demo},
		{Env: "TONGBAN_DEMO_SIZE", Flag: "demo-size", Default: "1", Help: "demo city size multiplier (benchmarks use larger cities)", integer: &c.DemoSize},
		{Env: "TONGBAN_LOG_LEVEL", Flag: "log-level", Default: "info", Help: "debug, info, warn or error", str: &c.LogLevel},
		{Env: "TONGBAN_COOKIE_SECURE", Flag: "cookie-secure", Default: "auto", Help: "Secure cookie attribute: auto (off only for plain HTTP to loopback), true, false", str: &c.CookieSecure},
		{Env: "TONGBAN_TLS_CERT", Flag: "tls-cert", Default: "", Help: "TLS certificate file (serve HTTPS and send HSTS)", str: &c.TLSCert},
		{Env: "TONGBAN_TLS_KEY", Flag: "tls-key", Default: "", Help: "TLS private key file", str: &c.TLSKey},
		{Env: "TONGBAN_BODY_LIMIT", Flag: "body-limit", Default: "1048576", Help: "largest accepted request body, bytes", integer: &c.BodyLimit},
		{Env: "TONGBAN_MONGODB_URI", Flag: "mongodb-uri", Default: "", Help: "MongoDB URI; empty = embedded FerretDB (SQLite) under the data dir", str: &c.MongoURI},
		{Env: "TONGBAN_MONGODB_DATABASE", Flag: "mongodb-database", Default: "tongban", Help: "database name", str: &c.MongoDatabase},
		{Env: "TONGBAN_MEILI_URL", Flag: "meili-url", Default: "", Help: "Meilisearch URL; empty = embedded Bleve index under the data dir", str: &c.MeiliURL},
		{Env: "TONGBAN_MEILI_KEY", Flag: "meili-key", Default: "", Help: "Meilisearch API key", str: &c.MeiliKey},
		{Env: "TONGBAN_S3_ENDPOINT", Flag: "s3-endpoint", Default: "", Help: "S3/MinIO endpoint host:port; empty = embedded S3 on loopback", str: &c.S3Endpoint},
		{Env: "TONGBAN_S3_ACCESS_KEY", Flag: "s3-access-key", Default: "", Help: "S3 access key", str: &c.S3AccessKey},
		{Env: "TONGBAN_S3_SECRET_KEY", Flag: "s3-secret-key", Default: "", Help: "S3 secret key (env only in production)", str: &c.S3SecretKey},
		{Env: "TONGBAN_S3_BUCKET", Flag: "s3-bucket", Default: "tongban", Help: "bucket for receipts and uploads", str: &c.S3Bucket},
		{Env: "TONGBAN_S3_REGION", Flag: "s3-region", Default: "", Help: "S3 region", str: &c.S3Region},
		{Env: "TONGBAN_S3_TLS", Flag: "s3-tls", Default: "true", Help: "use HTTPS to reach S3", boolean: &c.S3TLS},
		{Env: "TONGBAN_PAYMENT_SANDBOX", Flag: "payment-sandbox", Default: "true", Help: "serve the local WeChat Pay sandbox checkout (no real money)", boolean: &c.PaymentSandbox},
		{Env: "TONGBAN_CHECKIN_SECRET", Flag: "checkin-secret", Default: "", Help: "HMAC secret of the rotating check-in codes (env only; random at start when empty, so codes change on restart)", str: &c.CheckinSecret},
		{Env: "TONGBAN_PUBLIC_URL", Flag: "public-url", Default: "", Help: "public base URL used in QR codes and calendar links (e.g. https://tongban.example.org)", str: &c.PublicURL},
		{Env: "TONGBAN_GENERAL_FUND_ORGS", Flag: "general-fund-orgs", Default: "", Help: "comma-separated names of the organisations whose finance staff run the general fund (demo: 共青团隆安县委员会)", str: &c.GeneralFundOrgs},
	}
}

// Bind registers c's settings on fs with defaults from the environment.
// It returns an error naming the variable when an env value is malformed.
func (c *Config) Bind(fs *flag.FlagSet) error {
	for _, s := range c.Settings() {
		def := s.Default
		if v, ok := os.LookupEnv(s.Env); ok {
			def = v
		}
		switch {
		case s.str != nil:
			fs.StringVar(s.str, s.Flag, def, s.Help+" (env "+s.Env+")")
		case s.boolean != nil:
			b, err := strconv.ParseBool(def)
			if err != nil {
				return fmt.Errorf("%s: %q is not a boolean", s.Env, def)
			}
			fs.BoolVar(s.boolean, s.Flag, b, s.Help+" (env "+s.Env+")")
		case s.integer != nil:
			n, err := strconv.Atoi(def)
			if err != nil {
				return fmt.Errorf("%s: %q is not an integer", s.Env, def)
			}
			fs.IntVar(s.integer, s.Flag, n, s.Help+" (env "+s.Env+")")
		}
	}
	return nil
}

// Validate checks cross-field rules.
func (c *Config) Validate() error {
	var errs []string
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, "TONGBAN_TLS_CERT and TONGBAN_TLS_KEY go together")
	}
	if c.S3Endpoint != "" && (c.S3AccessKey == "" || c.S3SecretKey == "") {
		errs = append(errs, "TONGBAN_S3_ENDPOINT needs TONGBAN_S3_ACCESS_KEY and TONGBAN_S3_SECRET_KEY")
	}
	switch c.CookieSecure {
	case "auto", "true", "false":
	default:
		errs = append(errs, "TONGBAN_COOKIE_SECURE must be auto, true or false")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, "TONGBAN_LOG_LEVEL must be debug, info, warn or error")
	}
	if c.DemoSize < 1 || c.DemoSize > 1000 {
		errs = append(errs, "TONGBAN_DEMO_SIZE must be 1 to 1000")
	}
	if c.BodyLimit < 1024 {
		errs = append(errs, "TONGBAN_BODY_LIMIT must be at least 1024")
	}
	if len(errs) > 0 {
		return fmt.Errorf("configuration: %s", strings.Join(errs, "; "))
	}
	return nil
}
