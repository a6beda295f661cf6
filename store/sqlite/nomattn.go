//go:build !mattn

package sqlite

const mattnLinked = false
