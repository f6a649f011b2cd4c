// A small HTTP service: a greeting at /, the time at /time, request
// counts at /stats, and a clean exit on SIGTERM or SIGINT once the
// requests in flight are answered. Built with libunikraft:
//
//	go build -ldflags='-linkmode=external -extld=kraftld' -o httpd .
//	ukrun --net user,hostfwd=tcp:127.0.0.1:8080-:8080 httpd
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", ":8080", "the address to listen on")
	flag.Parse()

	var requests atomic.Int64
	started := time.Now()
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintf(w, "hello from Go %s on %s\n", runtime.Version(), runtime.GOOS)
	})
	mux.HandleFunc("/time", func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		fmt.Fprintln(w, time.Now().UTC().Format(time.RFC3339Nano))
	})
	mux.HandleFunc("/stats", func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"requests":   requests.Load(),
			"goroutines": runtime.NumGoroutine(),
			"uptime_ms":  time.Since(started).Milliseconds(),
		})
	})

	srv := &http.Server{Addr: *addr, Handler: mux}
	done := make(chan struct{})
	go func() {
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
		<-stop
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		close(done)
	}()

	log.Printf("listening on %s", *addr)
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		log.Fatal(err)
	}
	<-done
	log.Printf("served %d requests", requests.Load())
}
