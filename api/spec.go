package api

import (
	_ "embed"
	"html"
	"sort"
	"strings"

	"github.com/gofiber/fiber/v2"
	"gopkg.in/yaml.v3"
)

// OpenAPISpec is the OpenAPI 3.1 description of every route.
//
//go:embed openapi.yaml
var OpenAPISpec []byte

func serveSpec(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, "application/yaml; charset=utf-8")
	return c.Send(OpenAPISpec)
}

// docsPage renders a self-contained reference of the spec (no scripts, no
// outside assets, so it works under the strict CSP and offline).
func (s *Server) docsPage(c *fiber.Ctx) error {
	var spec struct {
		Info struct {
			Title, Version, Description string
		}
		Paths map[string]map[string]struct {
			Summary     string
			Description string
			Tags        []string
			Security    []map[string][]string
		}
	}
	if err := yaml.Unmarshal(OpenAPISpec, &spec); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Tongban API</title>
<style>body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1f2933}code{background:#eef2f6;padding:.1rem .3rem;border-radius:3px}
.op{border-top:1px solid #d8dee6;padding:.6rem 0}.m{display:inline-block;min-width:4.5rem;font-weight:700}.get{color:#0b6b3a}.post{color:#0b4f8a}.patch,.put{color:#7a4b00}.delete{color:#a11a1a}p{margin:.3rem 0}</style></head><body>`)
	b.WriteString("<h1>" + html.EscapeString(spec.Info.Title) + " <small>" + html.EscapeString(spec.Info.Version) + "</small></h1>")
	b.WriteString("<p>" + html.EscapeString(spec.Info.Description) + "</p><p>Machine-readable spec: <a href=\"/api/openapi.yaml\">/api/openapi.yaml</a></p>")
	paths := make([]string, 0, len(spec.Paths))
	for p := range spec.Paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		methods := make([]string, 0)
		for m := range spec.Paths[p] {
			methods = append(methods, m)
		}
		sort.Strings(methods)
		for _, m := range methods {
			op := spec.Paths[p][m]
			b.WriteString(`<div class="op"><span class="m ` + html.EscapeString(m) + `">` + strings.ToUpper(html.EscapeString(m)) + `</span><code>` + html.EscapeString(p) + `</code>`)
			b.WriteString("<p><strong>" + html.EscapeString(op.Summary) + "</strong></p>")
			if op.Description != "" {
				b.WriteString("<p>" + html.EscapeString(op.Description) + "</p>")
			}
			b.WriteString("</div>")
		}
	}
	b.WriteString("</body></html>")
	return c.Type("html").SendString(b.String())
}
