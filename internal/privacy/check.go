package privacy

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tongban/tongban"
)

// FieldFinding is a Finding in one named input field. It is the element
// type of the Details of the error returned by Check, and encodes to JSON
// as the finding with an added "field" member.
type FieldFinding struct {
	Field string `json:"field"`
	Finding
}

// maxMessageFindings bounds the number of findings spelled out in the
// message of the error returned by Check; Details lists all of them.
const maxMessageFindings = 5

// Check screens the named fields (e.g. "title", "narrative",
// "items[0].note") and returns nil when none holds personal data. Otherwise
// it returns a *tongban.Error with code EUNPROCESSABLE, a message such as
// "Personal data found: mobile number in narrative at 12–23.", one
// FieldError per field with findings, and Details of type []FieldFinding.
// Fields are reported in name order; offsets are in runes.
func Check(fields map[string]string) error {
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	sort.Strings(names)
	var (
		details []FieldFinding
		errs    []tongban.FieldError
		parts   []string
	)
	for _, name := range names {
		found := Screen(fields[name])
		if len(found) == 0 {
			continue
		}
		var reasons []string
		for _, f := range found {
			details = append(details, FieldFinding{Field: name, Finding: f})
			where := fmt.Sprintf("%s at %d–%d", KindName(f.Kind), f.Start, f.End)
			reasons = append(reasons, where)
			if len(parts) < maxMessageFindings {
				parts = append(parts, fmt.Sprintf("%s in %s at %d–%d", KindName(f.Kind), name, f.Start, f.End))
			}
		}
		errs = append(errs, tongban.FieldError{Field: name, Reason: "contains personal data: " + strings.Join(reasons, ", ")})
	}
	if len(details) == 0 {
		return nil
	}
	msg := "Personal data found: " + strings.Join(parts, "; ")
	if more := len(details) - len(parts); more > 0 {
		msg += fmt.Sprintf("; and %d more", more)
	}
	return &tongban.Error{
		Code:    tongban.EUNPROCESSABLE,
		Message: msg + ".",
		Fields:  errs,
		Details: details,
	}
}
