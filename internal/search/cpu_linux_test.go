//go:build linux

package search

import (
	"syscall"
	"time"
	"unsafe"
)

// cpuTime returns the CPU time (user+system, all threads) used by the
// process so far: a benchmark figure that does not depend on how busy the
// machine is.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// threadCPUTime returns the CPU time of the calling OS thread
// (CLOCK_THREAD_CPUTIME_ID); the caller should hold runtime.LockOSThread.
func threadCPUTime() time.Duration {
	const clockThreadCPUTimeID = 3
	var ts syscall.Timespec
	if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		return 0
	}
	return time.Duration(ts.Nano())
}
