// Package geo holds the county register the service works with: 6-digit
// county codes, names, and township centroids (never exact addresses).
//
// The register shipped here is the fictional demo city 云溪市 (codes 4399xx,
// a range no real Chinese county uses), so that demo data can never be
// mistaken for a real place.
package geo

import (
	"math"
	"sort"
)

// Township is a township-level place and its centroid.
type Township struct {
	Code string  `json:"code"`
	Name string  `json:"name"`
	Lat  float64 `json:"lat"`
	Lng  float64 `json:"lng"`
}

// County is a county-level division.
type County struct {
	Code      string     `json:"code"`
	Name      string     `json:"name"`
	City      string     `json:"city"`
	Townships []Township `json:"townships"`
}

// Counties is the register, by code.
var Counties = map[string]County{
	"439902": {Code: "439902", Name: "青山区", City: "云溪市", Townships: []Township{
		{"439902001", "青山街道", 27.2381, 111.4672}, {"439902002", "望江街道", 27.2490, 111.4810}, {"439902101", "白沙镇", 27.1902, 111.4215},
	}},
	"439921": {Code: "439921", Name: "隆安县", City: "云溪市", Townships: []Township{
		{"439921100", "城关镇", 27.1105, 111.0021}, {"439921101", "石门镇", 27.0552, 110.9013}, {"439921201", "桃花乡", 27.1630, 110.8702}, {"439921202", "高岭乡", 26.9987, 111.0540},
	}},
	"439922": {Code: "439922", Name: "溪口县", City: "云溪市", Townships: []Township{
		{"439922100", "溪口镇", 27.4521, 111.2203}, {"439922101", "龙潭镇", 27.5102, 111.1408}, {"439922201", "竹林乡", 27.3875, 111.3010},
	}},
	"439923": {Code: "439923", Name: "白石县", City: "云溪市", Townships: []Township{
		{"439923100", "白石镇", 26.8623, 111.5532}, {"439923101", "新田镇", 26.8011, 111.6204}, {"439923201", "枫树乡", 26.9120, 111.4817}, {"439923202", "茶园乡", 26.7754, 111.4985},
	}},
	"439924": {Code: "439924", Name: "云岭县", City: "云溪市", Townships: []Township{
		{"439924100", "云岭镇", 27.6408, 111.6620}, {"439924101", "金鸡镇", 27.7012, 111.7423}, {"439924201", "杉木乡", 27.5893, 111.7801},
	}},
}

// LookupCounty returns the county name for a code.
func LookupCounty(code string) (string, bool) {
	c, ok := Counties[code]
	return c.Name, ok
}

// SortedCounties returns the counties ordered by code.
func SortedCounties() []County {
	out := make([]County, 0, len(Counties))
	for _, c := range Counties {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// DistanceKm is the haversine distance between two points in kilometres.
func DistanceKm(lat1, lng1, lat2, lng2 float64) float64 {
	const r = 6371.0
	rad := math.Pi / 180
	dLat := (lat2 - lat1) * rad
	dLng := (lng2 - lng1) * rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * r * math.Asin(math.Sqrt(a))
}

// TownshipInCounty reports whether township is a township of county.
func TownshipInCounty(county, township string) bool {
	for _, t := range Counties[county].Townships {
		if t.Code == township {
			return true
		}
	}
	return false
}

// Centroid returns the centroid of a township, or of the county's first
// township when township is empty.
func Centroid(county, township string) (lat, lng float64, ok bool) {
	c, found := Counties[county]
	if !found || len(c.Townships) == 0 {
		return 0, 0, false
	}
	if township == "" {
		return c.Townships[0].Lat, c.Townships[0].Lng, true
	}
	for _, t := range c.Townships {
		if t.Code == township {
			return t.Lat, t.Lng, true
		}
	}
	return 0, 0, false
}
