//go:build !unix

package links

// lockFile does nothing where flock does not exist: rotations from two processes at once may
// then lose one of the two keys (the file itself is still replaced atomically).
func lockFile(string) (func(), error) { return func() {}, nil }

func syncDir(string) error { return nil }
