// Package frontend exposes the built web app (Vue 3 + Vite output in dist/)
// for embedding into the tongban binary.
package frontend

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Dist returns the built app with index.html at its root. When the app was
// not built, it holds only a placeholder file and no index.html.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err)
	}
	return sub
}
