package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
)

// The checkpoint file holds the delivered watermark:
// magic (8 bytes), watermark (uint64), CRC-32C of the first 16 bytes.
const (
	checkpointName = "DELIVERED"
	checkpointSize = 20
)

var checkpointMagic = [8]byte{'P', 'L', 'B', 'R', 'D', 'L', 'V', '1'}

// readCheckpoint returns the delivered watermark, 0 if none was written.
func readCheckpoint(fsys FS, dir string) (Seq, error) {
	path := filepath.Join(dir, checkpointName)
	b, err := readFile(fsys, path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("journal: read checkpoint: %w", err)
	}
	if len(b) != checkpointSize || [8]byte(b[:8]) != checkpointMagic ||
		crc32.Checksum(b[:16], castagnoli) != binary.LittleEndian.Uint32(b[16:]) {
		return 0, &CorruptError{path, 0, "invalid delivered checkpoint"}
	}
	return Seq(binary.LittleEndian.Uint64(b[8:16])), nil
}

// writeCheckpoint durably replaces the checkpoint: write a temporary file,
// fsync it, rename it over the old one and fsync the directory.
func writeCheckpoint(fsys FS, dir string, dirFile File, seq Seq) error {
	b := make([]byte, checkpointSize)
	copy(b, checkpointMagic[:])
	binary.LittleEndian.PutUint64(b[8:16], uint64(seq))
	binary.LittleEndian.PutUint32(b[16:], crc32.Checksum(b[:16], castagnoli))
	tmp := filepath.Join(dir, checkpointName+".tmp")
	f, err := fsys.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.WriteAt(b, 0)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = fsys.Rename(tmp, filepath.Join(dir, checkpointName))
	}
	if err == nil {
		err = dirFile.Sync()
	}
	return err
}
