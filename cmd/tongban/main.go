// Command tongban runs the Tongban service and its operations commands.
//
//	tongban serve [--demo]          start the HTTP service
//	tongban seed --demo             seed the demo city into the database
//	tongban user create --admin     create an account (the first admin)
//	tongban reindex                 rebuild the search indexes from the database
//	tongban match run --org ID      optimal batch matching (--dry-run to preview)
//	tongban needs reconcile         repair need counters from the ledger and pledges
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "tongban:", err)
		os.Exit(1)
	}
}

const usage = `Tongban (童伴) — volunteers, donors and the needs of left-behind children.

Usage:
  tongban serve [flags]                 start the service (see -h for settings)
  tongban seed --demo [flags]           seed the demo city into an empty database
  tongban user create [--admin] --login L --name N   create an account (password from TONGBAN_PASSWORD or stdin)
  tongban reindex [flags]               rebuild every search index from the database
  tongban match run --org ID [--dry-run] optimal batch matching with explanations
  tongban ledger verify [--json]        recompute every ledger hash chain and balance; non-zero exit on any mismatch
  tongban ledger seal [--json]          move full blocks of 1,000 ledger entries into sealed segments (the server does this every 30 s)
  tongban needs reconcile [--dry-run] [--json]   recompute need counters from the ledger and the pledges and repair them (the server does this at start-up)
  tongban version                       print the version

Every flag has an environment variable; run a command with -h to list them.
`

// Version is set at build time with -ldflags "-X main.Version=...".
var Version = "dev"

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], stdout, stderr)
	case "seed":
		return runSeed(ctx, args[1:], stdout, stderr)
	case "user":
		return runUser(ctx, args[1:], stdout, stderr)
	case "ledger":
		return runLedger(ctx, args[1:], stdout, stderr)
	case "needs":
		return runNeeds(ctx, args[1:], stdout, stderr)
	case "match":
		return runMatch(ctx, args[1:], stdout, stderr)
	case "reindex":
		return runReindex(ctx, args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "tongban", Version)
		return nil
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}
