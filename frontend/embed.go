// Package frontend holds the built web app (Vue, built by Vite into dist/)
// so that the Go server can serve it from the binary.
package frontend

import (
	"embed"
	"io/fs"
)

// dist is the Vite build output. dist/.gitkeep is committed so that the
// embed pattern matches even before the first `npm run build`.
//
//go:embed all:dist
var dist embed.FS

// Dist returns the built web app with dist/ as its root: index.html and
// assets/ sit at the top. Before a frontend build it holds only .gitkeep.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		// fs.Sub fails only for an invalid path, and "dist" is valid.
		panic(err)
	}
	return sub
}
