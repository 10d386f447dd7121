package journal

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// FS is the file system layer the journal reads and writes through. The
// default, OSFS, is the operating system; tests replace it to inject
// faults (see package faultfs). Paths are the journal directory joined
// with file names.
type FS interface {
	// OpenFile opens a file as os.OpenFile does. Opening the journal
	// directory itself read-only yields a File whose Sync makes renames
	// and removals in it durable.
	OpenFile(name string, flag int, perm fs.FileMode) (File, error)
	Rename(oldpath, newpath string) error
	Remove(name string) error
	ReadDir(name string) ([]fs.DirEntry, error)
	// Stat describes name without following a final symbolic link.
	Stat(name string) (fs.FileInfo, error)
	MkdirAll(name string, perm fs.FileMode) error
}

// File is an open file of an FS.
type File interface {
	io.ReaderAt
	io.WriterAt
	io.Closer
	Name() string
	Stat() (fs.FileInfo, error)
	Truncate(size int64) error
	// Sync commits the file's data and metadata to stable storage (fsync).
	Sync() error
	// Datasync commits the file's data and the metadata needed to read it
	// back (fdatasync).
	Datasync() error
	// Allocate reserves disk space for the file up to size bytes without
	// changing what it reads as, so that running out of space shows at
	// once; a file system that cannot do it returns nil.
	Allocate(size int64) error
}

// OSFS returns the operating system's file system, the default FS.
func OSFS() FS { return osFS{} }

type osFS struct{}

func (osFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return osFile{f}, nil
}

func (osFS) Rename(oldpath, newpath string) error         { return os.Rename(oldpath, newpath) }
func (osFS) Remove(name string) error                     { return os.Remove(name) }
func (osFS) ReadDir(name string) ([]fs.DirEntry, error)   { return os.ReadDir(name) }
func (osFS) Stat(name string) (fs.FileInfo, error)        { return os.Lstat(name) }
func (osFS) MkdirAll(name string, perm fs.FileMode) error { return os.MkdirAll(name, perm) }

// osFile is an *os.File with Datasync and Allocate.
type osFile struct{ *os.File }

func (f osFile) Datasync() error {
	for {
		err := syscall.Fdatasync(int(f.Fd()))
		if err != syscall.EINTR {
			if err != nil {
				return &os.PathError{Op: "fdatasync", Path: f.Name(), Err: err}
			}
			return nil
		}
	}
}

func (f osFile) Allocate(size int64) error {
	for {
		err := syscall.Fallocate(int(f.Fd()), 0, 0, size)
		switch {
		case err == syscall.EINTR:
			continue
		case err == nil, errors.Is(err, syscall.EOPNOTSUPP), errors.Is(err, syscall.ENOSYS):
			return nil
		}
		return &os.PathError{Op: "fallocate", Path: f.Name(), Err: err}
	}
}

// readFile returns the content of the file name of fsys.
func readFile(fsys FS, name string) ([]byte, error) {
	f, err := fsys.OpenFile(name, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	b := make([]byte, st.Size())
	n, err := f.ReadAt(b, 0)
	if err == io.EOF {
		err = nil
	}
	return b[:n], err
}

// linkCount returns the number of names of the file described by st, or
// -1 if the file system does not say.
func linkCount(st fs.FileInfo) int64 {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return int64(s.Nlink)
	}
	return -1
}

// sameFile reports whether a and b describe the same file, when the file
// system says; true when it cannot tell.
func sameFile(a, b fs.FileInfo) bool {
	sa, oka := a.Sys().(*syscall.Stat_t)
	sb, okb := b.Sys().(*syscall.Stat_t)
	if !oka || !okb {
		return true
	}
	return sa.Dev == sb.Dev && sa.Ino == sb.Ino
}

// isNoSpace reports whether err means the disk or the quota is full.
func isNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}
