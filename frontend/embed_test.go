package frontend_test

import (
	"io/fs"
	"testing"

	"github.com/tongban/tongban/frontend"
)

// TestDistIsRooted checks that Dist is the dist/ directory itself, not its
// parent: the placeholder that is always embedded sits at its root.
func TestDistIsRooted(t *testing.T) {
	fsys := frontend.Dist()
	if _, err := fs.Stat(fsys, ".gitkeep"); err != nil {
		t.Fatalf("Stat(.gitkeep) = %v, want the file at the root of Dist()", err)
	}
	if _, err := fs.Stat(fsys, "dist"); err == nil {
		t.Fatalf("Dist() has a dist/ entry: it should be rooted inside dist/")
	}
}
