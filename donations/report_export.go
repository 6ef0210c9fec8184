package donations

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// A transparency report is downloadable as CSV and as XLSX; both are built
// from the same tables so they always agree. Amounts are yuan with two
// decimals, computed from integer fen.

// Fen marks a table cell that holds an amount of money in fen.
type Fen int64

// Table is one section of an exported report.
type Table struct {
	// Name is the section title (and the XLSX sheet name).
	Name   string
	Header []string
	// Rows hold string, int or Fen cells.
	Rows [][]any
}

// categoryZH names expense categories in reports.
var categoryZH = map[string]string{
	"clothing": "衣物", "school_supplies": "学习用品", "books": "图书", "tuition": "学费", "living_allowance": "生活补助",
	"medical": "医疗", "food": "餐食", "transport": "交通", "activities": "活动", "other": "其他",
}

// ReportTables lays a report out as tables: summary, by category, by month
// and by need. title names the ledger; needTitle gives a need's public
// title (or "" to show its ID only).
func ReportTables(title string, r *Report, needTitle func(id string) string) []Table {
	summary := Table{Name: "概要 Summary", Header: []string{"项目 Item", "金额（元） Amount (yuan)"}, Rows: [][]any{
		{"账本 Ledger", title},
		{"截至记录 As of entry", int(r.AsOfSeq)},
		{"捐赠笔数 Gifts", r.Donations},
		{"捐赠人数 Donors", r.Donors},
		{"募集 Raised", Fen(r.RaisedFen)},
		{"退款 Refunded", Fen(r.RefundedFen)},
		{"已拨付 Allocated", Fen(r.AllocatedFen)},
		{"已支出 Spent", Fen(r.SpentFen)},
		{"未拨付 Unallocated", Fen(r.UnallocatedFen)},
		{"需求结余 Held by needs", Fen(r.HeldByNeedsFen)},
		{"余额 Balance", Fen(r.BalanceFen)},
	}}
	cats := Table{Name: "按类别 By category", Header: []string{"类别 Category", "支出（元） Spent (yuan)"}, Rows: [][]any{}}
	for _, c := range r.ByCategory {
		name := c.Category
		if zh := categoryZH[c.Category]; zh != "" {
			name = zh + " " + c.Category
		}
		cats.Rows = append(cats.Rows, []any{name, Fen(c.AmountFen)})
	}
	months := Table{Name: "按月份 By month", Header: []string{"月份 Month", "募集 Raised", "退款 Refunded", "拨付 Allocated", "支出 Spent"}, Rows: [][]any{}}
	for _, m := range r.ByMonth {
		months.Rows = append(months.Rows, []any{m.Month, Fen(m.RaisedFen), Fen(m.RefundedFen), Fen(m.AllocatedFen), Fen(m.SpentFen)})
	}
	needs := Table{Name: "按需求 By need", Header: []string{"需求 Need", "标题 Title", "拨入 Received", "支出 Spent", "结余 Balance"}, Rows: [][]any{}}
	for _, n := range r.ByNeed {
		t := ""
		if needTitle != nil {
			t = needTitle(n.NeedID)
		}
		needs.Rows = append(needs.Rows, []any{n.NeedID, t, Fen(n.RaisedFen), Fen(n.SpentFen), Fen(n.BalanceFen)})
	}
	return []Table{summary, cats, months, needs}
}

func cellText(v any) string {
	switch x := v.(type) {
	case Fen:
		return plainYuan(int64(x))
	case string:
		return x
	default:
		return fmt.Sprint(x)
	}
}

// plainYuan writes fen as yuan with two decimals and no currency sign.
func plainYuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s%d.%02d", sign, fen/100, fen%100)
}

// WriteReportCSV writes the tables as one CSV file: each section starts
// with its name, then its header and rows, and a blank line separates
// sections. It begins with a UTF-8 byte order mark so spreadsheet programs
// read the Chinese text.
func WriteReportCSV(w io.Writer, tables []Table) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	for i, t := range tables {
		if i > 0 {
			_ = cw.Write([]string{})
		}
		_ = cw.Write([]string{t.Name})
		_ = cw.Write(t.Header)
		for _, r := range t.Rows {
			rec := make([]string, len(r))
			for j, v := range r {
				rec[j] = cellText(v)
			}
			_ = cw.Write(rec)
		}
	}
	cw.Flush()
	return cw.Error()
}

// ReportXLSX renders the tables as an Excel workbook, one sheet each, with
// amounts as numbers (yuan, two decimals) so they can be summed.
func ReportXLSX(tables []Table) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"F6EEEE"}, Pattern: 1}})
	if err != nil {
		return nil, err
	}
	money, err := f.NewStyle(&excelize.Style{NumFmt: 4}) // #,##0.00
	if err != nil {
		return nil, err
	}
	for i, t := range tables {
		sheet := t.Name
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sheet); err != nil {
				return nil, err
			}
		} else if _, err := f.NewSheet(sheet); err != nil {
			return nil, err
		}
		for c, h := range t.Header {
			cell, _ := excelize.CoordinatesToCellName(c+1, 1)
			if err := f.SetCellStr(sheet, cell, h); err != nil {
				return nil, err
			}
		}
		last, _ := excelize.CoordinatesToCellName(len(t.Header), 1)
		if err := f.SetCellStyle(sheet, "A1", last, bold); err != nil {
			return nil, err
		}
		for r, row := range t.Rows {
			for c, v := range row {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+2)
				switch x := v.(type) {
				case Fen:
					err = f.SetCellFloat(sheet, cell, float64(x)/100, 2, 64)
					if err == nil {
						err = f.SetCellStyle(sheet, cell, cell, money)
					}
				case int:
					err = f.SetCellInt(sheet, cell, int64(x))
				default:
					err = f.SetCellStr(sheet, cell, cellText(x))
				}
				if err != nil {
					return nil, err
				}
			}
		}
		lastCol, _ := excelize.ColumnNumberToName(len(t.Header))
		if err := f.SetColWidth(sheet, "A", lastCol, 18); err != nil {
			return nil, err
		}
		if err := f.SetColWidth(sheet, "A", "A", 28); err != nil {
			return nil, err
		}
		if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return nil, err
		}
	}
	f.SetActiveSheet(0)
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
