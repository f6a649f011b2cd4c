//go:build cgo

package main

/*
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>

static int sum_to(int n) {
	int s = 0;
	for (int i = 1; i <= n; i++)
		s += i;
	return s;
}

static char* describe(const char* who) {
	char* s = malloc(64);
	snprintf(s, 64, "C says hello to %s", who);
	return s;
}
*/
import "C"

import (
	"fmt"
	"sync"
	"unsafe"
)

func cgoCheck() {
	who := C.CString("Go")
	defer C.free(unsafe.Pointer(who))
	s := C.describe(who)
	msg := C.GoString(s)
	C.free(unsafe.Pointer(s))
	// Calls from many goroutines at once, so from several threads.
	var wg sync.WaitGroup
	sums := make([]int, 16)
	for i := range sums {
		wg.Add(1)
		go func(i int) { defer wg.Done(); sums[i] = int(C.sum_to(C.int(i * 10))) }(i)
	}
	wg.Wait()
	fmt.Println("cgo:", msg, sums[15])
}
