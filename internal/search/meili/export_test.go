package meili

// Internal translation functions, exported to the external tests.
var (
	FilterString = filterString
	Requests     = requests
	Settings     = settings
	FacetCounts  = facetCounts
	Quote        = quote
)
