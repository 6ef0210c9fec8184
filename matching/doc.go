// Package matching is the heart of Tongban: anonymized needs and their
// lifecycle, volunteer profiles and verification, hard constraints and
// explainable scores, recommendations, pairings with their session logs, and
// the exactly optimal batch assignment (Assign) of needs to volunteers over a
// sparse candidate graph. It does no I/O: stores are small interfaces that
// the adapters in internal/mongodb implement.
package matching
