package matching

// AssignDenseJV is AssignDense without the sparse subgraph attempt, so that
// tests reach the dense Jonker–Volgenant algorithm on every instance.
func AssignDenseJV(cost [][]int64, maximize bool) (DenseAssignment, error) {
	return assignDense(cost, maximize, false)
}

// DenseSparseFirstSettles reports whether AssignDense settles c (with no
// more rows than columns) on a sparse subgraph rather than falling back to
// the dense algorithm.
func DenseSparseFirstSettles(c [][]int64) bool {
	_, _, _, ok := denseSparseFirst(c, len(c), len(c[0]))
	return ok
}

// Minutes exposes minutes for its test.
var Minutes = minutes
