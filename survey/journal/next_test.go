package journal

import (
	"context"
	"testing"
	"time"
)

// Next with no bounds (0 or less) returns up to 1,024 records and 4 MiB, not one record.
func TestNextDefaultBounds(t *testing.T) {
	j := openT(t, t.TempDir(), Options{})
	for i := range 1100 {
		appendT(t, j, payloadFor(i, 20))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, bounds := range [][2]int{{0, 0}, {-1, -1}, {0, 1 << 20}, {2000, 0}} {
		recs, err := j.Next(ctx, 0, bounds[0], bounds[1])
		if err != nil {
			t.Fatal(err)
		}
		want := 1024
		if bounds[0] == 2000 {
			want = 1100
		}
		if len(recs) != want {
			t.Errorf("Next(0, %d, %d) = %d records, want %d", bounds[0], bounds[1], len(recs), want)
		}
	}
}
