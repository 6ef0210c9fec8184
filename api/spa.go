package api

import (
	"io/fs"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"net/http"
)

// spa serves the built web app: real files as they are, and index.html for
// every other non-API path (history-mode routing).
func (s *Server) spa() {
	if s.deps.Frontend == nil {
		s.App.Get("/*", func(c *fiber.Ctx) error {
			return c.Type("txt").SendString("Tongban API is running; the web app was not built (run `make build`).")
		})
		return
	}
	index, err := fs.ReadFile(s.deps.Frontend, "index.html")
	if err != nil {
		index = []byte("<!doctype html><title>Tongban</title><p>The web app was not built: run <code>make build</code>.</p>")
	}
	files := filesystem.New(filesystem.Config{Root: http.FS(s.deps.Frontend), MaxAge: 3600})
	s.App.Get("/*", func(c *fiber.Ctx) error {
		p := strings.TrimPrefix(path.Clean(c.Path()), "/")
		if p != "" && p != "index.html" {
			if st, err := fs.Stat(s.deps.Frontend, p); err == nil && !st.IsDir() {
				if strings.HasPrefix(p, "assets/") {
					c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
				}
				return files(c)
			}
		}
		c.Set(fiber.HeaderCacheControl, "no-cache")
		return c.Type("html").Send(index)
	})
}
