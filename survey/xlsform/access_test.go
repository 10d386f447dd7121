package xlsform

import (
	"strings"
	"testing"

	"github.com/palabre/palabre/survey"
)

func TestEditionsAccessColumn(t *testing.T) {
	sheets := kobo()
	sheets["editions"] = table("year|place|access\n2025|Tanger|invitation\n2024|Lima|open\n2023||")
	res, err := FromSheets(sheets, "f.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	got := map[int]survey.Access{}
	for _, e := range res.Editions {
		got[e.Year] = e.Access
	}
	if len(got) != 3 || got[2025] != survey.AccessInvitation || got[2024] != survey.AccessOpen || got[2023] != survey.AccessOpen {
		t.Errorf("access %v", got)
	}
	sheets["editions"] = table("year|access\n2025|everyone")
	if _, err := FromSheets(sheets, "f.xlsx"); err == nil || !strings.Contains(err.Error(), `row 2, column "access": editions: "everyone" is neither open nor invitation`) {
		t.Errorf("unknown access: %v", err)
	}
}
