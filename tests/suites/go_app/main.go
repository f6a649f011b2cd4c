// The Go suite's program: each check prints one line that does not depend
// on where it runs, so the output in the guest must equal the output of
// the same program on the host. `goapp DIR` also writes and reads a file
// in DIR (a 9p share in the guest); `goapp panic` ends in an unrecovered
// panic (status 2, a goroutine trace on stderr).
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func channels() {
	ch := make(chan int)
	results := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for v := range ch {
				results <- v * v
			}
		}()
	}
	go func() {
		for i := 1; i <= 100; i++ {
			ch <- i
		}
		close(ch)
		wg.Wait()
		close(results)
	}()
	sum := 0
	for r := range results {
		sum += r
	}
	fmt.Println("channels: sum of squares", sum)
}

func syncs() {
	var mu sync.Mutex
	var once sync.Once
	var n, onces int64
	var wg sync.WaitGroup
	cond := sync.NewCond(&mu)
	ready := 0
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			once.Do(func() { atomic.AddInt64(&onces, 1) })
			for j := 0; j < 1000; j++ {
				mu.Lock()
				n++
				mu.Unlock()
			}
			mu.Lock()
			ready++
			cond.Broadcast()
			mu.Unlock()
		}()
	}
	mu.Lock()
	for ready < 50 {
		cond.Wait()
	}
	mu.Unlock()
	wg.Wait()
	fmt.Println("sync: counter", n, "once", onces)
}

func timers() {
	start := time.Now()
	time.Sleep(20 * time.Millisecond)
	slept := time.Since(start) >= 20*time.Millisecond
	var fired []int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, d := range []int{30, 10, 20} {
		d := d
		wg.Add(1)
		time.AfterFunc(time.Duration(d)*time.Millisecond, func() {
			mu.Lock()
			fired = append(fired, d)
			mu.Unlock()
			wg.Done()
		})
	}
	wg.Wait()
	t := time.NewTicker(5 * time.Millisecond)
	for i := 0; i < 4; i++ {
		<-t.C
	}
	t.Stop()
	select {
	case <-time.After(10 * time.Millisecond):
		fmt.Println("timers: slept", slept, "fired", fired, "ticker 4")
	}
}

// Four goroutines spin without a function call while GOMAXPROCS is 1:
// main only runs again if the runtime preempts them asynchronously (a
// signal sent to the thread).
func preemption() {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	var stop int32
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for atomic.LoadInt32(&stop) == 0 {
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	atomic.StoreInt32(&stop, 1)
	wg.Wait()
	fmt.Println("preemption: main ran while 4 goroutines spun")
}

func collector() {
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	keep := make([][]byte, 0, 64)
	total := 0
	for i := 0; i < 8000; i++ {
		b := make([]byte, 32<<10)
		b[0] = byte(i)
		total += len(b)
		keep = append(keep, b)
		if len(keep) == cap(keep) {
			keep = keep[:0]
		}
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	fmt.Println("gc: allocated MiB", total>>20, "collections", after.NumGC > before.NumGC,
		"heap below 64 MiB", after.HeapAlloc < 64<<20)
}

func files(parent string) {
	dir, err := os.MkdirTemp(parent, "goapp")
	if err != nil {
		fmt.Println("files:", err)
		return
	}
	defer os.RemoveAll(dir)
	name := filepath.Join(dir, "data.bin")
	data := bytes.Repeat([]byte("0123456789abcdef"), 4096)
	if err := os.WriteFile(name, data, 0o644); err != nil {
		fmt.Println("files:", err)
		return
	}
	os.WriteFile(filepath.Join(dir, "small.txt"), []byte("small\n"), 0o600)
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	back, _ := os.ReadFile(name)
	fi, _ := os.Stat(name)
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	_, missing := os.Open(filepath.Join(dir, "missing"))
	os.Remove(name)
	_, gone := os.Stat(name)
	fmt.Println("files:", len(back), bytes.Equal(back, data), fi.Mode(), names,
		errors.Is(missing, os.ErrNotExist), errors.Is(gone, os.ErrNotExist))
}

func httpRoundTrip() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("http:", err)
		return
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"method": r.Method, "path": r.URL.Path, "len": len(body)})
	})}
	go srv.Serve(ln)
	base := "http://" + ln.Addr().String()
	var wg sync.WaitGroup
	var ok int32
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			resp, err := http.Post(fmt.Sprintf("%s/item/%d", base, i), "text/plain",
				bytes.NewReader(make([]byte, 1000*i)))
			if err != nil {
				return
			}
			var got map[string]any
			json.NewDecoder(resp.Body).Decode(&got)
			resp.Body.Close()
			if got["path"] == fmt.Sprintf("/item/%d", i) && got["len"] == float64(1000*i) {
				atomic.AddInt32(&ok, 1)
			}
		}(i)
	}
	wg.Wait()
	srv.Close()
	fmt.Println("http: answered", ok, "of 8")
}

func signals() {
	c := make(chan os.Signal, 2)
	signal.Notify(c, syscall.SIGUSR1, syscall.SIGHUP)
	syscall.Kill(syscall.Getpid(), syscall.SIGUSR1)
	syscall.Kill(syscall.Getpid(), syscall.SIGHUP)
	got := map[string]bool{}
	for len(got) < 2 {
		select {
		case s := <-c:
			got[s.String()] = true
		case <-time.After(5 * time.Second):
			fmt.Println("signals: timed out with", got)
			return
		}
	}
	signal.Stop(c)
	fmt.Println("signals: hangup", got["hangup"], "user defined signal 1", got["user defined signal 1"])
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "panic" {
		go func() { panic("goapp: deliberate panic") }()
		time.Sleep(10 * time.Second)
		return
	}
	channels()
	syncs()
	timers()
	preemption()
	collector()
	files(os.TempDir())
	if len(os.Args) > 1 {
		files(os.Args[1])
	}
	httpRoundTrip()
	signals()
	cgoCheck()
	os.Exit(3)
}
