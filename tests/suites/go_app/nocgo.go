//go:build !cgo

package main

import "fmt"

func cgoCheck() { fmt.Println("cgo: not built in") }
