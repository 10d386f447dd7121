package links_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/palabre/palabre/reports/links"
)

func Example() {
	dir, _ := os.MkdirTemp("", "palabre")
	defer os.RemoveAll(dir)
	keys, err := links.OpenKeyring(filepath.Join(dir, "keys", "links.json"))
	if err != nil {
		log.Fatal(err)
	}
	issued := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	token, err := keys.Sign(links.Claims{
		Publication: "tangier-2026",
		Scope:       "meeting;2024,2025,2026;country,edition;fr",
		IssuedAt:    issued,
		Expires:     issued.AddDate(0, 0, 90),
	})
	if err != nil {
		log.Fatal(err)
	}

	c, err := keys.Verify(token, issued.AddDate(0, 1, 0))
	fmt.Println(c.Publication, err)
	c, err = keys.Verify(token, issued.AddDate(1, 0, 0))
	fmt.Println(err, "on", c.Expires.Format(time.DateOnly))
	_, err = keys.Verify(token[:len(token)-1]+"x", issued)
	fmt.Println(err)
	// Output:
	// tangier-2026 <nil>
	// links: link expired on 2027-02-28
	// links: invalid link
}
