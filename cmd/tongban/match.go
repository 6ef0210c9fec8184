package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/schollz/progressbar/v3"

	"github.com/tongban/tongban/accounts"
	"github.com/tongban/tongban/internal/auth"
	"github.com/tongban/tongban/matching"
)

// runMatch implements `tongban match run --org ID [--dry-run]`: an optimal
// batch matching of the organisation's published pairing needs, printed
// with the explanation of every proposed pair. `--fairness county
// --min-share 0.2` guarantees every county at least 20 % of its places
// (matching.FairnessCountyMinShare) and prints the per-county fill.
func runMatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "run" {
		return errors.New("usage: tongban match run --org ORG_ID [--dry-run] [--fairness none|waiting|county --min-share 0.2] [--candidates 50]")
	}
	fs, m, err := newFlags("match run", stderr)
	if err != nil {
		return err
	}
	org := fs.String("org", "", "organisation ID or exact name (required)")
	dry := fs.Bool("dry-run", false, "only print the proposals; record nothing")
	fairness := fs.String("fairness", matching.FairnessNone, "none, waiting (priority for needs waiting longest) or county (every county gets at least --min-share of its places)")
	minShare := fs.Float64("min-share", 0, "with --fairness county: the share of each county's places filled at least (0 < s ≤ 1)")
	candidates := fs.Int("candidates", 50, "best eligible volunteers kept per need")
	lang := fs.String("lang", "zh", "explanations in zh or en")
	if err := parse(fs, m, args[1:]); err != nil {
		return err
	}
	if *org == "" {
		return errors.New("--org is required")
	}
	if *fairness == "county" {
		*fairness = matching.FairnessCountyMinShare
	}
	m.Logger = NewLogger(stderr, "warn")
	if err := m.Open(ctx); err != nil {
		_ = m.Close()
		return err
	}
	defer m.Close()
	o, err := m.Store.FindOrgByID(ctx, *org)
	if err != nil {
		if o, err = m.Store.FindOrgByName(ctx, *org); err != nil {
			return describe(err)
		}
	}
	// The CLI acts as an operator with administrator rights.
	cctx := auth.NewContext(ctx, &auth.Identity{UserID: "cli", Roles: []string{accounts.RoleAdmin}, Orgs: map[string]string{}, Via: "cli"})
	var bar *progressbar.ProgressBar
	res, err := m.Pairings.RunBatch(cctx, o.ID, matching.BatchOptions{Candidates: *candidates, Fairness: *fairness, MinShare: *minShare, DryRun: *dry}, func(done, total int) {
		if bar == nil {
			bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("scoring candidates"),
				progressbar.OptionShowCount(), progressbar.OptionSetWidth(30), progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }))
		}
		_ = bar.Set(done)
	})
	if err != nil {
		return describe(err)
	}
	mode := "recorded as proposals"
	if *dry {
		mode = "dry run, nothing recorded"
	}
	fmt.Fprintf(stdout, "%s: %d needs, %d volunteers, %d candidate edges; %d pairs, total score %.2f (%s)\n\n",
		o.Name, res.Needs, res.Volunteers, res.Edges, len(res.Proposals), res.Total, mode)
	for _, p := range res.Proposals {
		fmt.Fprintf(stdout, "%6.2f  %s  ←  %s (%s)\n", p.Score.Total, p.NeedTitle, p.Volunteer.DisplayName, p.Volunteer.ID)
		for _, c := range p.Score.Components {
			text := c.ZH
			if *lang == "en" {
				text = c.EN
			}
			fmt.Fprintf(stdout, "        %-10s %5.2f  %s\n", c.Name, c.Points, text)
		}
		if p.Error != "" {
			fmt.Fprintf(stdout, "        not recorded: %s\n", p.Error)
		}
	}
	if len(res.Counties) > 0 {
		fmt.Fprintf(stdout, "\nCounties (minimum share %.0f %%):\n", *minShare*100)
		for _, c := range res.Counties {
			fmt.Fprintf(stdout, "  %s  %d of %d places filled (floor %d)\n", c.CountyCode, c.Filled, c.Places, c.Floor)
		}
		if res.Short > 0 {
			fmt.Fprintf(stdout, "  %d floor places could not be filled: too few eligible volunteers\n", res.Short)
		}
	}
	if len(res.Unfilled) > 0 {
		var parts []string
		for id, n := range res.Unfilled {
			parts = append(parts, fmt.Sprintf("%s×%d", id, n))
		}
		fmt.Fprintf(stdout, "\nUnfilled places: %s\n", strings.Join(parts, ", "))
	}
	return nil
}
