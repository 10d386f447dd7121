package xlsform

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"
)

// A cell holding a boolean reads as pyxform reads it, TRUE or FALSE: a question may be
// named FALSE (pyxform's own example forms have one), and required TRUE is required. A
// number 0 or 1 stays a number.
func TestBooleanCells(t *testing.T) {
	x := excelize.NewFile()
	defer x.Close()
	if err := x.SetSheetName("Sheet1", "survey"); err != nil {
		t.Fatal(err)
	}
	set := func(cell string, v any) {
		t.Helper()
		if err := x.SetCellValue("survey", cell, v); err != nil {
			t.Fatal(err)
		}
	}
	for i, h := range []string{"type", "name", "label", "required"} {
		c, _ := excelize.CoordinatesToCellName(i+1, 1)
		set(c, h)
	}
	set("A2", "text")
	set("B2", false)
	set("C2", "Boolean name")
	set("D2", true)
	set("A3", "integer")
	set("B3", "n")
	set("C3", 1)
	set("D3", 0)
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		t.Fatal(err)
	}
	res, err := Read(&buf, "b.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	qs := res.Form.Sections[0].Questions
	if len(qs) != 2 || qs[0].Key != "FALSE" || !qs[0].Required || qs[1].Label[res.Form.DefaultLanguage] != "1" || qs[1].Required {
		t.Errorf("questions %+v", qs)
	}
}
