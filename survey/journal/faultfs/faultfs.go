// Package faultfs is a journal.FS that injects disk faults, for tests: a
// full disk, a failing fsync, an unwritable directory. It wraps another
// FS, by default the operating system's, and consults a hook before each
// operation; an operation the hook fails is not performed, except a write,
// which writes the first half of its bytes first, as a disk that fills up
// in the middle of a write does.
//
//	fsys := faultfs.New(nil)
//	j, _ := journal.Open(dir, journal.Options{FS: fsys})
//	fsys.NoSpace(true)  // every write, sync and allocation fails with ENOSPC
//	fsys.NoSpace(false) // space is back
package faultfs

import (
	"io/fs"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/palabre/palabre/survey/journal"
)

// Op is a kind of file system operation.
type Op int

const (
	Open     Op = iota // FS.OpenFile
	Write              // File.WriteAt
	Sync               // File.Sync and File.Datasync
	Allocate           // File.Allocate
	Truncate           // File.Truncate
	Read               // File.ReadAt
	Rename             // FS.Rename
	Remove             // FS.Remove
	Stat               // FS.Stat and File.Stat
	ReadDir            // FS.ReadDir
	Mkdir              // FS.MkdirAll
	numOps
)

var opNames = [numOps]string{"open", "write", "sync", "allocate", "truncate", "read", "rename", "remove", "stat", "readdir", "mkdir"}

func (o Op) String() string {
	if o >= 0 && o < numOps {
		return opNames[o]
	}
	return "op?"
}

// Hook decides the outcome of an operation on path before it runs: a
// non-nil error fails it.
type Hook func(op Op, path string) error

// FS is a journal.FS with fault injection. It is safe for concurrent use.
type FS struct {
	base journal.FS

	mu     sync.Mutex
	hook   Hook
	fail   [numOps]error
	counts [numOps]int64
}

// New returns an FS over base (journal.OSFS() if nil) injecting no fault.
func New(base journal.FS) *FS {
	if base == nil {
		base = journal.OSFS()
	}
	return &FS{base: base}
}

// SetHook sets the hook consulted before every operation; nil removes it.
// Faults set by Fail and NoSpace apply first.
func (f *FS) SetHook(h Hook) {
	f.mu.Lock()
	f.hook = h
	f.mu.Unlock()
}

// Fail makes every operation op fail with err (wrapped in an
// *fs.PathError) until Fail(op, nil).
func (f *FS) Fail(op Op, err error) {
	f.mu.Lock()
	f.fail[op] = err
	f.mu.Unlock()
}

// NoSpace makes every write, sync and allocation fail with ENOSPC while
// on is true, as a full disk (on a file system that may need space to
// overwrite or to sync, the worst case).
func (f *FS) NoSpace(on bool) {
	var err error
	if on {
		err = syscall.ENOSPC
	}
	f.mu.Lock()
	f.fail[Write], f.fail[Sync], f.fail[Allocate] = err, err, err
	f.mu.Unlock()
}

// Count returns how many operations op succeeded.
func (f *FS) Count(op Op) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[op]
}

// check runs the faults for op on path.
func (f *FS) check(op Op, path string) error {
	f.mu.Lock()
	err, hook := f.fail[op], f.hook
	f.mu.Unlock()
	if err == nil && hook != nil {
		err = hook(op, path)
	}
	if err != nil {
		return &fs.PathError{Op: op.String() + " (injected)", Path: path, Err: err}
	}
	return nil
}

// done counts a successful operation and returns err.
func (f *FS) done(op Op, err error) error {
	if err == nil {
		f.mu.Lock()
		f.counts[op]++
		f.mu.Unlock()
	}
	return err
}

func (f *FS) OpenFile(name string, flag int, perm fs.FileMode) (journal.File, error) {
	if err := f.check(Open, name); err != nil {
		return nil, err
	}
	file, err := f.base.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	f.done(Open, nil)
	if fd, ok := file.(interface{ Fd() uintptr }); ok {
		return fdFile{&File{fs: f, f: file}, fd}, nil
	}
	return &File{fs: f, f: file}, nil
}

func (f *FS) Rename(oldpath, newpath string) error {
	if err := f.check(Rename, newpath); err != nil {
		return err
	}
	return f.done(Rename, f.base.Rename(oldpath, newpath))
}

func (f *FS) Remove(name string) error {
	if err := f.check(Remove, name); err != nil {
		return err
	}
	return f.done(Remove, f.base.Remove(name))
}

func (f *FS) ReadDir(name string) ([]fs.DirEntry, error) {
	if err := f.check(ReadDir, name); err != nil {
		return nil, err
	}
	es, err := f.base.ReadDir(name)
	return es, f.done(ReadDir, err)
}

func (f *FS) Stat(name string) (fs.FileInfo, error) {
	if err := f.check(Stat, name); err != nil {
		return nil, err
	}
	st, err := f.base.Stat(name)
	return st, f.done(Stat, err)
}

func (f *FS) MkdirAll(name string, perm fs.FileMode) error {
	if err := f.check(Mkdir, name); err != nil {
		return err
	}
	return f.done(Mkdir, f.base.MkdirAll(name, perm))
}

// File is an open file of an FS.
type File struct {
	fs *FS
	f  journal.File
}

// fdFile is a File whose underlying file has a descriptor (for the lock).
type fdFile struct {
	*File
	fd interface{ Fd() uintptr }
}

func (f fdFile) Fd() uintptr { return f.fd.Fd() }

func (f *File) Name() string { return f.f.Name() }
func (f *File) Close() error { return f.f.Close() }

func (f *File) ReadAt(p []byte, off int64) (int, error) {
	if err := f.fs.check(Read, f.Name()); err != nil {
		return 0, err
	}
	n, err := f.f.ReadAt(p, off)
	return n, f.fs.done(Read, err)
}

// WriteAt writes p at off. An injected fault writes the first half of p
// before failing.
func (f *File) WriteAt(p []byte, off int64) (int, error) {
	if err := f.fs.check(Write, f.Name()); err != nil {
		n, _ := f.f.WriteAt(p[:len(p)/2], off)
		return n, err
	}
	n, err := f.f.WriteAt(p, off)
	return n, f.fs.done(Write, err)
}

func (f *File) Stat() (fs.FileInfo, error) {
	if err := f.fs.check(Stat, f.Name()); err != nil {
		return nil, err
	}
	st, err := f.f.Stat()
	return st, f.fs.done(Stat, err)
}

func (f *File) Truncate(size int64) error {
	if err := f.fs.check(Truncate, f.Name()); err != nil {
		return err
	}
	return f.fs.done(Truncate, f.f.Truncate(size))
}

func (f *File) Sync() error {
	if err := f.fs.check(Sync, f.Name()); err != nil {
		return err
	}
	return f.fs.done(Sync, f.f.Sync())
}

func (f *File) Datasync() error {
	if err := f.fs.check(Sync, f.Name()); err != nil {
		return err
	}
	return f.fs.done(Sync, f.f.Datasync())
}

func (f *File) Allocate(size int64) error {
	if err := f.fs.check(Allocate, f.Name()); err != nil {
		return err
	}
	return f.fs.done(Allocate, f.f.Allocate(size))
}

// IsSegment reports whether path is a journal segment file; for hooks.
func IsSegment(path string) bool { return strings.HasSuffix(path, ".wal") }

// IsSpare reports whether path is the journal's next segment being
// prepared; for hooks.
func IsSpare(path string) bool { return filepath.Base(path) == "spare.tmp" }

var _ journal.FS = (*FS)(nil)
var _ journal.File = (*File)(nil)
