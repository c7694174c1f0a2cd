//go:build !linux

package bench

import "errors"

var errNoProc = errors.New("peak resident memory is read from /proc, which only Linux has")

// PeakRSS is not available without /proc.
func PeakRSS(int) (int64, error) { return 0, errNoProc }

// ResetPeakRSS is not available without /proc.
func ResetPeakRSS(int) error { return errNoProc }

// ProcessCPU is not available without /proc.
func ProcessCPU(int) (float64, error) { return 0, errNoProc }

// ProcessTreeCPU is not available without /proc.
func ProcessTreeCPU(int) (float64, error) { return 0, errNoProc }

// ProcessName is not available without /proc.
func ProcessName(int) (string, error) { return "", errNoProc }

// ParentPid is not available without /proc.
func ParentPid(int) (int, error) { return 0, errNoProc }
