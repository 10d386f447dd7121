package ingest

// SetCrashAt makes the batcher stop at a step of recording a delivery, as a crash would; nil
// restores normal operation. Set it before Open and reset it after Close.
func SetCrashAt(f func(step string) bool) { crashAt = f }
