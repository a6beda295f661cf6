//go:build !race

package multinode

// raceEnabled builds the nodes with the race detector when the tests run with it.
const raceEnabled = false
