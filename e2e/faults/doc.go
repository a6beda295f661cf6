// Package faults holds the in-process fault tests of docs/reliability.md:
// webhook receivers that fail for a while or hang, the bad-input corpus of
// both dialects and 50 connections of mixed load. They are built only with
// -tags faults (`make faults`); the default test run does not see them.
// The process-level faults (kill -9, the store failing) are in e2e/multinode.
package faults
