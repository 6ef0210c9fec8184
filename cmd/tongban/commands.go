package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/tongban/tongban/accounts"
	"github.com/tongban/tongban/internal/mongodb"
	"github.com/tongban/tongban/internal/outbox"
)

// newFlags returns a flag set bound to every setting.
func newFlags(name string, stderr io.Writer) (*flag.FlagSet, *Main, error) {
	fs := flag.NewFlagSet("tongban "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	m := &Main{}
	if err := m.Config.Bind(fs); err != nil {
		return nil, nil, err
	}
	return fs, m, nil
}

func parse(fs *flag.FlagSet, m *Main, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return m.Config.Validate()
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, m, err := newFlags("serve", stderr)
	if err != nil {
		return err
	}
	if err := parse(fs, m, args); err != nil {
		return err
	}
	start := time.Now()
	m.Logger = NewLogger(stderr, m.Config.LogLevel)
	if err := m.Open(ctx); err != nil {
		_ = m.Close()
		return err
	}
	defer m.Close()
	if m.Config.Demo {
		seeded, err := SeedDemo(ctx, m, m.Config.DemoSize)
		if err != nil {
			return fmt.Errorf("seed demo data: %w", err)
		}
		if seeded {
			m.Logger.Info("demo data seeded")
		}
	}
	if err := m.resolveGeneralFund(ctx); err != nil {
		return err
	}
	if err := m.Listen(); err != nil {
		return err
	}
	m.Logger.Info("ready", "url", m.URL(), "startup_ms", time.Since(start).Milliseconds())
	fmt.Fprintf(stdout, "\nTongban is running at %s  (Ctrl-C to stop)\n", m.URL())
	if m.Config.Demo {
		fmt.Fprint(stdout, demoLoginsText())
	}
	return m.Run(ctx)
}

func runSeed(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, m, err := newFlags("seed", stderr)
	if err != nil {
		return err
	}
	if err := parse(fs, m, args); err != nil {
		return err
	}
	if !m.Config.Demo {
		return errors.New("seed needs --demo (the only data set is the fictional demo city)")
	}
	m.Logger = NewLogger(stderr, m.Config.LogLevel)
	if err := m.Open(ctx); err != nil {
		_ = m.Close()
		return err
	}
	defer m.Close()
	seeded, err := SeedDemo(ctx, m, m.Config.DemoSize)
	if err != nil {
		return err
	}
	if _, err := m.Worker.Drain(ctx); err != nil {
		return err
	}
	if !seeded {
		fmt.Fprintln(stdout, "The database already has data; nothing seeded.")
		return nil
	}
	fmt.Fprint(stdout, "Demo city seeded.\n"+demoLoginsText())
	return nil
}

func runUser(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: tongban user create [--admin] [--volunteer] [--donor] --login L --name N (password from TONGBAN_PASSWORD or stdin)")
	}
	fs, m, err := newFlags("user create", stderr)
	if err != nil {
		return err
	}
	admin := fs.Bool("admin", false, "make the account an administrator")
	volunteer := fs.Bool("volunteer", false, "give the volunteer role")
	donor := fs.Bool("donor", false, "give the donor role")
	login := fs.String("login", "", "e-mail or mainland mobile number")
	name := fs.String("name", "", "display name")
	if err := parse(fs, m, args[1:]); err != nil {
		return err
	}
	password := os.Getenv("TONGBAN_PASSWORD")
	if password == "" {
		fmt.Fprint(stderr, "Password (min 10 characters): ")
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return errors.New("no password given on stdin or in TONGBAN_PASSWORD")
		}
		password = strings.TrimRight(line, "\r\n")
	}
	var roles []string
	if *admin {
		roles = append(roles, accounts.RoleAdmin)
	}
	if *volunteer {
		roles = append(roles, accounts.RoleVolunteer)
	}
	if *donor {
		roles = append(roles, accounts.RoleDonor)
	}
	m.Logger = NewLogger(stderr, "warn")
	if err := m.Open(ctx); err != nil {
		_ = m.Close()
		return err
	}
	defer m.Close()
	u, err := m.Accounts.CreateUser(ctx, *login, password, *name, roles)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "Created user %s (%s) with roles %v\n", u.ID, *login, u.Roles)
	return nil
}

func runReindex(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, m, err := newFlags("reindex", stderr)
	if err != nil {
		return err
	}
	if err := parse(fs, m, args); err != nil {
		return err
	}
	m.Logger = NewLogger(stderr, "warn")
	if err := m.Open(ctx); err != nil {
		_ = m.Close()
		return err
	}
	defer m.Close()
	for name, src := range m.Sources {
		total, err := src.Projector.Count(ctx)
		if err != nil {
			return err
		}
		bar := progressbar.NewOptions(total, progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("reindex "+name),
			progressbar.OptionShowCount(), progressbar.OptionSetWidth(30), progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }))
		n, err := outbox.Reindex(ctx, src, func(done, _ int) { _ = bar.Set(done) })
		if err != nil {
			return fmt.Errorf("reindex %s: %w", name, err)
		}
		_ = bar.Finish()
		fmt.Fprintf(stdout, "%s: %d documents indexed\n", name, n)
	}
	return nil
}

// openDatabase opens only the database of m's configuration, for commands
// that need nothing else (so they can run beside a serving instance on
// MongoDB); FerretDB and driver warnings go to stderr.
func openDatabase(ctx context.Context, m *Main, stderr io.Writer) (*mongodb.DB, error) {
	return mongodb.Open(ctx, mongodb.Config{URI: m.Config.MongoURI, Database: m.Config.MongoDatabase, DataDir: m.Config.DataDir, Logger: NewLogger(stderr, "warn")})
}

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
